"""Uploaded images and their resized copies (for srcset), served from the database.

Visitors get an image only while live content shows it (cms.media.service.is_public); signed-in
editors get every image, for previews and the media library, but never for shared caches.
"""

from flask import abort, make_response, request
from flask_login import current_user

from ..media.models import Media, MediaVariant
from ..media.service import is_public
from .blueprint import bp


def _visible(media_id: int) -> bool:
    """Whether this request may see the image: public ones, or any for the editor."""
    public = is_public(media_id)
    if not public and not current_user.is_authenticated:
        abort(404)
    return public


def _image(data, mime: str, etag: str, public: bool):
    """An image response cached for a year (its URL never changes meaning), locked down;
    one not yet public only in the editor's own browser, never in a shared cache."""
    response = make_response(bytes(data))
    response.mimetype = mime
    response.set_etag(etag)
    scope = "public" if public else "private"
    response.headers["Cache-Control"] = f"{scope}, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response.make_conditional(request)


@bp.route("/media/<int:media_id>/<path:name>")
@bp.route("/media/<int:media_id>")
def media(media_id, name=None):
    """An uploaded image."""
    public = _visible(media_id)
    item = Media.get_or_none(Media.id == media_id) or abort(404)
    return _image(item.data, item.mime, item.sha256, public)


@bp.route("/media/<int:media_id>/w/<int:width>")
def media_variant(media_id, width):
    """One resized copy of an image."""
    public = _visible(media_id)
    variant = MediaVariant.get_or_none(
        (MediaVariant.media == media_id) & (MediaVariant.width == width)
    ) or abort(404)
    return _image(variant.data, variant.mime, variant.sha256, public)
