"""Paging: keyset windows for post lists (cost independent of depth), numbers for search."""

import re
from datetime import datetime

from flask import abort, request
from peewee import Tuple

from ..core import clock

MAX_PAGE = 1000
CURSOR = re.compile(r"^(\d{14})-(\d{1,12})$")
# The query arguments each kind of list reads (declared by its views with reads_args).
WINDOW_ARGS = ("before", "after", "page")
NUMBERED_ARGS = ("page",)


def page_number() -> int:
    """The ?page= parameter: a whole number from 1, else 400."""
    raw = request.args.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, f"The page number must be a whole number from 1 to {MAX_PAGE}.")
    return int(raw)


class Pagination:
    """One numbered page of a query (search results, where rank decides the order)."""

    def __init__(self, query, per_page: int):
        self.number = page_number()
        self.items = list(query.paginate(self.number, per_page + 1))
        if not self.items and self.number > 1:
            abort(404, "There are no more results.")
        self.has_prev, self.has_next = self.number > 1, len(self.items) > per_page
        self.items = self.items[:per_page]


def cursor_of(post) -> str:
    """The keyset position of a post in newest-first order."""
    return f"{post.published_at:%Y%m%d%H%M%S}-{post.id}"


def _parse_cursor(name: str):
    raw = request.args.get(name)
    if raw is None:
        return None
    match = CURSOR.match(raw)
    try:
        moment = datetime.strptime(match.group(1), "%Y%m%d%H%M%S") if match else None
    except ValueError:
        moment = None
    if moment is None:
        abort(400, "This link to a list of posts is not valid.")
    return moment, int(match.group(2))


class Window:
    """A newest-first window of posts, reached with ?before= or ?after= cursors.

    Keyset paging reads only the rows it shows, however deep the visitor goes,
    where OFFSET would read every row before them.
    """

    def __init__(self, listing, model, per_page: int):
        if "page" in request.args:
            page_number()  # a clear 400 for nonsense; numbers beyond 1 are not used here
        before, after = _parse_cursor("before"), _parse_cursor("after")
        if before and after:
            abort(400, "Use either before or after, not both.")
        key = Tuple(model.published_at, model.id)  # a row value: SQLite seeks the index
        now = clock.utcnow()
        if after:
            ascending = listing(None).where(key > Tuple(*after))
            rows = list(ascending.order_by(model.published_at, model.id).limit(per_page + 1))
            self.has_newer, self.has_older = len(rows) > per_page, True
            self.items = list(reversed(rows[:per_page]))
        else:
            # SQLite uses one upper bound of the index range: giving "now" and the cursor
            # as the same bound starts the walk at the cursor, whatever its depth.
            until = min(before[0], now) if before else None
            query = listing(until)
            if before:
                query = query.where(key < Tuple(*min(before, (now, 2**62))))
            rows = list(query.limit(per_page + 1))
            self.has_older, self.has_newer = len(rows) > per_page, before is not None
            self.items = rows[:per_page]
        if not self.items and (before or after):
            abort(404, "There are no more posts in this direction.")
        self.first = before is None and after is None
        self.newer_cursor = cursor_of(self.items[0]) if self.items else None
        self.older_cursor = cursor_of(self.items[-1]) if self.items else None
