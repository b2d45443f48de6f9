"""Validated changes to settings, notices and the header menu (editor and Admin API)."""

import re
from datetime import datetime
from zoneinfo import available_timezones

from . import clock
from .accounts import EMAIL
from .content import render_markdown
from .db import db
from .models import Media, Page
from .sanitize import is_safe_link, url_scheme
from .services import ValidationError
from .site import AVAILABILITY_STATES, DEFAULT_SETTINGS, NavItem, Notice, save_settings

# Settings people edit; demo_content is bookkeeping of the demo loader.
EDITABLE_SETTINGS = tuple(key for key in DEFAULT_SETTINGS if key != "demo_content")
TEXT_LIMITS = {
    "site_title": 100, "tagline": 200, "practitioner_name": 120, "credentials": 200,
    "registration_college": 200, "registration_number": 60, "phone": 40, "city": 120,
    "office_address": 300, "office_hours": 200,
}  # fmt: skip
PHONE = re.compile(r"^[0-9 +().-]*$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_NOTICE = 2000
ALWAYS_SHOWN = "The crisis notice is always shown, so it has no time window; leave this empty."
MENU_TARGETS = {"home": "/", "blog": "/blog/", "contact": "/contact"}


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
    value = " ".join(str(value or "").split()) if key != "office_address" else str(value or "")
    if key == "site_title" and not value.strip():
        errors[key] = "The site needs a title."
    elif len(value) > TEXT_LIMITS[key]:
        errors[key] = f"Keep this under {TEXT_LIMITS[key]} characters."
    return value.strip()


def _check_social(links, errors: dict) -> list[dict]:
    clean = []
    for link in links or []:
        label, url = (link.get("label") or "").strip(), (link.get("url") or "").strip()
        if not label and not url:
            continue
        if not label or len(label) > 60:
            errors["social_links"] = "Each social link needs a name of up to 60 characters."
        elif url_scheme(url) not in ("http", "https") or len(url) > 500:
            errors["social_links"] = f"“{label}”: use a full web address starting with https://."
        clean.append({"label": label, "url": url})
    return clean


def _check_media(key: str, value, errors: dict):
    if value in (None, "", 0):
        return None
    if not str(value).isdigit() or not Media.select().where(Media.id == int(value)).exists():
        errors[key] = "Choose an image from the media library."
        return None
    return int(value)


def validate_settings(data: dict) -> dict:
    """Clean the given settings; raise ValidationError naming every bad field."""
    errors, clean = {}, {}
    unknown = set(data) - set(EDITABLE_SETTINGS)
    if unknown:
        errors["settings"] = f"Unknown settings: {', '.join(sorted(unknown))}."
    for key, value in data.items():
        if key in unknown:
            continue
        if key in TEXT_LIMITS:
            clean[key] = _check_text(key, value, errors)
        elif isinstance(DEFAULT_SETTINGS[key], bool):
            clean[key] = bool(value)
        elif key == "contact_email":
            clean[key] = (value or "").strip().lower()
            if clean[key] and not EMAIL.match(clean[key]):
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


def update_settings(data: dict) -> dict:
    """Validate and store settings; return what was stored."""
    clean = validate_settings(data)
    save_settings(clean)
    return clean


def save_notice(notice: Notice, data: dict) -> Notice:
    """Change a notice's text, link and time window (times are naive UTC)."""
    errors = {}
    body = str(data.get("body", notice.body) or "").strip()
    if not body:
        errors["body"] = "A notice needs some text."
    elif len(body) > MAX_NOTICE or "\x00" in body:
        errors["body"] = f"Keep the notice under {MAX_NOTICE} characters."
    link_label = " ".join(str(data.get("link_label", notice.link_label) or "").split())
    link_url = str(data.get("link_url", notice.link_url) or "").strip()
    page_id = data.get("link_page", notice.link_page_id)
    if len(link_label) > 80:
        errors["link_label"] = "Keep the link text under 80 characters."
    if link_url and (not is_safe_link(link_url) or url_scheme(link_url) == "network-path"):
        errors["link_url"] = "Use a web address (https://…), a path such as /contact, or mailto:."
    elif len(link_url) > 500:
        errors["link_url"] = "Keep the address under 500 characters."
    if page_id and not Page.select().where(Page.id == page_id).exists():
        errors["link_page"] = "No such page."
    # The crisis notice keeps no time window (one stored by an older version is dropped).
    stored = (None, None) if notice.always_shown else (notice.starts_at, notice.ends_at)
    starts, ends = data.get("starts_at", stored[0]), data.get("ends_at", stored[1])
    for key, value in (("starts_at", starts), ("ends_at", ends)):
        if value is not None and notice.always_shown:
            errors[key] = ALWAYS_SHOWN
        elif value is not None and not isinstance(value, datetime):
            errors[key] = "Use a date and time such as 2026-05-01T09:00."
    if isinstance(ends, datetime) and "ends_at" not in errors:
        if isinstance(starts, datetime) and ends <= starts:
            errors["ends_at"] = "The end must come after the start."
        elif ends <= clock.utcnow() and ends != notice.ends_at:
            errors["ends_at"] = "This time has already passed."
    if errors:
        raise ValidationError(errors)
    body_html = render_markdown(body)
    with db.atomic():
        notice.body, notice.body_html, notice.link_label = body, body_html, link_label
        notice.link_url, notice.link_page = link_url, page_id or None
        notice.starts_at, notice.ends_at, notice.updated_at = starts, ends, clock.utcnow()
        notice.save()
    return notice


def save_switches(availability: str, shown_ids) -> None:
    """Set the availability state and which notices are switched on.

    Any availability notice among `shown_ids` switches them all on (they take turns by
    state); the crisis notice stays on whatever is asked.
    """
    if availability not in AVAILABILITY_STATES:
        raise ValidationError({"availability": "Choose one of the availability states."})
    shown = {int(i) for i in shown_ids or [] if str(i).isdigit()}
    with db.atomic():
        save_settings({"availability": availability})
        notices = list(Notice.select())
        availability_shown = any(n.id in shown for n in notices if n.availability_state)
        for notice in notices:
            if notice.always_shown:
                enabled = True
            elif notice.availability_state:
                enabled = availability_shown
            else:
                enabled = notice.id in shown
            if notice.enabled != enabled:
                notice.enabled = enabled
                notice.save()


def _menu_row(item: dict, position: int, errors: dict) -> dict:
    label = " ".join(str(item.get("label") or "").split())
    target = item.get("target") or ""
    row = {"label": label, "target": target, "page": None, "url": "", "position": position}
    if not label or len(label) > 60:
        errors[f"items-{position}"] = "Each menu item needs a label of up to 60 characters."
    if target.startswith("page:") and target[5:].isdigit():
        row.update(target="page", page=Page.get_or_none(Page.id == int(target[5:])))
        if row["page"] is None:
            errors[f"items-{position}"] = "That page no longer exists."
    elif target == "url":
        row["url"] = str(item.get("url") or "").strip()
        if not row["url"] or not is_safe_link(row["url"]) or len(row["url"]) > 500:
            errors[f"items-{position}"] = f"“{label}”: use a web address or a path."
    elif target not in MENU_TARGETS:
        errors[f"items-{position}"] = f"“{label}”: choose where the item leads."
    return row


def save_menu(items: list[dict]) -> None:
    """Replace the header menu with `items` (label, target, url), in the given order."""
    if len(items) > 12:
        raise ValidationError({"items": "Keep the menu to 12 items or fewer."})
    errors = {}
    rows = [_menu_row(item, position, errors) for position, item in enumerate(items)]
    if errors:
        raise ValidationError(errors)
    with db.atomic():
        NavItem.delete().execute()
        for row in rows:
            NavItem.create(**row)
