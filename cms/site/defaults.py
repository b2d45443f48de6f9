"""What a new site starts with: the default notices and the default header menu."""

from ..audit import record, writes
from ..content.models import Page
from ..core.db import db
from .models import NavItem, Notice
from .notice_html import render_notice


def _page(slug: str | None) -> Page | None:
    return Page.get_or_none(Page.slug == slug) if slug else None


def _add_notices(specs: list[dict]) -> list[str]:
    """Create each notice not there yet (never overwriting edits); point default notices
    still without a link at their page once it exists."""
    done = []
    existing = {key for (key,) in Notice.select(Notice.key).tuples()}
    unlinked = Notice.link_page.is_null() & (Notice.link_url == "")
    for spec in specs:
        spec = dict(spec)
        page = _page(spec.pop("link_page_slug", None))
        if spec["key"] not in existing:
            Notice.create(link_page=page, body_html=render_notice(spec["body"]), **spec)
            done.append(f"notice {spec['key']}")
        elif page and (
            Notice.update(link_page=page).where((Notice.key == spec["key"]) & unlinked).execute()
        ):
            done.append(f"link of notice {spec['key']}")
    return done


def default_menu_rows(entries) -> list[tuple[str, str, Page | None]]:
    """The default menu's (label, target, page) rows, those for missing pages left out."""
    rows = [(label, target, _page(slug)) for label, target, slug in entries]
    return [(label, target, page) for label, target, page in rows if target != "page" or page]


def _add_menu(entries) -> list[str]:
    """The default header menu when there is none."""
    if NavItem.select().exists():
        return []
    for position, (label, target, page) in enumerate(default_menu_rows(entries)):
        NavItem.create(label=label, target=target, page=page, position=position)
    return ["header menu"]


@writes("site.defaults", admin=True, what="add the site's defaults")
def install_defaults(notices: list[dict], menu=None, *, actor) -> list[str]:
    """Add the default notices (specs as in cms.ops.bootstrap.DEFAULT_NOTICES) and, given
    `menu` ((label, target, page slug) rows), the default menu; return what was added."""
    with db.atomic():
        done = _add_notices(notices) + (_add_menu(menu) if menu else [])
        if done:
            record("site.defaults", ", ".join(done)[:255], actor)
    return done
