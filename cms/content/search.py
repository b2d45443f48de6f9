"""Full-text search over published posts and pages (SQLite FTS5, ranked, highlighted): the
one search the public site and the Content API both use.

Ranking reads only row ids; highlights and snippets are made for the rows shown, not for
every match, and visibility is checked for the top rows only (the index holds published
and scheduled entries, so few are ever filtered out).

Relevance (bm25) is computed for the newest RANK_WINDOW matches only, so the cost of a
search does not grow with the size of the site: ranking every match of a common word
among 100,000 posts takes ~130 ms, the window ~4 ms. Words match whole (after stemming,
so "sessions" finds "session"); the public search tries them as prefixes only when that
finds nothing, the API always.
"""

import re

from markupsafe import Markup, escape

from ..core.db import db
from .models import Page, Post
from .search_index import SearchEntry
from .service import public_path

MAX_QUERY = 200
RANK_WINDOW = 500  # the newest matches that are ranked by relevance
# Control characters the indexer strips from text, so they can only mean "match".
MARK_ON, MARK_OFF = "\x02", "\x03"
# FTS5 walks a match's row ids newest first and stops at the window; bm25 runs inside it.
RANKED = (
    "SELECT rowid FROM (SELECT rowid, rank FROM search_entry WHERE search_entry MATCH ? "
    "ORDER BY rowid DESC LIMIT ?) ORDER BY rank LIMIT ?"
)
COUNTED = (
    "SELECT COUNT(*) FROM (SELECT rowid FROM search_entry WHERE search_entry MATCH ? "
    "ORDER BY rowid DESC LIMIT ?)"
)
SHOWN = (
    "SELECT rowid, kind, ref, highlight(search_entry, 0, ?, ?), "
    "snippet(search_entry, 1, ?, ?, '…', 24) FROM search_entry "
    "WHERE search_entry MATCH ? AND rowid IN ({})"
)


def match_expression(q: str, prefix: bool = False) -> str:
    """Turn free text into a safe FTS5 query: each word quoted (and prefix-matched)."""
    words = re.findall(r"\w+", q)[:12]
    star = "*" if prefix else ""
    return " ".join(f'"{w}"{star}' for w in words)


def _visible(rowids: list[int]) -> set[int]:
    keys = set()
    for model, odd in ((Post, 0), (Page, 1)):
        ids = [r // 2 for r in rowids if r % 2 == odd]
        if ids:
            found = model.select(model.id).where(model.visible_clause() & model.id.in_(ids))
            keys.update(row.id * 2 + odd for row in found)
    return keys


def ranked(expression: str, wanted: int) -> tuple[list[int], int]:
    """Row ids of the best `wanted` visible matches among the newest, best first; and how
    many of the newest matches were ranked (the window)."""
    limit = wanted + 20
    while True:
        window = max(RANK_WINDOW, limit)
        rows = [r for (r,) in db.execute_sql(RANKED, (expression, window, limit))]
        visible = _visible(rows)
        kept = [r for r in rows if r in visible]
        if len(kept) >= wanted or len(rows) < limit:
            return kept[:wanted], window
        limit *= 4


def windowed(expression: str, window: int) -> bool:
    """True when there are more matches than the ranking window held."""
    (count,) = db.execute_sql(COUNTED, (expression, window + 1)).fetchone()
    return count > window


def _marked(text: str) -> Markup:
    """Escape indexed text, then turn the match markers into <mark> elements."""
    escaped = str(escape(text or ""))
    return Markup(escaped.replace(MARK_ON, "<mark>").replace(MARK_OFF, "</mark>"))  # noqa: S704


def results_for(expression: str, rowids: list[int]) -> list[dict]:
    """Titles, highlighted snippets and addresses of the given entries, in order."""
    if not rowids:
        return []
    sql = SHOWN.format(", ".join("?" * len(rowids)))
    params = (MARK_ON, MARK_OFF, MARK_ON, MARK_OFF, expression, *rowids)
    rows = {r[0]: r for r in db.execute_sql(sql, params)}
    entries = {}
    for kind, model in (("post", Post), ("page", Page)):
        ids = [int(row[2]) for row in rows.values() if row[1] == kind]
        entries.update({(kind, e.id): e for e in model.select().where(model.id.in_(ids))})
    results = []
    for rowid in rowids:
        # search() reads in one snapshot, so nothing vanishes between these queries; an
        # index row whose entry is gone all the same (a stale index) is left out.
        row = rows.get(rowid)
        entry = row and entries.get((row[1], int(row[2])))
        if entry is None:
            continue
        _, kind, ref, title, snippet = row
        results.append(
            {
                "entry": entry,
                "url": public_path(kind, entry.slug),
                "title": _marked(title),
                "snippet": _marked(snippet),
            }
        )
    return results


def matching(model, q: str):
    """The ids of a model's visible-or-scheduled entries matching q's words as prefixes
    (a subquery), or None when q holds no words."""
    expression = match_expression(q, prefix=True)
    if not expression:
        return None
    kind = "post" if model is Post else "page"
    return SearchEntry.select(SearchEntry.ref).where(
        SearchEntry.match(expression) & (SearchEntry.kind == kind)
    )
