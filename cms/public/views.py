"""Public pages: home, posts, pages, categories, archive, search, media."""

import re

from flask import abort, make_response, render_template, url_for

from ..content.models import Category, Page, Post
from ..content.related import neighbours, recommended
from ..core.cache import reads_args
from ..core.templating import site_url
from ..site.models import active_notices, public_category, setting
from .blueprint import bp
from .paging import WINDOW_ARGS, Window


def _per_page() -> int:
    return max(1, min(50, int(setting("posts_per_page") or 10)))


@bp.route("/")
@reads_args(*WINDOW_ARGS)
def home():
    """Latest posts and the notices for the top of the home page."""
    window = Window(_per_page())
    return render_template("public/home.html", window=window, top_notices=active_notices("top"))


@bp.route("/blog/")
@reads_args(*WINDOW_ARGS)
def blog():
    """All posts, newest first."""
    window = Window(_per_page())
    return render_template("public/blog.html", window=window)


@bp.route("/blog/<slug>")
def post_detail(slug):
    """One post with its categories, disclaimer, recommendations and neighbours."""
    post = Post.public_by_slug(slug) or abort(404)
    older, newer = neighbours(post)
    categories = post.category_list
    return render_template(
        "public/post.html",
        post=post,
        older=older,
        newer=newer,
        categories=categories,
        recommended=recommended(post, category_ids=[c.id for c in categories]),
        post_notices=active_notices("post"),
    )


@bp.route("/<slug>")
def page_detail(slug):
    """A standing page; policies show their effective date.

    A page may have a template of its own, in templates/public/pages/ only: a slug never
    picks a template made for another view (such as home.html or post.html).
    """
    page = Page.public_by_slug(slug) or abort(404)
    return render_template([f"public/pages/{page.slug}.html", "public/page.html"], page=page)


@bp.route("/category/<slug>")
@reads_args(*WINDOW_ARGS)
def category(slug):
    """Posts in one category (one without published posts is not shown)."""
    cat = public_category(slug) or abort(404)
    window = Window(_per_page(), cat.family_ids())
    return render_template("public/category.html", category=cat, window=window)


@bp.route("/archive")
@reads_args(*WINDOW_ARGS)
def archive():
    """Every post, grouped by month."""
    window = Window(50)
    return render_template(
        "public/archive.html",
        window=window,
        categories=list(Category.with_counts()),
    )


@bp.route("/theme.css")
def theme_css():
    """The accent colour from the settings, as a stylesheet (no inline styles)."""
    color = setting("accent_color")
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color or ""):
        color = "#2f5d62"
    response = make_response(f":root {{ --accent: {color}; }}\n")
    response.mimetype = "text/css"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/robots.txt")
def robots():
    """Allow crawling of the public site; keep the editor out."""
    sitemap = site_url(url_for("public.sitemap_index"))
    body = f"User-agent: *\nDisallow: /admin/\nDisallow: /api/\n\nSitemap: {sitemap}\n"
    response = make_response(body)
    response.mimetype = "text/plain"
    return response
