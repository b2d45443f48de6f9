"""The SEO fields of a post or page: a title for search results and shares, and the image
shared on social media (og:image; a post's featured image when none is chosen)."""

from ..core.security import row_id
from ..core.validation import ConflictError, ValidationError, single_line
from ..media.models import Media
from .fields import MAX_SEO_TITLE


def media_reference(value, field: str):
    """A media id (int) that exists, or None for none. Raises ConflictError."""
    media_id = value or None
    if media_id is not None and (
        type(media_id) is not int
        or row_id(media_id) is None
        or not Media.select().where(Media.id == media_id).exists()
    ):
        raise ConflictError({field: "No such image."})
    return media_id


def seo_fields(data: dict, entry) -> dict:
    """seo_title and social_image as they will be stored (those sent only)."""
    extra = {}
    if "seo_title" in data:
        errors: dict[str, str] = {}
        title = single_line(data["seo_title"], "seo_title", errors, limit=MAX_SEO_TITLE)
        if errors:
            raise ValidationError(errors)
        extra["seo_title"] = title
    if "social_image" in data:
        extra["social_image"] = media_reference(data["social_image"], "social_image")
    return extra
