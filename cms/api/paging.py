"""The API's lists through the one paging codec (cms.core.paging): ?limit= and ?cursor=.

A cursor is the last row's sort key, the same text the public lists use; clients take it
from a `next` link. An empty one is the first page. Lists answer {"items": [...], "next":
URL or null}.
"""

from urllib.parse import urlencode

from flask import request

from ..content.paging import older
from ..core import paging
from ..core.templating import site_url

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
PAGING_ARGS = ("limit", "cursor")  # what a list reads (its views declare them for the cache)
BAD_CURSOR = "The cursor is not valid; use the `next` link of the previous page."


def limit_arg() -> int:
    """?limit=: 1 to 100, default 20."""
    message = f"limit must be a whole number from 1 to {MAX_LIMIT}."
    return paging.whole_number(request.args.get("limit"), DEFAULT_LIMIT, MAX_LIMIT, message)


def _cursor(shape: str) -> tuple | None:
    return paging.decode(request.args.get("cursor"), shape, BAD_CURSOR)


def by_date(listing, model, limit: int):
    """Visible rows of listing(until) (as Post.live), newest first, after ?cursor=;
    returns (rows, next_url)."""
    rows, more = older(listing, model, _cursor("dated"), limit)
    last = rows[-1] if more else None
    return rows, next_url(last and paging.encode(last.published_at, last.id))


def by_id(query, model, limit: int):
    """Newest created first (any status), continuing after ?cursor=; returns (rows, next_url)."""
    rows, cursor = paging.after_id(query, model, _cursor("id"), limit)
    return rows, next_url(cursor)


def next_url(cursor: str | None) -> str | None:
    """This list's URL continuing at the cursor, or None at the end."""
    if cursor is None:
        return None
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    args["cursor"] = cursor
    return site_url(request.path) + "?" + urlencode(args)
