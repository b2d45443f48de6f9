"""The Content API: published content only, cacheable, CORS for configured origins."""

import hashlib

from flask import current_app, jsonify, request

from ..content import search
from ..content.models import Category, Page, Post
from ..core import cache
from ..site.models import Notice, public_category
from .blueprint import bp
from .errors import ApiProblem
from .paging import PAGING_ARGS, by_date, limit_arg
from .serializers import (
    availability_json,
    category_json,
    entries_json,
    entry_json,
    notice_json,
    public_settings_json,
)

CORS_METHODS = "GET, HEAD, OPTIONS"


def public_json(data):
    """A JSON answer with an ETag (304 when unchanged)."""
    response = jsonify(data)
    response.set_etag(hashlib.blake2b(response.get_data(), digest_size=12).hexdigest())
    return response.make_conditional(request)


def _is_content_api() -> bool:
    return not request.path.startswith("/api/v1/admin/")


@bp.after_request
def _store_and_mark_public(response):
    """Keep fresh answers in the page cache (it answers Content API reads as it answers
    pages); cms.core.cache_control lets browsers and proxies keep them briefly."""
    if not _is_content_api():
        return response
    return cache.store(response)


@bp.after_request
def _cors(response):
    """Let the configured origins (and only those) read the Content API from a browser."""
    origin = request.headers.get("Origin")
    if not _is_content_api():
        return response
    response.vary.add("Origin")
    if origin and origin in current_app.config["API_CORS_ORIGINS"]:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.get("/posts")
@cache.reads_args("category", "q", *PAGING_ARGS)
def posts():
    """Published posts, newest first; ?category=slug, ?q=words, ?limit=, ?cursor=."""
    slug = request.args.get("category")
    category = None
    if slug is not None:
        category = public_category(slug)  # one with only drafts is unknown here
        if category is None:
            raise ApiProblem(404, "There is no category with this slug.")
    q = request.args.get("q", "").strip()
    if len(q) > search.MAX_QUERY:
        raise ApiProblem(400, f"Keep the search under {search.MAX_QUERY} characters.")
    found = search.matching(Post, q)

    def listing(until):
        query = Post.in_category(category, until) if category else Post.live(until)
        return query if found is None else query.where(Post.id.in_(found))

    items, next_url = by_date(listing, Post, limit_arg())
    return public_json({"items": entries_json(items), "next": next_url})


@bp.get("/posts/<slug>")
def post(slug):
    """One published post."""
    found = Post.public_by_slug(slug)
    if found is None:
        raise ApiProblem(404, "There is no published post with this slug.")
    return public_json(entry_json(found))


@bp.get("/pages")
@cache.reads_args(*PAGING_ARGS)
def pages():
    """Published pages, newest first; ?limit=, ?cursor=."""
    items, next_url = by_date(Page.live, Page, limit_arg())
    return public_json({"items": entries_json(items), "next": next_url})


@bp.get("/pages/<slug>")
def page(slug):
    """One published page."""
    found = Page.public_by_slug(slug)
    if found is None:
        raise ApiProblem(404, "There is no published page with this slug.")
    return public_json(entry_json(found))


@bp.get("/categories")
def categories():
    """Categories that have published posts in them or below them, with their counts."""
    rows = Category.with_counts()
    items = [category_json(c, c.post_count) for c in rows]
    return public_json({"items": items, "next": None})


@bp.get("/notices")
def notices():
    """The notices showing now, and the availability state they follow."""
    items = [notice_json(n) for n in Notice.active()]
    return public_json({"items": items, "next": None, "availability": availability_json()})


@bp.get("/settings")
def settings():
    """The public site settings (title, practitioner, public contact details, ...)."""
    return public_json(public_settings_json())
