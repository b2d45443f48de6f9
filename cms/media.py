"""Image uploads: type detected from the bytes, re-encoded without metadata, resized variants.

The editor and the Admin API both call process_upload(), update_alt() and delete_media().
"""

import hashlib
import io
import os
import re
import warnings

from flask import current_app
from markupsafe import escape
from peewee import BlobField, CharField, ForeignKeyField, IntegerField
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.utils import secure_filename

from .content import BODY_IMAGE_SIZES
from .db import BaseModel, db
from .models import Media, Page, Post
from .services import ConflictError, ValidationError

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85, "method": 4},
}
VARIANT_WIDTHS = (480, 960, 1600)
MAX_ALT = 300
DEFAULT_MAX_PIXELS = 40_000_000  # ~160 MB decoded as RGBA: the most a 1 GB server should try


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


def _decode(data: bytes) -> Image.Image:
    """Open and fully decode an upload, refusing unknown types, damage and pixel bombs."""
    # Pillow's own guard (Image.MAX_IMAGE_PIXELS, process-wide) stays as a backstop; the
    # configured limit is checked here from the header, before any pixel is decoded.
    limit = current_app.config.get("MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS)
    too_big = ValidationError(
        {"file": f"The image has too many pixels (at most {limit / 1e6:g} megapixels)."}
    )
    damaged = ValidationError({"file": "The image file is damaged or incomplete."})
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_big from None
        except UnidentifiedImageError:
            raise ValidationError({"file": "Upload a JPEG, PNG or WebP image."}) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise damaged from None
        if image.width * image.height > limit:
            raise too_big
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError):
            raise damaged from None
    return image


def _strip(image: Image.Image) -> Image.Image:
    """A fresh image with the same pixels and no metadata at all (EXIF, GPS, ICC, text)."""
    image = ImageOps.exif_transpose(image)  # keep the orientation the camera recorded
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, fmt: str) -> bytes:
    if fmt == "JPEG" and image.mode == "RGBA":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, fmt, **SAVE_OPTIONS[fmt])
    return out.getvalue()


def _variant(image: Image.Image, width: int, fmt: str) -> tuple[int, int, bytes]:
    height = max(1, round(image.height * width / image.width))
    return width, height, _encode(image.resize((width, height), Image.LANCZOS), fmt)


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
    image = _decode(data)
    fmt = image.format
    mime, ext = FORMATS[fmt]
    try:
        clean = _strip(image)
        encoded = _encode(clean, fmt)
        variants = [_variant(clean, width, fmt) for width in VARIANT_WIDTHS if width < clean.width]
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
    from .site import get_settings

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
