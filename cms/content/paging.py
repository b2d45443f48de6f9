"""Published posts and pages newest first, a window at a time: the public lists and the
Content API walk them the same way (the cursor codec is cms.core.paging).

Only one upper bound on published_at reaches SQLite: "now" on the first page, the cursor
(never later than now) after it. With both, SQLite starts its index walk at "now" and
steps over every newer row, so deep pages would cost more. A cursor from the future
reveals nothing scheduled: it is read as "now".
"""

from peewee import Tuple

from ..core import clock
from ..core.paging import MAX_KEY, dated_key


def older(listing, model, before: tuple | None, size: int) -> tuple[list, bool]:
    """Up to `size` rows of listing(until) past the `before` key; and whether more follow.

    `listing(until)` is a newest-first query of visible rows published by `until` (None:
    now), such as Post.live.
    """
    now = clock.utcnow()
    query = listing(min(before[0], now) if before else None)
    if before:
        query = query.where(dated_key(model) < Tuple(*min(before, (now, MAX_KEY))))
    rows = list(query.limit(size + 1))
    return rows[:size], len(rows) > size


def newer(listing, model, after: tuple, size: int) -> tuple[list, bool]:
    """Up to `size` rows just newer than the `after` key, newest first; and whether more
    newer ones follow."""
    ascending = listing(None).where(dated_key(model) > Tuple(*after))
    rows = list(ascending.order_by(model.published_at, model.id).limit(size + 1))
    return list(reversed(rows[:size])), len(rows) > size
