"""Validated changes to settings, notices and the header menu (editor, Admin API, imports).

Each function is given the actor (an account, an API token or SYSTEM) and
checks the role itself, so every door keeps the editor's rules: settings, the switches,
availability, the menu and the crisis notice are the administrator's; editors change the
text and link of the other notices.
"""

import json
import re
from datetime import datetime
from zoneinfo import available_timezones

from ..accounts.actors import NotAllowed, actor_role, require_admin
from ..content.models import Page
from ..content.render import render_markdown
from ..content.sanitize import TooComplex, email_address, is_safe_link, url_scheme
from ..core import clock
from ..core.db import db
from ..core.security import row_id
from ..core.validation import (
    StaleError,
    TimeProblem,
    ValidationError,
    check_version,
    multi_line,
    parse_datetime,
    single_line,
    version_token,
)
from ..media.models import Media
from .models import (
    AVAILABILITY_STATES,
    DEFAULT_SETTINGS,
    NavItem,
    Notice,
    Setting,
    get_settings,
    save_settings,
)

# Settings people edit; demo_content is bookkeeping of the demo loader.
EDITABLE_SETTINGS = tuple(key for key in DEFAULT_SETTINGS if key != "demo_content")
TEXT_LIMITS = {
    "site_title": 100, "tagline": 200, "practitioner_name": 120, "credentials": 200,
    "registration_college": 200, "registration_number": 60, "phone": 40, "city": 120,
    "office_address": 300, "office_hours": 200,
}  # fmt: skip
# The type of each editable setting's value (forms send numbers and image ids as text).
SETTING_KINDS = {
    **{key: "text" for key in TEXT_LIMITS},
    **{key: "bool" for key, value in DEFAULT_SETTINGS.items() if isinstance(value, bool)},
    "contact_email": "text", "accent_color": "text", "timezone": "text",
    "availability": "text", "posts_per_page": "int", "social_links": "links",
    "logo_media_id": "id", "favicon_media_id": "id",
}  # fmt: skip
WRONG_TYPE = {
    "text": "This must be text.",
    "bool": "This must be true or false.",
    "int": "Choose a number from 1 to 50.",
    "id": "Choose an image from the media library.",
    "links": "Give the social links as a list of names and addresses.",
}
PHONE = re.compile(r"^[0-9 +().-]*$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_NOTICE = 2000
ALWAYS_SHOWN = "The crisis notice is always shown, so it has no time window; leave this empty."
MENU_TARGETS = {"home": "/", "blog": "/blog/", "contact": "/contact"}
NOTICE_VERSIONED = ("body", "link_label", "link_url", "link_page_id", "starts_at", "ends_at",
                    "updated_at")  # fmt: skip
# What save_notice writes: never the switch, which save_switches owns.
NOTICE_WRITES = (Notice.body, Notice.body_html, Notice.link_label, Notice.link_url,
                 Notice.link_page, Notice.starts_at, Notice.ends_at, Notice.updated_at)  # fmt: skip
BOTH_CHANGED = "Someone else changed this since you opened the page."


def stored_settings() -> dict:
    """Every setting as stored now (not the request's cached copy: for reading under the lock)."""
    values = dict(DEFAULT_SETTINGS)
    values.update((row.key, json.loads(row.value)) for row in Setting.select())
    return values


def settings_version(values: dict | None = None) -> str:
    """The version of the editable settings as a whole (the Admin API's ETag)."""
    values = stored_settings() if values is None else values
    return version_token({key: values[key] for key in EDITABLE_SETTINGS})


def setting_tokens(values: dict) -> dict[str, str]:
    """A fingerprint of each editable setting: what a form was loaded with."""
    return {key: version_token(values[key]) for key in EDITABLE_SETTINGS}


def _own_changes(clean: dict, current: dict, loaded: dict) -> dict:
    """The settings a form changed from what it loaded; StaleError if another change to the
    same setting came in between (to a different value)."""
    mine = {key: value for key, value in clean.items() if version_token(value) != loaded.get(key)}
    both = {
        key: BOTH_CHANGED
        for key, value in mine.items()
        if version_token(current[key]) != loaded.get(key) and current[key] != value
    }
    if both:
        raise StaleError(current, settings_version(current), both)
    return mine


def notice_version(notice: Notice, switch: bool = False) -> str:
    """The version of a notice's text, link and time window; with switch=True also of its
    on/off switch (the Admin API's ETag). The edit form leaves the switch alone."""
    state = [notice.id, *(getattr(notice, name) for name in NOTICE_VERSIONED)]
    return version_token(*state, notice.enabled) if switch else version_token(*state)


def switch_state() -> dict:
    """Availability and every notice's switch as stored now: what the switches screen shows."""
    enabled = {str(n.id): n.enabled for n in Notice.select(Notice.id, Notice.enabled)}
    return {"availability": stored_settings()["availability"], "enabled": enabled}


def menu_version() -> str:
    """The version of the header menu."""
    return version_token(*[(i.label, i.target, i.page_id, i.url) for i in NavItem.menu()])


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of a #rrggbb colour against white (links, banner text)."""
    return 1.05 / (_luminance(colour) + 0.05)


def _check_text(key: str, value, errors: dict) -> str:
    rule = multi_line if key == "office_address" else single_line
    required = "The site needs a title." if key == "site_title" else None
    return rule(value, key, errors, limit=TEXT_LIMITS[key], required=required)


def _typed(kind: str, value) -> bool:
    if kind == "text":
        return value is None or isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("int", "id"):
        empty = kind == "id" and value in (None, "")
        return empty or type(value) is int or (isinstance(value, str) and value.isdigit())
    return isinstance(value, list) and all(
        isinstance(link, dict) and all(isinstance(v, str | None) for v in link.values())
        for link in value
    )


def _check_social(links, errors: dict) -> list[dict]:
    clean = []
    for link in links or []:
        problems = {}
        label = single_line(link.get("label"), "label", problems, limit=60)
        url = single_line(link.get("url"), "url", problems, limit=500)
        if not (label or url or problems):
            continue
        if "label" in problems:
            errors["social_links"] = f"A social link's name: {problems['label']}"
        elif not label:
            errors["social_links"] = "Each social link needs a name of up to 60 characters."
        elif "url" in problems:
            errors["social_links"] = f"“{label}”: {problems['url']}"
        elif url_scheme(url) not in ("http", "https"):
            errors["social_links"] = f"“{label}”: use a full web address starting with https://."
        clean.append({"label": label, "url": url})
    return clean


def _check_media(key: str, value, errors: dict):
    if value in (None, "", 0):
        return None
    media_id = row_id(value)
    if media_id is None or not Media.select().where(Media.id == media_id).exists():
        errors[key] = "Choose an image from the media library."
        return None
    return media_id


def validate_settings(data: dict) -> dict:
    """Clean the given settings; raise ValidationError naming every bad field."""
    errors, clean = {}, {}
    unknown = set(data) - set(EDITABLE_SETTINGS)
    if unknown:
        errors["settings"] = f"Unknown settings: {', '.join(sorted(unknown))}."
    for key, value in data.items():
        if key in unknown:
            continue
        if not _typed(SETTING_KINDS[key], value):
            errors[key] = WRONG_TYPE[SETTING_KINDS[key]]
        elif key in TEXT_LIMITS:
            clean[key] = _check_text(key, value, errors)
        elif isinstance(DEFAULT_SETTINGS[key], bool):
            clean[key] = bool(value)
        elif key == "contact_email":
            clean[key] = (value or "").strip().lower()
            if clean[key]:
                try:  # the real validator: "a@b.org?bcc=..." would add a hidden Bcc to mailto
                    clean[key] = email_address(clean[key])
                except ValueError:
                    errors[key] = "Enter an e-mail address such as hello@example.org."
        elif key == "social_links":
            clean[key] = _check_social(value, errors)
        elif key in ("logo_media_id", "favicon_media_id"):
            clean[key] = _check_media(key, value, errors)
        elif key == "accent_color":
            clean[key] = (value or "").strip().lower()
            if not COLOUR.match(clean[key]):
                errors[key] = "Use a colour such as #2f5d62."
            elif contrast_with_white(clean[key]) < 4.5:
                errors[key] = "This colour is too light for text on white; choose a darker one."
        elif key == "timezone":
            clean[key] = (value or "").strip()
            if clean[key] not in available_timezones():
                errors[key] = "Use a time zone name such as America/Toronto."
        elif key == "posts_per_page":
            ok = str(value).isdigit() and 1 <= int(value) <= 50
            clean[key] = int(value) if ok else value
            if not ok:
                errors[key] = "Choose a number from 1 to 50."
        elif key == "availability":
            clean[key] = value
            if value not in AVAILABILITY_STATES:
                errors[key] = "Choose one of the availability states."
    if "phone" in clean and not PHONE.match(clean["phone"]):
        errors["phone"] = "Use digits, spaces and + ( ) - only."
    if errors:
        raise ValidationError(errors)
    return clean


def update_settings(data: dict, *, actor, expected_version=None, loaded=None) -> dict:
    """Validate and store settings (administrators only); return what was stored.

    expected_version (a settings_version) refuses the change with StaleError if any
    setting changed since; loaded (the setting_tokens a form started from) stores only the
    settings that differ from it, and refuses only those someone else changed meanwhile.
    """
    require_admin(actor, "change the site settings")
    clean = validate_settings(data)
    with db.atomic():
        current = stored_settings()
        check_version(expected_version, settings_version(current), current)
        if loaded is not None:
            clean = _own_changes(clean, current, loaded)
        save_settings(clean)
    return clean


def read_settings(*, actor) -> dict:
    """Every editable setting (administrators only: editors never open the settings)."""
    require_admin(actor, "read the site settings")
    values = get_settings()
    return {key: values[key] for key in EDITABLE_SETTINGS}


def check_notice_access(notice: Notice, actor) -> None:
    """Raise NotAllowed unless the actor may edit this notice (the crisis notice: admins)."""
    if notice.always_shown:
        require_admin(actor, "change the crisis notice")
    elif actor_role(actor) is None:
        raise NotAllowed("Only a signed-in account can change a notice.")


def _same_minute(value, stored):
    """A time given to the minute (as the form shows it) that matches the stored one keeps it."""
    whole = isinstance(value, datetime) and value.second == value.microsecond == 0
    if whole and isinstance(stored, datetime) and value == stored.replace(second=0, microsecond=0):
        return stored
    return value


def _notice_text(data: dict, field: str, notice: Notice, errors: dict, **rule) -> str:
    """A notice's text field under the text rule (what is kept from before is cleaned)."""
    check = multi_line if field == "body" else single_line
    return check(
        data.get(field, getattr(notice, field)), field, errors, refuse=field in data, **rule
    )


def _notice_time(data: dict, field: str, stored, errors: dict):
    """A time of the notice's window, naive UTC; one given to the minute keeps the stored
    seconds when it is the same minute."""
    try:
        value = parse_datetime(data.get(field, stored))
    except TimeProblem as problem:
        errors[field] = str(problem)
        return stored
    return _same_minute(value, stored)


def save_notice(
    notice: Notice, data: dict, *, actor, keep_past: bool = False, expected_version=None
) -> Notice:
    """Change a notice's text, link and time window (times are naive UTC).

    Editors change the text and link; the time window decides whether a notice shows, so
    like the switches it is the administrator's. keep_past (imports) accepts an end that
    has already passed. expected_version (a notice_version) refuses the change with
    StaleError if the notice was saved since.
    """
    check_notice_access(notice, actor)
    errors = {}
    body = _notice_text(
        data, "body", notice, errors, limit=MAX_NOTICE, required="A notice needs some text."
    )
    link_label = _notice_text(data, "link_label", notice, errors, limit=80)
    link_url = _notice_text(data, "link_url", notice, errors, limit=500)
    page_id = data.get("link_page", notice.link_page_id) or None
    unsafe = link_url and (not is_safe_link(link_url) or url_scheme(link_url) == "network-path")
    if unsafe and "link_url" not in errors:
        errors["link_url"] = "Use a web address (https://…), a path such as /contact, or mailto:."
    if page_id is not None and (
        type(page_id) is not int or not Page.select().where(Page.id == page_id).exists()
    ):
        errors["link_page"] = "No such page."
    # The crisis notice keeps no time window (one stored by an older version is dropped).
    stored = (None, None) if notice.always_shown else (notice.starts_at, notice.ends_at)
    starts = _notice_time(data, "starts_at", stored[0], errors)
    ends = _notice_time(data, "ends_at", stored[1], errors)
    if (starts, ends) != stored and actor_role(actor) != "admin":
        raise NotAllowed("Only an administrator can change when a notice shows.")
    for key, value in (("starts_at", starts), ("ends_at", ends)):
        if value is not None and notice.always_shown:
            errors[key] = ALWAYS_SHOWN
    if isinstance(ends, datetime) and "ends_at" not in errors:
        if isinstance(starts, datetime) and ends <= starts:
            errors["ends_at"] = "The end must come after the start."
        elif ends <= clock.utcnow() and ends != notice.ends_at and not keep_past:
            errors["ends_at"] = "This time has already passed."
    if errors:
        raise ValidationError(errors)
    try:
        body_html = render_markdown(body)
    except TooComplex as exc:
        raise ValidationError({"body": str(exc)}) from None
    with db.atomic():
        current = Notice.get_by_id(notice.id)
        check_version(expected_version, notice_version(current), current)
        if notice_version(current) != notice_version(notice):  # saved meanwhile, unchecked:
            return save_notice(current, data, actor=actor, keep_past=keep_past)  # apply to it
        notice.body, notice.body_html, notice.link_label = body, body_html, link_label
        notice.link_url, notice.link_page = link_url, page_id
        notice.starts_at, notice.ends_at, notice.updated_at = starts, ends, clock.utcnow()
        notice.save(only=NOTICE_WRITES)
    return notice


def save_switches(state: str, shown_ids, *, actor, loaded: dict | None = None) -> None:
    """Set the availability state and which notices are switched on (administrators only).

    Any availability notice among `shown_ids` switches them all on (they take turns by
    state); the crisis notice stays on whatever is asked. With loaded (the switch_state a
    screen started from) only what differs from it is switched, and StaleError names the
    switches someone else changed meanwhile.
    """
    require_admin(actor, "switch notices and availability")
    if not isinstance(state, str) or state not in AVAILABILITY_STATES:
        raise ValidationError({"availability": "Choose one of the availability states."})
    shown = {int(i) for i in shown_ids or [] if str(i).isdigit()}
    with db.atomic():
        notices = list(Notice.select())
        availability_shown = any(n.id in shown for n in notices if n.availability_state)
        wanted = {
            str(n.id): n.always_shown
            or (availability_shown if n.availability_state else n.id in shown)
            for n in notices
        }
        if loaded is None:
            wanted_state = state
        else:
            wanted_state, wanted = _own_switches(state, wanted, switch_state(), loaded)
        if wanted_state is not None:
            save_settings({"availability": wanted_state})
        for notice in notices:
            enabled = wanted.get(str(notice.id), notice.enabled)
            if notice.enabled != enabled:
                notice.enabled = enabled
                notice.save(only=[Notice.enabled])


def _own_switches(state: str, wanted: dict, current: dict, loaded: dict):
    """(state or None, {notice: on}) of what a screen changed from what it loaded (notices
    it did not show are left alone); StaleError if someone else changed the same switch
    meanwhile, to something else."""
    was = loaded.get("enabled") if isinstance(loaded.get("enabled"), dict) else {}
    mine = {key: on for key, on in wanted.items() if key in was and on != was[key]}
    both = {
        f"notice-{key}": BOTH_CHANGED
        for key, on in mine.items()
        if current["enabled"].get(key) not in (was.get(key), on)
    }
    own_state = state if state != loaded.get("availability") else None
    if own_state and current["availability"] not in (loaded.get("availability"), own_state):
        both["availability"] = BOTH_CHANGED
    if both:
        raise StaleError(current, version_token(current), both)
    return own_state, mine


def update_notice(notice: Notice, data: dict, *, actor, expected_version=None) -> Notice:
    """Change a notice and switch it on or off ("enabled"), all or nothing.

    expected_version (a notice_version with switch=True) refuses the change with
    StaleError if the notice changed since.
    """
    data = dict(data)
    enabled = data.pop("enabled", None)
    if enabled is not None:
        require_admin(actor, "switch notices on and off")
        if notice.availability_state:
            raise ValidationError(
                {"enabled": "Availability notices follow the availability setting; change that."}
            )
    with db.atomic():
        current = Notice.get_by_id(notice.id)
        check_version(expected_version, notice_version(current, switch=True), current)
        if data:
            notice = save_notice(notice, data, actor=actor)
        if enabled is not None:
            state = switch_state()  # the other switches as they are now, left as they are
            others = [int(key) for key, on in state["enabled"].items() if on]
            shown = [i for i in others if i != notice.id] + ([notice.id] if enabled else [])
            save_switches(state["availability"], shown, actor=actor, loaded=state)
    return notice


def _menu_row(item: dict, position: int, errors: dict) -> dict:
    if not isinstance(item, dict) or not all(
        isinstance(item.get(key) or "", str) for key in ("label", "target", "url")
    ):
        errors[f"items-{position}"] = "Each menu item needs a label, a target and an address."
        return {}
    problems = {}
    label = single_line(item.get("label"), "label", problems)
    target = item.get("target") or ""
    row = {"label": label, "target": target, "page": None, "url": "", "position": position}
    if problems:
        errors[f"items-{position}"] = f"Menu item {position + 1}: {problems['label']}"
    elif not label or len(label) > 60:
        errors[f"items-{position}"] = "Each menu item needs a label of up to 60 characters."
    if target.startswith("page:") and target[5:].isdigit():
        row.update(target="page", page=Page.get_or_none(Page.id == int(target[5:])))
        if row["page"] is None:
            errors[f"items-{position}"] = "That page no longer exists."
    elif target == "url":
        row["url"] = single_line(item.get("url"), "url", problems, limit=500)
        if not row["url"] or problems or not is_safe_link(row["url"]):
            errors[f"items-{position}"] = f"“{label}”: use a web address or a path."
    elif target not in MENU_TARGETS:
        errors[f"items-{position}"] = f"“{label}”: choose where the item leads."
    return row


def save_menu(items: list[dict], *, actor, expected_version=None) -> None:
    """Replace the header menu with `items` (label, target, url), in the given order.

    expected_version (a menu_version) refuses the change with StaleError if the menu was
    saved since.
    """
    require_admin(actor, "change the header menu")
    if len(items) > 12:
        raise ValidationError({"items": "Keep the menu to 12 items or fewer."})
    errors = {}
    rows = [_menu_row(item, position, errors) for position, item in enumerate(items)]
    if errors:
        raise ValidationError(errors)
    with db.atomic():
        check_version(expected_version, menu_version(), None)
        NavItem.delete().execute()
        for row in rows:
            NavItem.create(**row)
