"""Notices and availability, and the site settings (the header menu: menu_views.py).

Each screen carries what it was loaded with: a save from a screen someone else has saved
since is refused (StaleError) and shown again with both sides, keeping what was typed.
"""

import json
from zoneinfo import available_timezones

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.guard import admin_only
from ..content import presence
from ..content.models import Page
from ..content.render import render_preview
from ..content.revisions import compare, readable
from ..core.validation import StaleError, ValidationError, version_token
from ..site.models import AVAILABILITY_STATES, Notice, get_settings
from ..site.notices import (
    check_notice_access,
    notice_version,
    save_notice,
    save_switches,
    switch_state,
)
from ..site.settings import setting_tokens, stored_settings, update_settings
from .blueprint import bp
from .content_forms import (
    NoticeForm,
    SettingsForm,
    SwitchesForm,
    expected_version,
    loaded_state,
    show_errors,
)
from .posts import image_choices

TIMEZONES = sorted(available_timezones())
NOTICE_FIELDS = (
    ("link_label", "Link text"), ("link_url", "Link address"), ("link_page", "Linked page"),
    ("starts_at", "Show from"), ("ends_at", "Show until"),
)  # fmt: skip
KEEP_YOURS = "Yours is kept below: save again to replace theirs, or change it."


def actor():
    """The signed-in account, whose role the services check."""
    return current_user._get_current_object()


def editing(kind: str, object_id: int = 0) -> str:
    """Mark this edit screen as open by the signed-in account; who else has it open."""
    presence.mark(kind, object_id, current_user)
    return presence.describe(presence.others(kind, object_id, current_user))


def _switches_form() -> SwitchesForm:
    form = SwitchesForm(availability=get_settings()["availability"])
    form.availability.choices = dict(AVAILABILITY_STATES)
    optional = Notice.select().where(Notice.availability_state.is_null()).order_by(Notice.position)
    form.shown.choices = {n.id: n.label for n in optional}
    if not form.is_submitted():
        by_state = Notice.select().where(Notice.availability_state.is_null(False))
        first = by_state.order_by(Notice.position, Notice.id).first()
        on = [first.id] if first and any(n.enabled for n in by_state) else []
        form.shown.data = [n.id for n in optional if n.enabled] + on
        form.loaded.data = json.dumps(switch_state())
    return form


def _notices_page(form: SwitchesForm, status: int = 200):
    rows = list(Notice.select().order_by(Notice.position, Notice.id))
    return render_template("admin/notices.html", form=form, notices=rows), status


@bp.route("/notices")
def notices():
    """Availability, the switchable notices, and a preview of each."""
    return _notices_page(_switches_form())


@bp.route("/notices/switches", methods=["POST"])
@admin_only
def notice_switches():
    """Switch availability and the banner (and other notices) on or off."""
    form = _switches_form()
    if form.validate_on_submit():
        loaded = loaded_state(form)
        try:
            everywhere = request.form.get("everywhere") == "y"
            save_switches(
                form.availability.data, form.shown.data, actor=actor(), loaded=loaded,
                everywhere=everywhere,
            )  # fmt: skip
        except StaleError as exc:
            return _switches_conflict(form, loaded, exc)
        except ValidationError as exc:
            flash(" ".join(exc.errors.values()), "error")
        else:
            flash("Saved. The public site shows the change now.")
    return redirect(url_for("admin.notices"))


def _switches_conflict(form: SwitchesForm, loaded: dict, stale: StaleError):
    """The switches screen again, with the writer's choices, naming what someone else
    switched meanwhile; saving again applies the writer's choices to those too."""
    current, names = stale.current, []
    enabled = loaded.get("enabled")
    loaded["enabled"] = dict(enabled) if isinstance(enabled, dict) else {}
    for key in stale.errors:
        if key == "availability":
            loaded["availability"] = current["availability"]
            names.append(f"availability (now “{AVAILABILITY_STATES[current['availability']]}”)")
        else:
            notice = Notice.get_by_id(int(key.removeprefix("notice-")))
            loaded["enabled"][str(notice.id)] = current["enabled"][str(notice.id)]
            names.append(f"“{notice.label}” (now {'on' if notice.enabled else 'off'})")
    form.loaded.data = json.dumps(loaded)
    flash(
        f"Nothing was switched: someone else changed {', '.join(names)} since you opened this "
        "page. Your choices are kept below: save again to apply them, or reload the page to "
        "start from what is switched now.",
        "error",
    )
    return _notices_page(form, 409)


def _notice_form(notice: Notice) -> NoticeForm:
    names = ("body", "link_label", "link_url", "starts_at", "ends_at")
    form = NoticeForm(data={**{n: getattr(notice, n) for n in names},
                            "link_page": notice.link_page_id or 0,
                            "version": notice_version(notice)})  # fmt: skip
    pages = Page.current().select(Page.id, Page.title).order_by(Page.title)
    form.link_page.choices = {0: "No page", **{p.id: p.title for p in pages}}
    return form


def _notice_conflict(form: NoticeForm, stale: StaleError) -> dict:
    current, data = stale.current, form.data
    pages = dict(form.link_page.choices)
    theirs = {"body": current.body, "link_page": pages.get(current.link_page_id or 0, "")}
    yours = {"body": data["body"] or "", "link_page": pages.get(data["link_page"] or 0, "")}
    for name in ("link_label", "link_url", "starts_at", "ends_at"):
        theirs[name], yours[name] = readable(getattr(current, name)), readable(data[name])
    return {
        **compare(theirs, yours, NOTICE_FIELDS), "version": stale.version, "action": "save",
        "who": "Someone else", "when": current.updated_at,
    }  # fmt: skip


@bp.route("/notices/<int:notice_id>", methods=["GET", "POST"])
def notice_edit(notice_id):
    """Edit one notice's text, link and time window, with a preview."""
    notice = Notice.get_or_none(Notice.id == notice_id) or abort(404)
    check_notice_access(notice, actor())  # the crisis notice is the administrator's
    form, preview, conflict = _notice_form(notice), None, None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = render_preview(form.body.data or "")
        else:
            try:
                # Editors' forms have no time window (it is the administrator's call): a
                # field not sent keeps what is stored; one sent is checked by the service.
                window = ("starts_at", "ends_at")
                data = {k: v for k, v in form.data.items() if k not in window or k in request.form}
                save_notice(notice, data, actor=actor(), expected_version=expected_version(form))
            except StaleError as exc:
                conflict = _notice_conflict(form, exc)
            except ValidationError as exc:
                show_errors(form, exc.errors)
            else:
                flash("The notice was saved.")
                return redirect(url_for("admin.notices"))
    page = render_template(
        "admin/notice_edit.html", form=form, notice=notice, preview=preview, conflict=conflict,
        editing=editing("notice", notice.id),
    )  # fmt: skip
    return page, 409 if conflict else 200


def _settings_form() -> SettingsForm:
    values = dict(get_settings())
    tokens = setting_tokens(values)
    for key in ("logo_media_id", "favicon_media_id"):
        values[key] = str(values[key] or "")
    form = SettingsForm(data={**values, "loaded": json.dumps(tokens)})
    form.logo_media_id.choices = form.favicon_media_id.choices = image_choices()
    form.timezone.choices = {name: name for name in TIMEZONES}
    return form


def _shown_setting(form: SettingsForm, key: str, value) -> str:
    if key in ("logo_media_id", "favicon_media_id"):
        return dict(form.logo_media_id.choices).get(str(value or ""), "")
    if key == "social_links":
        return ", ".join(f"{link['label']} ({link['url']})" for link in value) or "none"
    return readable(value)


def _settings_conflict(form: SettingsForm, loaded: dict, stale: StaleError) -> None:
    """Mark the settings someone else changed meanwhile with their value; saving again
    replaces theirs with the writer's (the form now counts theirs as loaded)."""
    for key in stale.errors:
        now = _shown_setting(form, key, stale.current[key])
        show_errors(form, {key: f"{stale.errors[key]} It is now “{now}”. {KEEP_YOURS}"})
        loaded[key] = version_token(stale.current[key])
    form.loaded.data = json.dumps(loaded)
    flash("Nothing was saved: someone else changed the settings marked below.", "error")


@bp.route("/settings", methods=["GET", "POST"])
@admin_only
def settings_edit():
    """Site and practitioner details, contact, social links, logo, favicon, time zone."""
    form, status, unsaved, before = _settings_form(), 200, [], dict(get_settings())
    if form.validate_on_submit():
        loaded = loaded_state(form)
        try:
            update_settings(form.settings_data(), actor=actor(), loaded=loaded)
        except StaleError as exc:
            _settings_conflict(form, loaded, exc)
            status = 409
        except ValidationError as exc:
            show_errors(form, exc.errors)
            unsaved = _changed_labels(form, loaded or setting_tokens(before))
        else:
            flash("The settings were saved." + _removed_links(before, stored_settings()))
            return redirect(url_for("admin.settings_edit"))
    page = render_template(
        "admin/settings.html", form=form, editing=editing("settings"), unsaved=unsaved
    )
    return page, status


def _changed_labels(form: SettingsForm, loaded: dict) -> list[str]:
    """The labels of the settings this form changes from what it was loaded with."""
    data = form.settings_data()
    changed = [key for key in data if version_token(data[key]) != loaded.get(key)]
    return [form[key].label.text.capitalize() for key in changed if key in form]


def _removed_links(before: dict, after: dict) -> str:
    kept = {link["label"] for link in after["social_links"]}
    gone = [link["label"] for link in before["social_links"] if link["label"] not in kept]
    return "".join(f" Removed the social link “{label}”." for label in gone)
