"""Model rows as JSON objects: dates in ISO 8601 with time zone, public URLs absolute."""

from datetime import UTC, date, datetime

from peewee import fn

from ..content.models import Category, Page, Post, PostCategory, PostTag, Tag
from ..content.records import Revision
from ..core.templating import site_url
from ..media.models import Media
from ..site.models import AVAILABILITY_STATES, Notice, get_settings

# Settings the public site itself shows; internal bookkeeping stays private.
PUBLIC_SETTINGS = (
    "site_title", "tagline", "practitioner_name", "credentials", "registration_college",
    "registration_number", "contact_email", "phone", "city", "social_links", "accent_color",
    "availability", "timezone", "posts_per_page",
)  # fmt: skip


def iso(value: datetime | date | None) -> str | None:
    """ISO 8601; stored times are UTC, so they carry +00:00."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).isoformat()
    return value.isoformat()


def category_slugs(posts) -> dict[int, list[str]]:
    """{post id: [category slugs]} for many posts in one query."""
    ids = [p.id for p in posts]
    found: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        rows = (
            PostCategory.select(PostCategory.post, Category.slug)
            .join(Category)
            .where(PostCategory.post.in_(ids))
            .order_by(Category.name)
            .tuples()
        )
        for post_id, slug in rows:
            found[post_id].append(slug)
    return found


def tag_names(posts) -> dict[int, list[str]]:
    """{post id: [tag names]} for many posts in one query."""
    ids = [p.id for p in posts]
    found: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        rows = (
            PostTag.select(PostTag.post, Tag.name)
            .join(Tag)
            .where(PostTag.post.in_(ids))
            .order_by(fn.LOWER(Tag.name), Tag.id)
            .tuples()
        )
        for post_id, name in rows:
            found[post_id].append(name)
    return found


def _media_url(media_id) -> str | None:
    return site_url(Media.url_of(media_id)) if media_id else None


def entry_json(entry, categories: list[str] | None = None, admin: bool = False, tags=None) -> dict:
    """A post or page. Admin answers add author, trash state and the draft's would-be URL."""
    data = {
        "id": entry.id,
        "title": entry.title,
        "slug": entry.slug,
        "body": entry.body,
        "body_html": entry.body_html,
        "excerpt": entry.excerpt,
        "meta_description": entry.meta_description,
        "status": entry.status,
        "published_at": iso(entry.published_at),
        "categories": categories if categories is not None else _slugs_of(entry),
        "tags": [],
        "seo_title": entry.seo_title,
        "social_image": entry.social_image_id,
        "social_image_url": _media_url(entry.social_image_id),
        "url": site_url(entry.url),
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
    }
    if isinstance(entry, Post):
        data["featured_image"] = entry.featured_image_id
        data["featured_image_url"] = _media_url(entry.featured_image_id)
        data["tags"] = tags if tags is not None else [t.name for t in entry.tag_list]
    else:
        data["is_policy"] = entry.is_policy
        data["effective_date"] = iso(entry.effective_date)
    if admin:
        data["scheduled"] = entry.is_scheduled
        data["trashed"] = entry.deleted_at is not None
        data["author"] = entry.author.name if entry.author_id and entry.author else None
    return data


def _slugs_of(entry) -> list[str]:
    return [c.slug for c in entry.category_list] if isinstance(entry, Post) else []


def entries_json(entries, admin: bool = False) -> list[dict]:
    """Many posts or pages, with their categories fetched in one query."""
    entries = list(entries)
    posts = [e for e in entries if isinstance(e, Post)]
    slugs, names = category_slugs(posts), tag_names(posts)
    return [entry_json(e, slugs.get(e.id, []), admin, names.get(e.id, [])) for e in entries]


def category_json(category: Category, count: int | None = None) -> dict:
    """A category with its public URL."""
    data = {
        "id": category.id,
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "parent": category.parent.slug if category.parent_id else None,
        "url": site_url(category.url),
    }
    if count is not None:
        data["post_count"] = count
    return data


def notice_json(notice: Notice, admin: bool = False) -> dict:
    """A notice; the link points at its page when it has one."""
    href = notice.href
    data = {
        "id": notice.id,
        "key": notice.key,
        "label": notice.label,
        "body": notice.body,
        "body_html": notice.body_html,
        "link_label": notice.link_label,
        "link_url": site_url(href) if href.startswith("/") else href,
        "placement": notice.placement,
        "availability_state": notice.availability_state,
        "starts_at": iso(notice.starts_at),
        "ends_at": iso(notice.ends_at),
        "updated_at": iso(notice.updated_at),
    }
    if admin:
        data["enabled"] = notice.enabled
        data["position"] = notice.position
        data["link_page"] = notice.link_page_id
    return data


def availability_json() -> dict:
    """The availability state and its label."""
    state = get_settings()["availability"]
    return {"state": state, "label": AVAILABILITY_STATES.get(state, state)}


def public_settings_json() -> dict:
    """The settings the public site shows, and nothing else."""
    values = get_settings()
    data = {key: values[key] for key in PUBLIC_SETTINGS}
    data["office_address"] = values["office_address"] if values["show_office_address"] else ""
    data["office_hours"] = values["office_hours"] if values["show_office_hours"] else ""
    for key in ("logo", "favicon"):
        media_id = values[f"{key}_media_id"]
        data[f"{key}_url"] = site_url(Media.url_of(media_id)) if media_id else None
    data["url"] = site_url("/")
    return data


def revision_json(revision: Revision, full: bool = False) -> dict:
    """A saved state of a post or page; the list leaves out the body."""
    data = {
        "id": revision.id,
        "title": revision.title,
        "slug": revision.slug,
        "status": revision.status,
        "published_at": iso(revision.published_at),
        "note": revision.note,
        "author": revision.user.name if revision.user_id and revision.user else None,
        "created_at": iso(revision.created_at),
    }
    if full:
        data["body"] = revision.body
        data["excerpt"] = revision.excerpt
        data["meta_description"] = revision.meta_description
    return data


def model_for(kind: str):
    """Post or Page for 'posts' or 'pages'."""
    return Post if kind == "posts" else Page
