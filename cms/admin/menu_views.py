"""The header menu screen: choose and order the navigation.

The screen carries the menu's version: a save over someone else's is refused and shown
again with both menus side by side, keeping what was typed.
"""

from flask import flash, redirect, render_template, request, url_for

from ..accounts.guard import admin_only
from ..content.models import Page
from ..content.revisions import compare
from ..core.validation import StaleError, ValidationError
from ..site.menu import MENU_TARGETS, menu_version, save_menu
from ..site.models import NavItem
from .blueprint import bp
from .content_forms import MenuForm, expected_version
from .site_admin import actor, editing

MENU_LABELS = {"home": "Home page", "blog": "Blog", "contact": "Contact page"}


def _menu_choices() -> dict[str, str]:
    pages = Page.current().select(Page.id, Page.title).order_by(Page.title)
    return {
        "": "Choose…",
        **{key: MENU_LABELS[key] for key in MENU_TARGETS},
        **{f"page:{p.id}": f"Page: {p.title}" for p in pages},
        "url": "Another address",
    }


def _menu_rows() -> list[dict]:
    return [
        {"label": item.label, "url": item.url,
         "target": f"page:{item.page_id}" if item.target == "page" else item.target}
        for item in NavItem.menu()
    ]  # fmt: skip


def _menu_form() -> MenuForm:
    rows = [dict(row, position=str(n + 1)) for n, row in enumerate(_menu_rows())]
    rows.append({"position": str(len(rows) + 1)})  # an empty row to add an item
    form = MenuForm(data={"items": rows, "version": menu_version()})
    for entry in form.items:
        entry.form.target.choices = _menu_choices()
    return form


def _ordered_items(form: MenuForm) -> list[dict]:
    """Kept rows in their order (rows without a number go last), with the one whose Up or
    Down button was pressed moved."""
    kept = [e.form.data for e in form.items if not e.form.remove.data]
    kept = [row for row in kept if (row["label"] or "").strip() or row["target"]]

    def order(row: dict) -> int:
        position = str(row["position"] or "").strip()
        return int(position) if position.isdigit() and len(position) < 4 else 999

    return _moved(sorted(kept, key=order), request.form.get("move", ""))


def _moved(rows: list[dict], move: str) -> list[dict]:
    """The rows with one moved a place up or down ("3:up": the row shown third)."""
    number, _, direction = move.partition(":")
    at = next((n for n, row in enumerate(rows) if str(row["position"]) == number), None)
    to = None if at is None else at - 1 if direction == "up" else at + 1
    if to is not None and 0 <= to < len(rows) and direction in ("up", "down"):
        rows[at], rows[to] = rows[to], rows[at]
    return rows


def _moved_message(items: list[dict]) -> str:
    number, _, direction = request.form.get("move", "").partition(":")
    for n, row in enumerate(items, 1):
        if str(row["position"]) == number and direction in ("up", "down"):
            return f"“{row['label'] or 'The item'}” is now number {n} in the menu. "
    return ""


def _menu_text(rows: list[dict]) -> str:
    """A menu as lines a person reads ("1. About — Page: About") to compare two of them."""
    choices = _menu_choices()
    return "\n".join(
        f"{n}. {row['label']} — {choices.get(row['target'], '')} {row['url'] or ''}".rstrip()
        for n, row in enumerate(rows, 1)
    )


@bp.route("/menu", methods=["GET", "POST"])
@admin_only
def menu_edit():
    """Choose and order the header navigation."""
    form, conflict = _menu_form(), None
    if form.validate_on_submit():
        items = _ordered_items(form)
        try:
            save_menu(items, actor=actor(), expected_version=expected_version(form))
        except StaleError as exc:
            theirs, yours = _menu_text(_menu_rows()), _menu_text(items)
            conflict = {**compare({"body": theirs}, {"body": yours}, ()), "action": "save",
                        "version": exc.version, "who": "Someone else", "when": None}  # fmt: skip
        except ValidationError as exc:
            flash(" ".join(exc.errors.values()), "error")
        else:
            flash(_moved_message(items) + "The menu was saved.")
            return redirect(url_for("admin.menu_edit"))
    page = render_template("admin/menu.html", form=form, conflict=conflict, editing=editing("menu"))
    return page, 409 if conflict else 200
