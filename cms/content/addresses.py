"""Old addresses answered with their new one: a 301 only to what is live now.

The error handler (cms.core.errors) asks moved() for every GET that found nothing; the
WordPress importer's old query addresses use moved_to().
"""

from urllib.parse import urlsplit

from flask import current_app, redirect, request
from werkzeug.exceptions import HTTPException

from ..media.service import is_public
from ..site.models import public_category
from .models import Page, Post, Tag
from .records import Redirect


def _is_live(path: str) -> bool:
    """True when a path of this site shows something to visitors now: never a draft, a
    scheduled or trashed entry, a category without published posts or a private image."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return False
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:  # no such route, or one that redirects elsewhere
        return False
    if endpoint == "public.post_detail":
        return Post.public_by_slug(args["slug"]) is not None
    if endpoint in ("public.page_detail", "public.policy_history", "public.policy_history_version"):
        return Page.public_by_slug(args["slug"]) is not None
    if endpoint in ("public.category", "public.category_feed"):
        return public_category(args["slug"]) is not None
    if endpoint in ("public.tag", "public.tag_feed"):
        tag = Tag.get_or_none(Tag.slug == args["slug"])
        return tag is not None and Post.tagged(tag).exists()  # a draft's tag stays unseen
    if endpoint in ("public.media", "public.media_variant"):
        return is_public(args["media_id"])
    return endpoint.startswith("public.")


def moved_to(new_path: str):
    """A 301 to an old address's new one, checked now: only to live content, so a renamed
    post that became a draft again does not tell its new address (None otherwise)."""
    if not _is_live(new_path):
        return None
    response = redirect(new_path, code=301)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def moved():
    """A 301 to the new address if this path was renamed (slug change or import), or to
    the same path without its trailing slash (WordPress's /about/ is /about here)."""
    path = request.path.rstrip("/") or "/"
    target = Redirect.get_or_none(Redirect.old_path.in_([path, request.path]))
    if target is not None:
        return moved_to(target.new_path)
    # Only a path that stays a path: "//evil.example/" must not become "//evil.example".
    if path != request.path and not path.startswith(("//", "/\\")):
        return moved_to(path)
    return None


def init_app(app) -> None:
    """Let the 404 handler look up old addresses."""
    app.extensions["cms.moved"] = moved
