"""Uploaded images and their resized copies (for srcset), served from the database."""

from flask import abort, make_response, request

from ..media import MediaVariant
from ..models import Media
from . import bp


def _image(data, mime: str, etag: str):
    """An image response cached for a year (its URL never changes meaning), locked down."""
    response = make_response(bytes(data))
    response.mimetype = mime
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response.make_conditional(request)


@bp.route("/media/<int:media_id>/<path:name>")
@bp.route("/media/<int:media_id>")
def media(media_id, name=None):
    """An uploaded image."""
    item = Media.get_or_none(Media.id == media_id) or abort(404)
    return _image(item.data, item.mime, item.sha256)


@bp.route("/media/<int:media_id>/w/<int:width>")
def media_variant(media_id, width):
    """One resized copy of an image."""
    variant = MediaVariant.get_or_none(
        (MediaVariant.media == media_id) & (MediaVariant.width == width)
    ) or abort(404)
    return _image(variant.data, variant.mime, variant.sha256)
