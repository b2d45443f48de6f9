"""Resized copies of uploaded images, for srcset."""

from flask import abort, make_response, request

from ..media import MediaVariant
from . import bp


@bp.route("/media/<int:media_id>/w/<int:width>")
def media_variant(media_id, width):
    """One resized copy of an image, cached for a year (its URL never changes meaning)."""
    variant = MediaVariant.get_or_none(
        (MediaVariant.media == media_id) & (MediaVariant.width == width)
    ) or abort(404)
    response = make_response(bytes(variant.data))
    response.mimetype = variant.mime
    response.set_etag(variant.sha256)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response.make_conditional(request)
