"""Keyset pagination: a page deep in 10,000 posts costs what the first page costs.

Cursors are opaque to clients (base64url of the last row's sort key); lists answer
{"items": [...], "next": URL or null}.
"""

import base64
import binascii
import re
from datetime import datetime
from urllib.parse import urlencode

from flask import request
from peewee import Tuple

from ..core import clock
from ..core.templating import site_url
from .errors import ApiProblem

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_DATE_KEY = re.compile(r"^(\d{14})\.(\d{1,16})$")
_ID_KEY = re.compile(r"^(\d{1,16})$")
MAX_KEY = 10**16  # above every id a cursor can hold
PAGING_ARGS = ("limit", "cursor")  # what a list reads (its views declare them for the cache)


def limit_arg() -> int:
    """?limit=: 1 to 100, default 20."""
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiProblem(400, f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def _decode(raw: str) -> str:
    try:
        return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return ""


def _encode(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _bad_cursor():
    return ApiProblem(400, "The cursor is not valid; use the `next` link of the previous page.")


def published_rows(model):
    """Published, untrashed rows without the time bound: by_date adds it, keyset-friendly."""
    return model.current().where(model.status == "published")


def by_date(query, model, limit: int):
    """Visible rows of `published_rows()`, newest first, after ?cursor=; (rows, next_url).

    Only one upper bound on published_at reaches SQLite: "now" on the first page, the
    cursor (never later than now) after it. With both, SQLite starts its index walk at
    "now" and steps over every newer row, so deep pages would cost more.
    """
    now, raw = clock.utcnow(), request.args.get("cursor")
    if raw is None:
        query = query.where(model.published_at <= now)
    else:
        match = _DATE_KEY.match(_decode(raw)) if raw.isascii() else None
        try:
            moment = datetime.strptime(match.group(1), "%Y%m%d%H%M%S") if match else None
        except ValueError:
            moment = None
        if moment is None:
            raise _bad_cursor()
        key = (moment, int(match.group(2))) if moment <= now else (now, MAX_KEY)
        query = query.where(Tuple(model.published_at, model.id) < Tuple(*key))
    rows = list(query.order_by(model.published_at.desc(), model.id.desc()).limit(limit + 1))
    last = rows[limit - 1] if len(rows) > limit else None
    cursor = last and _encode(f"{last.published_at:%Y%m%d%H%M%S}.{last.id}")
    return rows[:limit], next_url(cursor)


def by_id(query, model, limit: int):
    """Newest created first (any status), continuing after ?cursor=; returns (rows, next_url)."""
    raw = request.args.get("cursor")
    if raw is not None:
        match = _ID_KEY.match(_decode(raw)) if raw.isascii() else None
        if match is None:
            raise _bad_cursor()
        query = query.where(model.id < int(match.group(1)))
    rows = list(query.order_by(model.id.desc()).limit(limit + 1))
    cursor = _encode(str(rows[limit - 1].id)) if len(rows) > limit else None
    return rows[:limit], next_url(cursor)


def next_url(cursor: str | None) -> str | None:
    """This list's URL continuing at the cursor, or None at the end."""
    if cursor is None:
        return None
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    args["cursor"] = cursor
    return site_url(request.path) + "?" + urlencode(args)
