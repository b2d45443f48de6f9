"""What every saved state of a post or page meets, whichever door it came by: the text
rule and limits of each field, the slug's shape, publish times and policy fields."""

from datetime import date

from ..core import clock
from ..core.validation import (
    ConflictError,
    TimeProblem,
    ValidationError,
    multi_line,
    parse_date,
    parse_datetime,
    single_line,
)
from .fields import MAX_BODY, MAX_EXCERPT, MAX_META, MAX_TITLE, RESERVED_PAGE_SLUGS, SLUG_TAKEN
from .models import STATUSES, Page, Post
from .seo import media_reference, seo_fields
from .slugs import check_slug_shape, make_slug, slug_taken


def check_texts(data: dict, entry, errors: dict, clean: dict) -> None:
    """Title, body, excerpt, meta description and status: the rules every saved state keeps.

    A value sent is refused if it breaks the text rule; one kept from what is stored (not
    sent now) has what the rule refuses removed, so an old value cannot block a change.
    """
    texts = (
        ("title", single_line, {"limit": MAX_TITLE, "required": "A title is required."}),
        ("body", multi_line, {"limit": MAX_BODY, "strip": False}),
        ("excerpt", multi_line, {"limit": MAX_EXCERPT}),
        ("meta_description", multi_line, {"limit": MAX_META}),
    )
    for field, rule, options in texts:
        value = data.get(field, getattr(entry, field, None) if entry else None)
        clean[field] = rule(value, field, errors, refuse=field in data, **options)
    sent = data.get("excerpt", entry.excerpt if entry else None)
    if entry is not None and not entry.excerpt_typed and sent == entry.excerpt:
        clean["excerpt"] = ""  # the excerpt made from the text (sent back as read): made again
    status = data.get("status", entry.status if entry else "draft")
    if not isinstance(status, str) or status not in STATUSES:
        errors["status"] = "Status must be draft or published."
    clean["status"] = status


def published_at(value, errors: dict):
    """A publish time from a datetime, an ISO 8601 string or None, as naive UTC."""
    try:
        return parse_datetime(value)
    except TimeProblem as problem:
        errors["published_at"] = str(problem)
        return None


def effective_date(value) -> date | None:
    """A policy's effective date from a date, 'YYYY-MM-DD' or None."""
    try:
        return parse_date(value)
    except TimeProblem as problem:
        raise ValidationError({"effective_date": str(problem)}) from None


def requested_slug(data: dict) -> str:
    return str(data.get("slug") or "").strip()


def validate_entry(model, data: dict, entry) -> dict:
    """Check fields; return cleaned values. Raises ValidationError."""
    errors, clean = {}, {}
    check_texts(data, entry, errors, clean)
    slug = requested_slug(data)
    if slug:
        check_slug_shape(slug, model, errors)
        if "slug" not in errors and slug_taken(model, slug, entry):
            errors["slug"] = SLUG_TAKEN
        clean["slug"] = slug
    elif entry is not None:
        clean["slug"] = entry.slug
    else:
        base = make_slug(clean["title"])
        if model is Page and base in RESERVED_PAGE_SLUGS:
            base = f"{base}-page"
        clean["slug"] = base  # made unique when saving, under the write lock
    when = published_at(data.get("published_at", entry.published_at if entry else None), errors)
    if clean["status"] == "published" and when is None and "published_at" not in errors:
        when = clock.utcnow()
    clean["published_at"] = when.replace(microsecond=0) if when else None
    if errors:
        conflict = errors.keys() == {"slug"} and errors["slug"] == SLUG_TAKEN
        raise (ConflictError if conflict else ValidationError)(errors)
    return clean


def extra_fields(model, data: dict, entry) -> dict:
    """A page's policy fields, a post's featured image: checked, as they will be stored."""
    extra = {}
    if model is Page:
        extra["is_policy"] = data.get("is_policy", entry.is_policy if entry else False)
        if not isinstance(extra["is_policy"], bool):
            raise ValidationError({"is_policy": "Must be true or false."})
        extra["effective_date"] = effective_date(
            data.get("effective_date", entry.effective_date if entry else None)
        )
    if model is Post and "featured_image" in data:
        extra["featured_image"] = media_reference(data["featured_image"], "featured_image")
    return extra | seo_fields(data, entry)
