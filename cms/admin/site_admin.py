"""Notices and availability, site settings, and the header menu."""

from zoneinfo import available_timezones

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..activity import log_activity
from ..auth import admin_only
from ..content import render_preview
from ..models import Page
from ..services import ValidationError
from ..site import AVAILABILITY_STATES, NavItem, Notice, get_settings
from ..site_edit import (
    MENU_TARGETS,
    check_notice_access,
    save_menu,
    save_notice,
    save_switches,
    update_settings,
)
from . import bp
from .content_forms import MenuForm, NoticeForm, SettingsForm, SwitchesForm, show_errors
from .posts import image_choices

MENU_LABELS = {"home": "Home page", "blog": "Blog", "contact": "Contact page"}
TIMEZONES = sorted(available_timezones())


def _actor():
    """The signed-in account, whose role the services check."""
    return current_user._get_current_object()


def _switches_form() -> SwitchesForm:
    form = SwitchesForm(availability=get_settings()["availability"])
    form.availability.choices = dict(AVAILABILITY_STATES)
    optional = Notice.select().where(Notice.availability_state.is_null()).order_by(Notice.position)
    form.shown.choices = {n.id: n.label for n in optional}
    if not form.is_submitted():
        form.shown.data = [n.id for n in optional if n.enabled]
    return form


@bp.route("/notices")
def notices():
    """Availability, the switchable notices, and a preview of each."""
    rows = list(Notice.select().order_by(Notice.position, Notice.id))
    return render_template("admin/notices.html", form=_switches_form(), notices=rows)


@bp.route("/notices/switches", methods=["POST"])
@admin_only
def notice_switches():
    """Switch availability and the banner (and other notices) on or off."""
    form = _switches_form()
    if form.validate_on_submit():
        try:
            save_switches(form.availability.data, form.shown.data, actor=_actor())
        except ValidationError as exc:
            flash(" ".join(exc.errors.values()), "error")
        else:
            log_activity("settings.availability", AVAILABILITY_STATES[form.availability.data])
            flash("Saved. The public site shows the change now.")
    return redirect(url_for("admin.notices"))


def _notice_form(notice: Notice) -> NoticeForm:
    names = ("body", "link_label", "link_url", "starts_at", "ends_at")
    form = NoticeForm(data={**{n: getattr(notice, n) for n in names},
                            "link_page": notice.link_page_id or 0})  # fmt: skip
    pages = Page.select(Page.id, Page.title).where(Page.deleted_at.is_null()).order_by(Page.title)
    form.link_page.choices = {0: "No page", **{p.id: p.title for p in pages}}
    return form


@bp.route("/notices/<int:notice_id>", methods=["GET", "POST"])
def notice_edit(notice_id):
    """Edit one notice's text, link and time window, with a preview."""
    notice = Notice.get_or_none(Notice.id == notice_id) or abort(404)
    check_notice_access(notice, _actor())  # the crisis notice is the administrator's
    form, preview = _notice_form(notice), None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = render_preview(form.body.data or "")
        else:
            try:
                save_notice(notice, form.data, actor=_actor())
            except ValidationError as exc:
                show_errors(form, exc.errors)
            else:
                log_activity("notice.update", notice.label)
                flash("The notice was saved.")
                return redirect(url_for("admin.notices"))
    return render_template("admin/notice_edit.html", form=form, notice=notice, preview=preview)


def _settings_form() -> SettingsForm:
    values = dict(get_settings())
    for key in ("logo_media_id", "favicon_media_id"):
        values[key] = str(values[key] or "")
    form = SettingsForm(data=values)
    form.logo_media_id.choices = form.favicon_media_id.choices = image_choices()
    form.timezone.choices = {name: name for name in TIMEZONES}
    return form


@bp.route("/settings", methods=["GET", "POST"])
@admin_only
def settings_edit():
    """Site and practitioner details, contact, social links, logo, favicon, time zone."""
    form = _settings_form()
    if form.validate_on_submit():
        try:
            changed = update_settings(form.settings_data(), actor=_actor())
        except ValidationError as exc:
            show_errors(form, exc.errors)
        else:
            log_activity("settings.update", ", ".join(sorted(changed))[:200])
            flash("The settings were saved.")
            return redirect(url_for("admin.settings_edit"))
    return render_template("admin/settings.html", form=form)


def _menu_choices() -> dict[str, str]:
    pages = Page.select(Page.id, Page.title).where(Page.deleted_at.is_null()).order_by(Page.title)
    return {
        "": "Choose…",
        **{key: MENU_LABELS[key] for key in MENU_TARGETS},
        **{f"page:{p.id}": f"Page: {p.title}" for p in pages},
        "url": "Another address",
    }


def _menu_form() -> MenuForm:
    rows = [
        {"label": item.label, "position": str(n + 1), "url": item.url,
         "target": f"page:{item.page_id}" if item.target == "page" else item.target}
        for n, item in enumerate(NavItem.menu())
    ]  # fmt: skip
    rows.append({"position": str(len(rows) + 1)})  # an empty row to add an item
    form = MenuForm(data={"items": rows})
    for entry in form.items:
        entry.form.target.choices = _menu_choices()
    return form


def _ordered_items(form: MenuForm) -> list[dict]:
    """Kept rows, sorted by their order number (rows without a number go last)."""
    kept = [e.form.data for e in form.items if not e.form.remove.data]
    kept = [row for row in kept if (row["label"] or "").strip() or row["target"]]

    def order(row: dict) -> int:
        position = str(row["position"] or "").strip()
        return int(position) if position.isdigit() and len(position) < 4 else 999

    return sorted(kept, key=order)


@bp.route("/menu", methods=["GET", "POST"])
@admin_only
def menu_edit():
    """Choose and order the header navigation."""
    form = _menu_form()
    if form.validate_on_submit():
        try:
            save_menu(_ordered_items(form), actor=_actor())
        except ValidationError as exc:
            flash(" ".join(exc.errors.values()), "error")
        else:
            log_activity("settings.menu", "header menu")
            flash("The menu was saved.")
            return redirect(url_for("admin.menu_edit"))
    return render_template("admin/menu.html", form=form)
