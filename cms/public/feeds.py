"""Machine-readable views: Atom feeds and the sitemap index with its parts.

Every value written into them passes through _text or _loc, so a stored value XML 1.0
cannot carry (a control character in a title stored before the text rule, a NUL in a
category name) is dropped instead of failing the whole feed.
"""

import re
from datetime import datetime

from flask import abort, make_response, url_for
from markupsafe import escape
from peewee import fn

from ..content.models import Category, Page, Post, Tag
from ..core import clock
from ..core.db import db
from ..core.templating import iso_datetime, site_url
from ..site.models import get_settings, public_category
from .blueprint import bp

FEED_SIZE = 20
# Browsers show application/atom+xml as raw text and apply no stylesheet; as XML they show
# the page static/feed-style.xml makes of it. Feed readers read the content either way.
FEED_TYPE = "application/xml"
SITEMAP_PART = 1000  # posts per part: a part's cost is proportional to its size
# What XML 1.0 cannot carry: controls other than tab and line breaks, surrogates, U+FFFE/F.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    """A stored value as text XML can carry."""
    return _NOT_XML.sub("", str(value or ""))


def _loc(path: str) -> str:
    """The absolute address of a path on this site (the models' URLs are percent-encoded:
    slugs come from the database, which may hold what a URL cannot)."""
    return _text(site_url(path))


def _atom(posts, title: str, path: str) -> str:
    from feedgen.feed import FeedGenerator  # lxml is heavy: load it in workers that need it

    settings = get_settings()
    feed = FeedGenerator()
    feed.id(_loc(path))
    feed.title(_text(title))
    feed.subtitle(_text(settings["tagline"] or title))
    feed.author({"name": _text(settings["practitioner_name"] or settings["site_title"])})
    feed.link(href=_loc(path), rel="self")
    feed.link(href=_loc("/"), rel="alternate")
    feed.language("en")
    updated = None
    for post in reversed(posts):  # feedgen prepends entries
        entry = feed.add_entry()
        entry.id(_loc(post.url))
        entry.title(_text(post.title))
        entry.link(href=_loc(post.url))
        entry.published(iso_datetime(post.published_at))
        entry.updated(iso_datetime(max(post.updated_at, post.published_at)))
        entry.summary(_text(post.excerpt))
        entry.content(_text(post.body_html), type="html")  # sanitized at save
        updated = max(updated or post.updated_at, post.updated_at)
    feed.updated(iso_datetime(updated) if updated else "2000-01-01T00:00:00+00:00")
    return _styled(feed.atom_str(pretty=True))


def _styled(atom: bytes) -> bytes:
    """The feed with its stylesheet named after the XML declaration: a browser that opens
    it shows a page saying what a feed is (static/feed-style.xml); feed readers ignore it."""
    style = url_for("static", filename="feed-style.xml").replace("&", "&amp;")
    pi = f'<?xml-stylesheet type="text/xsl" href="{style}"?>'.encode()
    end = atom.index(b"?>") + 2 if atom.startswith(b"<?xml") else 0  # after the declaration
    return atom[:end] + b"\n" + pi + atom[end:]


def _xml(body, mimetype="application/xml"):
    response = make_response(body)
    response.mimetype = mimetype
    return response


@bp.route("/feed.xml")
def feed():
    """The site's Atom feed of full posts."""
    posts = list(Post.live().limit(FEED_SIZE))
    return _xml(_atom(posts, get_settings()["site_title"], "/feed.xml"), FEED_TYPE)


@bp.route("/category/<slug>/feed.xml")
def category_feed(slug):
    """An Atom feed of one category (one without published posts has none)."""
    cat = public_category(slug) or abort(404)
    posts = list(Post.in_category(cat, below=True).limit(FEED_SIZE))
    title = f"{get_settings()['site_title']}: {cat.name}"
    return _xml(_atom(posts, title, cat.feed_url), FEED_TYPE)


def _post_parts() -> int:
    # Parts are fixed id ranges: MAX(id) is one index lookup, and a part's content does
    # not shift when posts are added (a count or OFFSET would do both).
    highest = Post.select(fn.MAX(Post.id)).scalar() or 0
    return max(1, -(-highest // SITEMAP_PART))


@bp.route("/sitemap.xml")
def sitemap_index():
    """A sitemap index: one part for pages and categories, then parts of posts."""
    # Plain strings, like the parts: the index has a line per SITEMAP_PART posts.
    names = ["pages", *(f"posts-{n}" for n in range(1, _post_parts() + 1))]
    base = escape(_text(site_url("/").rstrip("/")))
    return _xml(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"\n  <sitemap><loc>{base}/sitemap-{name}.xml</loc></sitemap>" for name in names)
        + "\n</sitemapindex>"
    )


@bp.route("/sitemap-pages.xml")
def sitemap_pages():
    """Home, pages, categories and tags."""
    urls = [("/", None), ("/blog/", None), ("/archive", None), ("/contact", None)]
    urls += [(p.url, p.updated_at) for p in Page.live()]
    urls += [(c.url, None) for c in Category.with_counts()]
    urls += [(t.url, None) for t in Tag.with_counts()]
    return _sitemap(urls)


@bp.route("/sitemap-posts-<int:part>.xml")
def sitemap_posts(part):
    """One part of the posts: those whose id falls in the part's range."""
    if not 1 <= part <= _post_parts():
        abort(404)
    low, high = (part - 1) * SITEMAP_PART, part * SITEMAP_PART
    # Plain SQL and plain strings: a part holds up to SITEMAP_PART posts, and making a
    # model and a template loop step of each cost ~15 times more than reading the row.
    rows = db.execute_sql(
        "SELECT slug, updated_at FROM post WHERE status = 'published' AND deleted_at IS NULL"
        " AND published_at <= ? AND id > ? AND id <= ? ORDER BY id",
        (clock.utcnow(), low, high),
    )
    return _sitemap((Post.url_of(slug), datetime.fromisoformat(updated)) for slug, updated in rows)


def _sitemap(urls):
    """A sitemap part of (path, last change) pairs."""
    base = site_url("/").rstrip("/")  # paths are absolute and percent-encoded (url_of)
    entries = []
    for path, updated in urls:
        lastmod = f"<lastmod>{iso_datetime(updated)}</lastmod>" if updated else ""
        entries.append(f"\n  <url><loc>{escape(_text(base + path))}</loc>{lastmod}</url>")
    return _xml(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(entries)
        + "\n</urlset>"
    )
