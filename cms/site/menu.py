"""The header menu: its version and its one write."""

from ..audit import record, writes
from ..content.links import is_safe_link
from ..content.models import Page
from ..core.db import db
from ..core.validation import MAX_URL, ValidationError, check_version, single_line, version_token
from .models import NavItem

MENU_TARGETS = {"home": "/", "blog": "/blog/", "contact": "/contact"}
MAX_LABEL = 60
MAX_ITEMS = 12


def menu_version() -> str:
    """The version of the header menu."""
    return version_token(*[(i.label, i.target, i.page_id, i.url) for i in NavItem.menu()])


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
    elif not label or len(label) > MAX_LABEL:
        errors[f"items-{position}"] = (
            f"Each menu item needs a label of up to {MAX_LABEL} characters."
        )
    if target.startswith("page:") and target[5:].isdigit():
        row.update(target="page", page=Page.get_or_none(Page.id == int(target[5:])))
        if row["page"] is None:
            errors[f"items-{position}"] = "That page no longer exists."
    elif target == "url":
        row["url"] = single_line(item.get("url"), "url", problems, limit=MAX_URL)
        if not row["url"] or problems or not is_safe_link(row["url"]):
            errors[f"items-{position}"] = f"“{label}”: use a web address or a path."
    elif target not in MENU_TARGETS:
        errors[f"items-{position}"] = f"“{label}”: choose where the item leads."
    return row


@writes("menu.update", admin=True, what="change the header menu")
def save_menu(items: list[dict], *, actor, expected_version=None, positions=None) -> None:
    """Replace the header menu with `items` (label, target, url), in the given order.

    expected_version (a menu_version) refuses the change with StaleError if the menu was
    saved since. positions (an import's own order numbers, in the same order) replace
    0, 1, 2, ...
    """
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": f"Keep the menu to {MAX_ITEMS} items or fewer."})
    errors = {}
    rows = [_menu_row(item, position, errors) for position, item in enumerate(items)]
    if errors:
        raise ValidationError(errors)
    for row, position in zip(rows, positions or (), strict=False):
        row["position"] = position
    with db.atomic():
        check_version(expected_version, menu_version(), None)
        NavItem.delete().execute()
        for row in rows:
            NavItem.create(**row)
        record("menu.update", "header menu", actor)
