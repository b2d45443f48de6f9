"""Admin API for images: the editor's own upload pipeline (cms.media.service), nothing else."""

from flask import current_app, g, request

from ..core.templating import site_url
from ..media import service as pipeline
from ..media.models import Media, media_url
from . import fields
from .auth import require
from .blueprint import bp
from .errors import ApiProblem
from .inputs import check_fields, expected_version, read_json, tagged
from .paging import by_id, limit_arg
from .serializers import iso

ITEM = "/admin/media/<api_id:media_id>"
# Everything but the image bytes, so listing never loads them.
COLUMNS = (
    Media.id,
    Media.filename,
    Media.mime,
    Media.width,
    Media.height,
    Media.alt,
    Media.created_at,
)
READ_ONLY = {"id", "filename", "mime", "width", "height", "url", "created_at"}


def media_json(item: Media) -> dict:
    """An image's description and public URL."""
    return {
        "id": item.id,
        "filename": item.filename,
        "mime": item.mime,
        "width": item.width,
        "height": item.height,
        "alt": item.alt,
        "url": site_url(media_url(item)),
        "created_at": iso(item.created_at),
    }


def _item(media_id: int) -> Media:
    item = Media.select(*COLUMNS).where(Media.id == media_id).first()
    if item is None:
        raise ApiProblem(404, f"There is no image with id {media_id}.")
    return item


@bp.get("/admin/media")
@require("content:read", "media:write")
def admin_media_list():
    """Every image, newest first."""
    items, next_url = by_id(Media.select(*COLUMNS), Media, limit_arg())
    return {"items": [media_json(m) for m in items], "next": next_url}


@bp.post("/admin/media")
@require("media:write")
def admin_upload():
    """Upload one image (multipart: file, alt); it is checked and re-encoded like the editor's."""
    if request.mimetype != "multipart/form-data":
        raise ApiProblem(415, "Upload with Content-Type: multipart/form-data (fields file, alt).")
    upload = request.files.get("file")
    if upload is None:
        raise ApiProblem(
            422,
            "Attach the image as the form field `file`.",
            errors=[{"field": "file", "detail": "This field is required."}],
        )
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ApiProblem(413, f"The image is too large (at most {limit // 2**20} MB).")
    alt = request.form.get("alt", "")
    item = pipeline.process_upload(data, upload.filename or "", alt, actor=g.api_token)
    location = site_url(f"/api/v1/admin/media/{item.id}")
    return tagged(media_json(item), pipeline.media_version(item), None, 201, {"Location": location})


@bp.get(ITEM)
@require("content:read", "media:write")
def admin_media_item(media_id):
    """One image's description."""
    item = _item(media_id)
    return tagged(media_json(item), pipeline.media_version(item))


@bp.patch(ITEM)
@require("media:write")
def admin_update_media(media_id):
    """Change an image's alt text."""
    expected = expected_version(pipeline.media_version(_item(media_id)))
    data = check_fields(read_json(), fields.MEDIA, READ_ONLY, ("alt",))
    item = pipeline.update_alt(Media.get_by_id(media_id), data["alt"], expected, actor=g.api_token)
    return tagged(media_json(item), pipeline.media_version(item))


@bp.delete(ITEM)
@require("media:write")
def admin_delete_media(media_id):
    """Delete an image; refused with 409 while a post, page or setting uses it."""
    expected = expected_version(pipeline.media_version(_item(media_id)))
    pipeline.delete_media(Media.get_by_id(media_id), expected, actor=g.api_token)
    return "", 204
