"""The public search page: ranked results, numbered pages (cms.content.search does the
searching)."""

from dataclasses import dataclass

from flask import abort, render_template, request

from ..content import search as fts
from ..core.cache import reads_args
from ..core.db import db
from ..core.paging import page_number
from .blueprint import bp
from .paging import NUMBERED_ARGS

PER_PAGE = 10


@bp.app_context_processor
def _search_limit() -> dict:
    """Every search box (the header's, the search page's, the 404 page's) takes its
    maxlength from the one limit."""
    return {"max_query": fts.MAX_QUERY}


@dataclass
class Numbered:
    """Where a numbered page of results sits."""

    number: int
    has_prev: bool
    has_next: bool
    windowed: int = 0  # when there were more matches: how many of the newest were ranked


@bp.route("/search")
@reads_args("q", *NUMBERED_ARGS)
def search():
    """Ranked full-text search over published posts and pages."""
    q = request.args.get("q", "").strip()
    if len(q) > fts.MAX_QUERY:
        abort(400, f"Please shorten your search to {fts.MAX_QUERY} characters.")
    results, pagination = [], None
    expression = fts.match_expression(q)
    if expression:
        # One read transaction (deferred: it takes no write lock), so every query sees the
        # same snapshot: a post edited or trashed meanwhile is found whole or not at all.
        with db.atomic("DEFERRED"):
            results, pagination = _search(expression, q)
    return render_template("public/search.html", q=q, results=results, pagination=pagination)


def _search(expression: str, q: str) -> tuple[list[dict], Numbered]:
    number = page_number()
    found, window = fts.ranked(expression, number * PER_PAGE + 1)
    if not found:  # perhaps part of a word: try the words as prefixes
        expression = fts.match_expression(q, prefix=True)
        found, window = fts.ranked(expression, number * PER_PAGE + 1)
    shown = found[(number - 1) * PER_PAGE : number * PER_PAGE]
    if not shown and number > 1:
        abort(404, "There are no more results.")
    more = len(found) > number * PER_PAGE
    ranked_only = window if more and fts.windowed(expression, window) else 0
    return fts.results_for(expression, shown), Numbered(number, number > 1, more, ranked_only)
