"""Public tag pages: the posts with one tag, page by page, and a feed of them.

A tag only drafts, scheduled or trashed posts carry answers 404, as a category does: its
name says nothing until one of its posts is public.
"""

from flask import abort, render_template

from ..content.models import Post, Tag
from ..core.cache import reads_args
from ..site.models import get_settings
from .blueprint import bp
from .feeds import FEED_SIZE, FEED_TYPE, _atom, _xml
from .paging import WINDOW_ARGS, Window
from .views import _per_page


def public_tag(slug: str) -> Tag | None:
    """The tag with this slug if a visible post has it, else None."""
    tag = Tag.get_or_none(Tag.slug == slug)
    if tag is None or not Post.tagged(tag).exists():
        return None
    return tag


@bp.route("/tag/<slug>")
@reads_args(*WINDOW_ARGS)
def tag(slug):
    """Posts with one tag, newest first."""
    found = public_tag(slug) or abort(404)
    window = Window(_per_page(), listing=lambda until: Post.tagged(found, until))
    return render_template("public/tag.html", tag=found, window=window)


@bp.route("/tag/<slug>/feed.xml")
def tag_feed(slug):
    """An Atom feed of the posts with one tag."""
    found = public_tag(slug) or abort(404)
    posts = list(Post.tagged(found).limit(FEED_SIZE))
    title = f"{get_settings()['site_title']}: {found.name}"
    return _xml(_atom(posts, title, found.feed_url), FEED_TYPE)
