"""The header menu of a WordPress import: the site's main menu, one level deep, leading
only to what is public here.

WordPress exports its menus (nav_menu terms and their nav_menu_item posts) but not which
one the theme shows in its header, so the one with the most items is taken, a menu named
like a header menu ("Primary", "Main menu", ...) winning a tie. The menu here replaces the
site's menu only while that is still the one a new site starts with (or with
replace=True): a menu someone arranged here is left as it is and the imported one reported.
"""

from datetime import datetime
from urllib.parse import urlsplit

from ...accounts.actors import SYSTEM
from ...content.links import is_safe_link
from ...content.models import Page, Post, Tag
from ...content.records import Redirect
from ...content.slugs import make_slug
from ...core.validation import MAX_URL, ValidationError
from ...site.defaults import default_menu_rows
from ...site.menu import MAX_ITEMS, MAX_LABEL, MENU_TARGETS, menu_version, save_menu
from ...site.models import NavItem, public_category
from ..bootstrap import DEFAULT_MENU
from ..imports import Summary, recorded
from .privacy import public_status
from .wxr import Export, Item, old_address

HEADER_NAMES = {"primary", "primary-menu", "header", "header-menu", "main", "main-menu",
                "menu-1", "top"}  # fmt: skip
FIXED = {path: target for target, path in MENU_TARGETS.items()}  # "/blog/" -> "blog"


def current_menu() -> list[tuple[str, str, str]]:
    """The header menu here as (label, target, url) rows, pages as "page:<id>"."""
    return [
        (i.label, f"page:{i.page_id}" if i.target == "page" else i.target, i.url)
        for i in NavItem.menu()
    ]


def is_default_menu() -> bool:
    """True while the header menu is empty or still the one a new site is given."""
    shown = [(i.label, i.target, i.page_id, i.url) for i in NavItem.menu()]
    default = [
        (label, target, page.id if page else None, "")
        for label, target, page in default_menu_rows(DEFAULT_MENU)
    ]
    return not shown or shown == default


class Menus:
    """One run's header menu: chosen, mapped item by item, and saved (or only reported)."""

    def __init__(self, export: Export, source: str, summary: Summary, now: datetime):
        self.export, self.source, self.summary, self.now = export, source, summary, now
        self.by_id = {i.wp_id: i for i in export.items}
        self.base = export.base_url
        # Read before the import adds pages: was the menu here still the starting one?
        self.was_default, self.version = is_default_menu(), menu_version()

    def _menus(self) -> dict[str, list[Item]]:
        members: dict[str, list[Item]] = {}
        for item in self.export.items:
            if item.type != "nav_menu_item":
                continue
            if item.status != "publish":  # an unsaved change in WordPress's menu screen
                why = f"a menu entry not saved in WordPress (status {item.status!r})"
                self.summary.skipped.append((self._label(item), why))
                continue
            menu = next((s for d, s, _ in item.categories if d == "nav_menu"), "")
            members.setdefault(menu, []).append(item)
        return members

    def _name(self, slug: str) -> str:
        return self.export.menus.get(slug) or slug

    def choose(self) -> tuple[str, list[Item]] | None:
        """The menu taken for the header (its slug and items in order); the rest skipped."""
        members = self._menus()
        for item in members.pop("", []):
            self.summary.skipped.append((self._label(item), "a menu entry of no menu"))
        if not members:
            return None
        header = max(members, key=lambda s: (len(members[s]), make_slug(s) in HEADER_NAMES))
        for slug, items in members.items():
            for item in items if slug != header else ():
                why = f"in the WordPress menu {self._name(slug)!r}, not the one taken"
                self.summary.skipped.append((self._label(item), why))
        if len(members) > 1:
            self.summary.notes.append(
                f"the export has {len(members)} menus and does not say which one the theme "
                f"showed; the largest, {self._name(header)!r}, became the header menu"
            )
        return header, sorted(members[header], key=lambda i: (i.menu_order, i.wp_id))

    @staticmethod
    def _label(item: Item) -> str:
        return f"menu item {item.wp_id}" + (f" {item.title!r}" if item.title else "")

    # One item ------------------------------------------------------------------------

    def _entry(self, item: Item, kind: str) -> tuple[dict | None, str, str]:
        """(row, default label, why not) for an item leading to a post or page."""
        meta = item.meta.get("_menu_item_object_id", "")
        target = self.by_id.get(int(meta) if meta.isdigit() else 0)
        if target is None or target.type != kind:
            return None, "", f"leads to a {kind} that is not in the export"
        status, held = public_status(target, self.now)
        if status != "published" or held:
            why = (held or f"status {target.status!r} in WordPress").split(";")[0]
            return None, "", f"leads to the {kind} {target.title!r}, not public ({why})"
        entry = recorded(self.source, str(target.wp_id), Page if kind == "page" else Post)
        if entry is None or not entry.is_visible:
            return None, "", f"leads to the {kind} {target.title!r}, which was not imported"
        if kind == "page":
            return {"target": f"page:{entry.id}", "url": ""}, entry.title, ""
        return {"target": "url", "url": entry.url}, entry.title, ""

    def _term(self, item: Item, kind: str) -> tuple[dict | None, str, str]:
        """(row, default label, why not) for an item leading to a category or tag."""
        term_id = item.meta.get("_menu_item_object_id", "")
        terms = self.export.categories if kind == "category" else self.export.tags
        term = next((t for t in terms if str(t["term_id"]) == term_id), None)
        if term is None:
            return None, "", f"leads to a {kind} that is not in the export"
        if kind == "category":
            found = public_category(make_slug(term["slug"] or term["name"]))
        else:  # a tag only private posts carry would tell of them: left out too
            found = Tag.get_or_none(Tag.slug == make_slug(term["name"]))
            found = found if found and Post.tagged(found).exists() else None
        if found is None:
            return None, "", f"leads to the {kind} {term['name']!r}, with no published post here"
        return {"target": "url", "url": found.url}, term["name"], ""

    def _custom(self, item: Item) -> tuple[dict | None, str, str]:
        """(row, default label, why not) for a link the menu's editor typed."""
        url = item.meta.get("_menu_item_url", "").strip()
        if not url or url.startswith("#"):
            return None, "", "has no address of its own (a heading for a submenu)"
        prefix = urlsplit(self.base).path.rstrip("/")
        if url == self.base or url.startswith((self.base + "/", prefix + "/")):
            old = old_address(url.removeprefix(self.base).split("#")[0] or "/")
            moved = Redirect.get_or_none(Redirect.old_path == old)
            url = moved.new_path if moved else (old.removeprefix(prefix) or "/")
        if url in FIXED or url.rstrip("/") + "/" == "/blog/":
            return {"target": FIXED.get(url, "blog"), "url": ""}, url, ""
        if not is_safe_link(url) or len(url) > MAX_URL:
            return None, "", f"its address {url[:80]!r} is not a web address or a path"
        return {"target": "url", "url": url}, url, ""

    def row(self, item: Item) -> tuple[dict | None, str]:
        """The item as a row for the menu here, or None and why it is left out."""
        kind, obj = item.meta.get("_menu_item_type"), item.meta.get("_menu_item_object")
        if kind == "post_type" and obj in ("page", "post"):
            row, default, why = self._entry(item, obj)
        elif kind == "taxonomy" and obj in ("category", "post_tag"):
            row, default, why = self._term(item, obj)
        elif kind == "custom":
            row, default, why = self._custom(item)
        elif kind == "post_type_archive" and obj == "post":
            row, default, why = {"target": "blog", "url": ""}, "Blog", ""
        else:
            return None, f"leads to a WordPress {kind} {obj!r}, which has no page here"
        if row is None:
            return None, why
        label = " ".join((item.title or default).split())
        if len(label) > MAX_LABEL:
            self.summary.notes.append(f"menu label {label!r} shortened to {MAX_LABEL} characters")
            label = label[: MAX_LABEL - 1].rstrip() + "\u2026"
        return {"label": label, **row}, ""

    # The menu ------------------------------------------------------------------------

    def plan(self, items: list[Item]) -> list[dict]:
        """The rows the menu here would get, in WordPress's order; the rest reported."""
        rows, labels, nested = [], {i.wp_id: i.title or f"item {i.wp_id}" for i in items}, []
        for item in items:
            row, why = self.row(item)
            if row is None:
                self.summary.skipped.append((self._label(item), why))
                continue
            labels[item.wp_id] = row["label"]  # parents come before their items
            parent = int(item.meta.get("_menu_item_menu_item_parent", "0") or 0)
            if parent:
                nested.append(f"{row['label']!r} (under {labels.get(parent, parent)!r})")
            rows.append(row)
        for row in rows[MAX_ITEMS:]:
            why = f"the menu here holds up to {MAX_ITEMS} items"
            self.summary.skipped.append((f"menu item {row['label']!r}", why))
        if nested:
            self.summary.notes.append(
                "the menu here has one level, so the items of WordPress's submenus follow "
                "their parent in order: " + ", ".join(nested)
            )
        return rows[:MAX_ITEMS]

    def run(self, replace: bool = False) -> None:
        """Choose, map and save the header menu, or say why it was left as it is."""
        chosen = self.choose()
        if chosen is None:
            return
        slug, items = chosen
        rows = self.plan(items)
        name, out = self._name(slug), self.summary.menu
        shown = [f"  {n}. {r['label']} -> {self._href(r)}" for n, r in enumerate(rows, 1)]
        if not rows:
            out.append(f"Header menu: nothing of the WordPress menu {name!r} can lead anywhere.")
        elif current_menu() == [(r["label"], r["target"], r["url"]) for r in rows]:
            out.append(f"Header menu: already the WordPress menu {name!r}; left as it is.")
        elif replace or self.was_default:
            try:
                save_menu(rows, actor=SYSTEM, expected_version=self.version)
            except ValidationError as exc:  # StaleError too: someone saved the menu meanwhile
                self.summary.skipped.append((f"WordPress menu {name!r}", str(exc)))
                return
            self.summary.imported["menu items"] += len(rows)
            out += [f"Header menu, from the WordPress menu {name!r}:", *shown]
        else:
            out += [
                f"Header menu: left as it is, because it was changed on this site. The "
                f"WordPress menu {name!r} would be (import again with --replace-menu):",
                *shown,
            ]

    @staticmethod
    def _href(row: dict) -> str:
        if row["target"].startswith("page:"):
            page = Page.get_or_none(Page.id == int(row["target"][5:]))
            return page.url if page else "?"
        return MENU_TARGETS.get(row["target"], row["url"])
