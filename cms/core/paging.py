"""Paging for every list (public pages, the Content and Admin APIs, the editor): one codec.

A keyset cursor names the last row a page showed by its sort key: (published_at, id) for
lists in publication order, (id,) for lists in creation order. It travels as the same
text at every door, "20260501090000-12" or "12", and CURSORS is its exact shape (the
OpenAPI document publishes it): every cursor of that shape is read as a position.
Reading continues strictly past it, so a page deep in 10,000 rows costs what the first
page costs, where OFFSET would read every row before it. Numbered pages remain where rank
decides the order (search) or a total is shown (the editor's lists).

A bad cursor, page number or page size is a 400 with a message at every door (HTML for
people, problem+json for the API); an empty one means the first page, as if absent.
"""

import re
from datetime import datetime, timedelta

from flask import abort, request
from peewee import Tuple
from werkzeug.exceptions import BadRequest

MAX_PAGE = 1000
MAX_KEY = 10**16  # above every id a cursor can hold
MOMENT = "%Y%m%d%H%M%S"
_STAMP = "([1-9][0-9]{3})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])([01][0-9]|2[0-3])([0-5][0-9])"
CURSORS = {
    "dated": f"^({_STAMP}([0-5][0-9])-([0-9]{{1,16}}))?$",
    "id": "^([0-9]{1,16})?$",
}
_SHAPES = {shape: re.compile(pattern) for shape, pattern in CURSORS.items()}


class BadPaging(BadRequest):
    """A cursor, page number or page size that cannot be used (400)."""


def encode(*parts) -> str:
    """A cursor's text from a sort key: datetimes to the second, ids as digits."""
    return "-".join(f"{p:{MOMENT}}" if isinstance(p, datetime) else str(p) for p in parts)


def decode(text: str | None, shape: str, message: str) -> tuple | None:
    """The sort key of a cursor of `shape` ("dated" or "id"); None for none or an empty one."""
    if not text:
        return None
    match = _SHAPES[shape].match(text) if text.isascii() else None
    if match is None:
        raise BadPaging(message)
    if shape == "id":
        return (int(match.group(1)),)
    year, month, day, hour, minute, second, key = map(int, match.groups()[1:])
    # A day past the month's end (the 30th of February) counts on into the next month:
    # no cursor handed out names one, and any position is as good as a made-up one.
    moment = datetime(year, month, 1, hour, minute, second) + timedelta(days=day - 1)
    return moment, key


def whole_number(raw: str | None, default: int, high: int, message: str) -> int:
    """A parameter that is a whole number from 1 to `high` (`default` when absent)."""
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= high:
        raise BadPaging(message)
    return int(raw)


def page_number() -> int:
    """?page=: a whole number from 1 to MAX_PAGE, default 1."""
    message = f"The page number must be a whole number from 1 to {MAX_PAGE}."
    return whole_number(request.args.get("page"), 1, MAX_PAGE, message)


class Pagination:
    """One numbered page of a query (search results, the activity log), one row read ahead."""

    def __init__(self, query, per_page: int):
        self.number = page_number()
        rows = list(query.paginate(self.number, per_page + 1))
        if not rows and self.number > 1:
            abort(404, "There are no more results.")
        self.has_prev, self.has_next = self.number > 1, len(rows) > per_page
        self.items = rows[:per_page]


def after_id(query, model, key: tuple | None, size: int) -> tuple[list, str | None]:
    """Newest created first, past the cursor key; the rows and the next cursor (or None)."""
    if key is not None:
        query = query.where(model.id < key[0])
    rows = list(query.order_by(model.id.desc()).limit(size + 1))
    return rows[:size], encode(rows[size - 1].id) if len(rows) > size else None


def dated_key(model):
    """The (published_at, id) row value, which SQLite seeks in the publication index."""
    return Tuple(model.published_at, model.id)
