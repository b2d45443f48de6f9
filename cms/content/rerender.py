"""Stored HTML made again under today's rules: HTML is rendered once at save, so when the
sanitizer's rules tighten, what older versions stored must be cleaned again once."""

import logging

from ..core.db import db
from ..site.models import Notice
from ..site.notice_html import render_notice
from .models import Page, Post
from .render import as_plain_paragraphs, render_markdown
from .sanitize import TooComplex

# Bump when render_markdown/clean_html start refusing something they let through before.
# 1: images only from /media/ (no /admin/... or other same-site addresses a preview would
#    make the editor's browser fetch).
# 2: footnotes, definition lists, figures and video link cards (a text that already used
#    their syntax shows them).
# 3: phone numbers in notices are tel: (and sms:) links.
HTML_RULES = 3

log = logging.getLogger(__name__)


def rules_applied() -> int:
    """The rules version the stored HTML was made under (SQLite's user_version)."""
    return db.execute_sql("PRAGMA user_version").fetchone()[0]


def mark_current() -> None:
    """Record that every stored HTML fragment follows today's rules (a new database)."""
    db.execute_sql(f"PRAGMA user_version = {int(HTML_RULES)}")


def rerender_stored_html() -> int:
    """Render posts, pages and notices again if their HTML predates today's rules; return
    how many changed. Run at start, under the bootstrap lock, after migrating."""
    if rules_applied() >= HTML_RULES:
        return 0
    changed = 0
    for model in (Post, Page, Notice):
        rows = model.select(model.id, model.body, model.body_html).tuples()
        for row_id, body, old_html in rows.iterator():
            try:
                render = render_notice if model is Notice else render_markdown
                new_html = render(body or "")
            except TooComplex:  # saved before rendering was bounded
                new_html = as_plain_paragraphs(body)
            if new_html != old_html:
                with db.atomic():
                    model.update(body_html=new_html).where(model.id == row_id).execute()
                changed += 1
    mark_current()
    if changed:
        log.warning("Stored HTML made again under today's rules: %d entries changed.", changed)
    return changed
