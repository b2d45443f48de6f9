"""Pillow's part of uploads: decode with limits, strip metadata, encode, resize.

Kept apart from cms/media.py so that only processes that take uploads load Pillow.
"""

import io
import warnings

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from .services import ValidationError

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


def decode(data: bytes) -> Image.Image:
    """Open and fully decode an upload, refusing unknown types, damage and pixel bombs."""
    # Pillow's own guard (Image.MAX_IMAGE_PIXELS, process-wide) stays as a backstop; the
    # configured limit is checked here from the header, before any pixel is decoded.
    limit = current_app.config["MAX_IMAGE_PIXELS"]
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


def strip(image: Image.Image) -> Image.Image:
    """A fresh image with the same pixels and no metadata at all (EXIF, GPS, ICC, text)."""
    image = ImageOps.exif_transpose(image)  # keep the orientation the camera recorded
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def encode(image: Image.Image, fmt: str) -> bytes:
    """The image in the given format, with our own save options."""
    if fmt == "JPEG" and image.mode == "RGBA":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, fmt, **SAVE_OPTIONS[fmt])
    return out.getvalue()


def variant(image: Image.Image, width: int, fmt: str) -> tuple[int, int, bytes]:
    """A copy `width` pixels wide: (width, height, encoded bytes)."""
    height = max(1, round(image.height * width / image.width))
    return width, height, encode(image.resize((width, height), Image.LANCZOS), fmt)
