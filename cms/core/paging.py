"""Paging for every list (public pages, the Content and Admin APIs, the editor): one codec.

A keyset cursor names the last row a page showed by its sort key: (published_at, id) for
lists in publication order, (id,) for lists in creation order. It travels as text such as
"20260501090000-12" or "12"; the API wraps it in base64url so clients treat it as opaque.
Reading continues strictly past it, so a page deep in 10,000 rows costs what the first
page costs, where OFFSET would read every row before it. Numbered pages remain where rank
decides the order (search) or a total is shown (the editor's lists).

A bad cursor, page number or page size is a 400 with a message at every door (HTML for
people, problem+json for the API); an empty one means the first page, as if absent.
"""

import base64
import binascii
import re
from datetime import datetime

from flask import abort, request
from peewee import Tuple
from werkzeug.exceptions import BadRequest

MAX_PAGE = 1000
MAX_KEY = 10**16  # above every id a cursor can hold
# "." separated the parts in the API's cursors before this codec; they still read.
_KEYS = {
    "dated": re.compile(r"^([0-9]{14})[-.]([0-9]{1,16})$"),
    "id": re.compile(r"^([0-9]{1,16})$"),
}
MOMENT = "%Y%m%d%H%M%S"


class BadPaging(BadRequest):
    """A cursor, page number or page size that cannot be used (400)."""


def encode(*parts) -> str:
    """A cursor's text from a sort key: datetimes to the second, ids as digits."""
    return "-".join(f"{p:{MOMENT}}" if isinstance(p, datetime) else str(p) for p in parts)


def decode(text: str | None, shape: str, message: str) -> tuple | None:
    """The sort key of a cursor of `shape` ("dated" or "id"); None for none or an empty one."""
    if not text:
        return None
    match = _KEYS[shape].match(text) if text.isascii() else None
    if match is None:
        raise BadPaging(message)
    if shape == "id":
        return (int(match.group(1)),)
    try:
        moment = datetime.strptime(match.group(1), MOMENT)
    except ValueError:
        raise BadPaging(message) from None
    return moment, int(match.group(2))


def opaque(text: str | None) -> str | None:
    """A cursor as the API hands it out (base64url, unpadded)."""
    return text and base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def from_opaque(raw: str | None, message: str) -> str | None:
    """The cursor text inside an API cursor."""
    if not raw:
        return None
    try:
        padded = (raw + "=" * (-len(raw) % 4)).encode()
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, ValueError):  # ValueError: not ASCII
        raise BadPaging(message) from None


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
