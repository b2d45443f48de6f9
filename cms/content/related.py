"""What a post page shows beside the post: recommended posts and its neighbours in time."""

from ..core import clock
from .models import Post, PostCategory


def recommended(post, limit: int = 3, candidates: int = 100, category_ids=None):
    """Other visible posts: those sharing most categories first, then the newest.

    Ranks the newest `candidates` posts that share a category (one query, ranked by
    SQLite), so the cost stays the same however many posts the site has; the newest
    posts fill up when too few share one.
    """
    mine = category_ids
    if mine is None:
        mine = [pc.category_id for pc in PostCategory.select().where(PostCategory.post == post)]
    ranked = []
    if mine:
        marks = ", ".join("?" * len(mine))
        ranked = list(
            Post.raw(
                f"""SELECT id, title, slug, published_at FROM (
                  SELECT p.id, p.title, p.slug, p.published_at,
                    (SELECT COUNT(*) FROM post_category pc WHERE pc.post_id = p.id
                      AND pc.category_id IN ({marks})) AS shared
                  FROM post p
                  WHERE p.status = 'published' AND p.deleted_at IS NULL
                    AND p.published_at <= ? AND p.id != ?
                    AND EXISTS (SELECT 1 FROM post_category pc WHERE pc.post_id = p.id
                      AND pc.category_id IN ({marks}))
                  ORDER BY p.published_at DESC, p.id DESC LIMIT ?)
                ORDER BY shared DESC, published_at DESC, id DESC LIMIT ?""",  # noqa: S608
                *mine,
                clock.utcnow(),
                post.id,
                *mine,
                candidates,
                limit,
            )
        )
    if len(ranked) < limit:
        taken = [post.id, *(p.id for p in ranked)]
        ranked += list(Post.links().where(Post.id.not_in(taken)).limit(limit - len(ranked)))
    return ranked


def neighbours(post):
    """(previous, next) visible posts in publication order."""
    # Plain SQL: built once, not per request. The older side needs no "now" bound
    # (this post is visible), so SQLite seeks straight to this post in the index.
    visible = "status = 'published' AND deleted_at IS NULL"
    older = Post.raw(
        f"SELECT id, title, slug, published_at FROM post WHERE {visible}"  # noqa: S608
        " AND (published_at, id) < (?, ?) ORDER BY published_at DESC, id DESC LIMIT 1",
        post.published_at,
        post.id,
    )
    newer = Post.raw(
        f"SELECT id, title, slug, published_at FROM post WHERE {visible}"  # noqa: S608
        " AND (published_at, id) > (?, ?) AND published_at <= ?"
        " ORDER BY published_at, id LIMIT 1",
        post.published_at,
        post.id,
        clock.utcnow(),
    )
    return next(iter(older), None), next(iter(newer), None)
