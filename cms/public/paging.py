"""Paging of the public post lists: keyset windows (cost independent of depth), read
through the one codec in cms.core.paging (numbered pages, for search, are there too)."""

from flask import abort, request

from ..content.models import Post
from ..content.paging import newer, newer_summaries, older, older_summaries
from ..core import paging

BAD_LINK = "This link to a list of posts is not valid."
# The query arguments each kind of list reads (declared by its views with reads_args).
WINDOW_ARGS = ("before", "after", "page")
NUMBERED_ARGS = ("page",)


def cursor_of(post) -> str:
    """The keyset position of a post in newest-first order."""
    return paging.encode(post.published_at, post.id)


class Window:
    """A newest-first window of visible posts (of one category, if given), reached with
    ?before= or ?after= cursors.

    Keyset paging reads only the rows it shows, however deep the visitor goes,
    where OFFSET would read every row before them.
    """

    def __init__(self, per_page: int, category_ids: list[int] | None = None, listing=None):
        """Visible posts (in `category_ids` if given) as summaries, or the posts of
        `listing(until)`, a newest-first query such as Post.tagged."""
        if "page" in request.args:
            paging.page_number()  # a clear 400 for nonsense; numbers beyond 1 are not used here
        before = paging.decode(request.args.get("before"), "dated", BAD_LINK)
        after = paging.decode(request.args.get("after"), "dated", BAD_LINK)
        if before and after:
            abort(400, "Use either before or after, not both.")
        if after:
            self.items, self.has_newer = (
                newer(listing, Post, after, per_page)
                if listing
                else newer_summaries(category_ids, after, per_page)
            )
            self.has_older = True
        else:
            self.items, self.has_older = (
                older(listing, Post, before, per_page)
                if listing
                else older_summaries(category_ids, before, per_page)
            )
            self.has_newer = before is not None
        if not self.items and (before or after):
            abort(404, "There are no more posts in this direction.")
        self.first = before is None and after is None
        self.newer_cursor = cursor_of(self.items[0]) if self.items else None
        self.older_cursor = cursor_of(self.items[-1]) if self.items else None
