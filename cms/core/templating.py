"""Jinja filters and the values every template can use."""

from datetime import UTC, date, datetime
from urllib.parse import urlencode, urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, request

from ..content.links import is_safe_link
from ..site.chrome import chrome
from ..site.models import DEFAULT_SETTINGS, get_settings
from .cache import declared_args, memo


def site_url(path: str = "/") -> str:
    """Absolute URL of a path on this site (canonical links, feeds, sitemap)."""
    base = current_app.config["SITE_URL"] or request.host_url
    return urljoin(base.rstrip("/") + "/", path.lstrip("/"))


def canonical_url() -> str:
    """This page's canonical address: the path, plus the query arguments its view reads
    (cms.core.cache.reads_args) only; others, such as tracking tags, are left out."""
    kept = [(name, request.args[name]) for name in declared_args() if name in request.args]
    return site_url(request.path + ("?" + urlencode(kept) if kept else ""))


def site_zone() -> ZoneInfo:
    """The practice's time zone (for showing dates)."""
    try:
        return ZoneInfo(get_settings()["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(value: datetime | None) -> datetime | None:
    """A stored (naive UTC) time in the practice's time zone."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(site_zone())


def format_date(value) -> str:
    """'25 November 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_time(value)
    return f"{value.day} {value:%B %Y}"


def iso_datetime(value: datetime | date | None) -> str:
    """ISO 8601 with time zone (UTC) for machine-readable dates."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).isoformat()
    return value.isoformat()


def safe_url(value: str) -> str:
    """The URL if its scheme is harmless (http, https, mailto, tel, relative), else '#'."""
    return value if value and is_safe_link(value) else "#"


def practice_jsonld() -> dict:
    """schema.org description of the practice with its public contact details (made once
    per content version and site address)."""
    return memo(f"practice_jsonld:{site_url('/')}", _practice_jsonld)


def _practice_jsonld() -> dict:
    s = get_settings()
    data = {
        "@context": "https://schema.org",
        "@type": "Psychotherapist",
        "name": s["site_title"],
        "description": s["tagline"],
        "url": site_url("/"),
        "email": s["contact_email"] or None,
        "telephone": s["phone"] or None,
        "employee": {
            "@type": "Person",
            "name": s["practitioner_name"],
            "jobTitle": s["credentials"],
        }
        if s["practitioner_name"]
        else None,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": s["office_address"] if s["show_office_address"] else None,
            "addressLocality": s["city"],
        }
        if s["city"]
        else None,
        "sameAs": [link["url"] for link in s["social_links"] if is_safe_link(link["url"])] or None,
    }
    return {k: v for k, v in data.items() if v}


def post_jsonld(post) -> dict:
    """schema.org BlogPosting for one post."""
    s = get_settings()
    author = post.author.name if post.author_id and post.author else s["practitioner_name"]
    return {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.meta_description or post.excerpt,
        "datePublished": iso_datetime(post.published_at),
        "dateModified": iso_datetime(post.updated_at),
        "url": site_url(post.url),
        "author": {"@type": "Person", "name": author or s["site_title"]},
        "publisher": {"@type": "Organization", "name": s["site_title"]},
    }


def _globals() -> dict:
    if request.environ.get("cms.database_failed"):
        return {
            "settings": DEFAULT_SETTINGS,
            "nav_items": [],
            "banner_notices": [],
            "availability_notices": [],
            "policy_pages": [],
        }
    return chrome()


def init_app(app) -> None:
    """Register filters and the site context processor."""
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["isodate"] = iso_datetime
    app.jinja_env.filters["local"] = local_time
    app.jinja_env.filters["safe_url"] = safe_url
    from ..media.models import srcset

    app.jinja_env.globals.update(
        site_url=site_url,
        canonical_url=canonical_url,
        practice_jsonld=practice_jsonld,
        post_jsonld=post_jsonld,
        image_srcset=srcset,
    )
    app.context_processor(_globals)
