"""Image uploads: type detected from the bytes, re-encoded without metadata, resized variants.

The editor and the Admin API both call process_upload(), update_alt() and delete_media().
Visitors see an image only while live content shows it (is_public); ids are sequential,
so an image uploaded for a draft must not be found by counting.
"""

import hashlib
import os
import re

from flask import current_app
from markupsafe import escape
from peewee import BlobField, CharField, ForeignKeyField, IntegerField
from werkzeug.utils import secure_filename

from .cache import memo
from .content import BODY_IMAGE_SIZES
from .db import BaseModel, db
from .models import Media, Page, Post
from .revisions import policy_versions
from .services import ConflictError, ValidationError
from .site import NavItem, Notice, get_settings

VARIANT_WIDTHS = (480, 960, 1600)
MAX_ALT = 300
MEDIA_REF = re.compile(r"/media/([0-9]{1,18})(?![0-9])")


class MediaVariant(BaseModel):
    """A smaller copy of an image, for srcset."""

    media = ForeignKeyField(Media, backref="variants", on_delete="CASCADE")
    width = IntegerField()
    height = IntegerField()
    mime = CharField()
    data = BlobField()
    sha256 = CharField()

    class Meta:
        indexes = ((("media", "width"), True),)


def _clean_alt(alt: str | None) -> str:
    alt = " ".join((alt or "").split())
    if not alt:
        raise ValidationError({"alt": "Describe the image for people who cannot see it."})
    if len(alt) > MAX_ALT:
        raise ValidationError({"alt": f"Keep the description under {MAX_ALT} characters."})
    return alt


def process_upload(data: bytes, filename: str, alt: str) -> Media:
    """Validate, re-encode and store an uploaded image with its resized variants."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if not data:
        raise ValidationError({"file": "Choose an image file to upload."})
    if len(data) > limit:
        raise ValidationError({"file": f"The file is too large (at most {limit // 2**20} MB)."})
    alt = _clean_alt(alt)
    # Imported here: Pillow (~2 MB a worker) is needed only when an image is uploaded.
    from . import imaging

    image = imaging.decode(data)
    fmt = image.format
    mime, ext = imaging.FORMATS[fmt]
    try:
        clean = imaging.strip(image)
        encoded = imaging.encode(clean, fmt)
        variants = [
            imaging.variant(clean, width, fmt) for width in VARIANT_WIDTHS if width < clean.width
        ]
    except (OSError, ValueError) as exc:  # odd modes or broken metadata in a decodable file
        raise ValidationError({"file": "The image could not be processed."}) from exc
    stem = os.path.splitext(secure_filename(filename or ""))[0].lower()[:80] or "image"
    with db.atomic():
        media = Media.create(
            filename=f"{stem}.{ext}", mime=mime, width=clean.width, height=clean.height,
            alt=alt, data=encoded, sha256=hashlib.sha256(encoded).hexdigest(),
        )  # fmt: skip
        for width, height, small in variants:
            MediaVariant.create(
                media=media, width=width, height=height, mime=mime, data=small,
                sha256=hashlib.sha256(small).hexdigest(),
            )  # fmt: skip
    return media


def update_alt(media: Media, alt: str) -> Media:
    """Change an image's description."""
    media.alt = _clean_alt(alt)
    with db.atomic():
        media.save()
    return media


def _used_in(model, media: Media) -> list:
    pattern = re.compile(rf"/media/{media.id}(?![0-9])")
    rows = model.select().where(model.body.contains(f"/media/{media.id}"))
    return [row for row in rows if pattern.search(row.body)]


def media_usage(media: Media) -> list[str]:
    """Where an image is used: post and page bodies, featured images, logo and favicon."""
    places = []
    for model in (Post, Page):
        for row in _used_in(model, media):
            trashed = " (in the trash)" if row.deleted_at else ""
            places.append(f"{model.__name__.lower()} “{row.title}”{trashed}")
    for post in Post.select().where(Post.featured_image == media):
        places.append(f"featured image of “{post.title}”")
    settings = get_settings()
    for key, label in (("logo_media_id", "site logo"), ("favicon_media_id", "favicon")):
        if settings.get(key) == media.id:
            places.append(label)
    return places


def _live_texts():
    """Every text visitors can see that may hold an image address."""
    for model in (Post, Page):
        visible = model.visible_clause() & model.body_html.contains("/media/")
        yield from (row.body_html for row in model.select(model.body_html).where(visible))
    for page in Page.policies():  # earlier versions of a policy are public too
        yield from (revision.body for revision in policy_versions(page))
    for notice in Notice.active():
        yield notice.body_html
        yield notice.link_url
    yield from (item.url for item in NavItem.shown())


def public_media_ids() -> frozenset[int]:
    """Ids of the images live content shows: in published posts, pages (and earlier
    versions of policies), featured images of published posts, notices showing now, the
    menu, the logo and the favicon. Drafts', scheduled and trashed entries' do not count."""
    ids = {int(found) for text in _live_texts() for found in MEDIA_REF.findall(text or "")}
    featured = Post.select(Post.featured_image).where(
        Post.visible_clause() & Post.featured_image.is_null(False)
    )
    ids.update(post.featured_image_id for post in featured)
    settings = get_settings()
    ids.update(settings[key] for key in ("logo_media_id", "favicon_media_id") if settings[key])
    return frozenset(ids)


def is_public(media_id: int) -> bool:
    """True when visitors may see this image (the set is kept until content changes)."""
    return media_id in memo("public_media", public_media_ids, check=True)


def delete_media(media: Media) -> None:
    """Delete an image and its variants; refused while it is still used."""
    places = media_usage(media)
    if places:
        raise ConflictError({"media": "Still used by: " + "; ".join(places) + "."})
    with db.atomic():
        media.delete_instance()


def media_url(media: Media) -> str:
    """The public address of the full-size image."""
    return f"/media/{media.id}/{media.filename}"


def srcset(media: Media) -> str:
    """The srcset value listing the variants and the original."""
    widths = MediaVariant.select(MediaVariant.width).where(MediaVariant.media == media)
    parts = [
        f"/media/{media.id}/w/{v.width} {v.width}w" for v in widths.order_by(MediaVariant.width)
    ]
    return ", ".join([*parts, f"{media_url(media)} {media.width}w"])


def markdown_snippet(media: Media) -> str:
    """Markdown that shows the image in a post."""
    alt = re.sub(r"([\[\]\\])", r"\\\1", media.alt)
    return f"![{alt}]({media_url(media)})"


def html_snippet(media: Media) -> str:
    """A responsive <img> (with srcset) that can be pasted into a post body."""
    return (
        f'<img src="{media_url(media)}" srcset="{srcset(media)}" '
        f'sizes="{BODY_IMAGE_SIZES}" alt="{escape(media.alt)}" '
        f'width="{media.width}" height="{media.height}">'
    )
