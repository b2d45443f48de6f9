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
from .models import Post


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


# The public lists (home, blog, a category, the archive) show summaries only: the same
# windows as older() and newer() over Post.live / Post.in_category, written as SQL once
# (building them with peewee cost more than running them) and without the bodies.
SUMMARIES = (
    "SELECT id, title, slug, excerpt, published_at FROM post"
    " WHERE status = 'published' AND deleted_at IS NULL AND published_at <= ?{where}"
    " ORDER BY published_at {order}, id {order} LIMIT ?"
)
IN_CATEGORY = (
    " AND EXISTS (SELECT 1 FROM post_category pc WHERE pc.post_id = post.id"
    " AND pc.category_id IN ({marks}))"
)


def _summaries(where: str, order: str, params: list, category_ids, size: int):
    """category_ids: a category and those below it (Category.family_ids), or None."""
    if category_ids is not None:
        where += IN_CATEGORY.format(marks=", ".join("?" * len(category_ids)))
        params.extend(category_ids)
    sql = SUMMARIES.format(where=where, order=order)
    return list(Post.raw(sql, *params, size + 1))


def older_summaries(category_ids: list[int] | None, before: tuple | None, size: int):
    """Like older(), for visible posts (of one category, if given) as summaries."""
    now = clock.utcnow()
    if before is None:
        rows = _summaries("", "DESC", [now], category_ids, size)
    else:
        key = min(before, (now, MAX_KEY))
        rows = _summaries(" AND (published_at, id) < (?, ?)", "DESC",
                          [min(before[0], now), *key], category_ids, size)  # fmt: skip
    return rows[:size], len(rows) > size


def newer_summaries(category_ids: list[int] | None, after: tuple, size: int):
    """Like newer(), for visible posts (of one category, if given) as summaries."""
    params = [clock.utcnow(), *after]
    rows = _summaries(" AND (published_at, id) > (?, ?)", "ASC", params, category_ids, size)
    return list(reversed(rows[:size])), len(rows) > size
