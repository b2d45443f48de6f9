"""Slugs and the public addresses they make: their shape, and claiming a free one."""

from slugify import slugify

from ..core.validation import ConflictError
from .fields import MAX_SLUG, RESERVED_PAGE_SLUGS, SLUG_TAKEN
from .models import Page


def make_slug(text: str) -> str:
    """A URL slug from any text (ASCII, lower case, hyphens)."""
    return slugify(text or "", max_length=MAX_SLUG, word_boundary=True) or "untitled"


def public_path(kind: str, slug: str) -> str:
    """The public URL path of a post or page."""
    return f"/blog/{slug}" if kind == "post" else f"/{slug}"


def slug_taken(model, slug: str, entry) -> bool:
    """True if another row of model (not entry) has this slug."""
    others = model.select().where(model.id != (entry.id if entry else 0))
    return others.where(model.slug == slug).exists()


def _unique_slug(model, base: str, entry=None) -> str:
    slug, n = base, 2
    while slug_taken(model, slug, entry):
        suffix = f"-{n}"
        slug, n = base[: MAX_SLUG - len(suffix)] + suffix, n + 1
    return slug


def claim_slug(model, slug: str, entry, chosen: bool) -> str:
    """Under the write lock: a chosen slug if still free, else the first free variant."""
    if not chosen:
        return _unique_slug(model, slug, entry)
    if slug_taken(model, slug, entry):  # taken since validation, by a concurrent save
        raise ConflictError({"slug": SLUG_TAKEN})
    return slug


def check_slug_shape(slug: str, model, errors: dict) -> None:
    """Put a message in errors["slug"] if the slug is not one make_slug would make, or a
    page's slug is an address the site itself uses."""
    if slug != make_slug(slug) or len(slug) > MAX_SLUG:
        errors["slug"] = "Use lower-case letters, digits and hyphens only."
    if model is Page and slug in RESERVED_PAGE_SLUGS:
        errors["slug"] = "This address is reserved by the site; choose another."
