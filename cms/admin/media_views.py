"""The media library: upload, browse, copy into a post, edit the description, delete."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ..core.paging import Pagination
from ..core.validation import ValidationError
from ..media.models import Media, MediaVariant
from ..media.service import (
    delete_media,
    html_snippet,
    markdown_snippet,
    media_usage,
    process_upload,
    update_alt,
)
from .blueprint import bp
from .content_forms import AltForm, ConfirmForm, UploadForm, show_errors

PER_PAGE = 40
PICKER_SIZE = 24  # images offered in the writing form (the library has the rest)


def _me():
    return current_user._get_current_object()


def _get(media_id: int) -> Media:
    return Media.get_or_none(Media.id == media_id) or abort(404)


def _thumb_widths(ids=None) -> dict[int, int]:
    """The smallest variant of each image (or of the given ones), for thumbnails."""
    rows = MediaVariant.select(MediaVariant.media, MediaVariant.width).order_by(
        MediaVariant.width.desc()
    )
    if ids is not None:
        rows = rows.where(MediaVariant.media.in_(ids))
    return {row.media_id: row.width for row in rows}


@bp.app_template_global()
def thumbnail_url(media: Media, thumbs: dict[int, int]) -> str:
    """The smallest copy of an image, or the image itself when it has none."""
    if media.id in thumbs:
        return f"/media/{media.id}/w/{thumbs[media.id]}"
    return f"/media/{media.id}/{media.filename}"


@bp.app_template_global()
def picker_images() -> list[dict]:
    """The newest images, for the writing form's "Insert an image" list."""
    query = Media.select(Media.id, Media.filename, Media.alt, Media.width, Media.height)
    items = list(query.order_by(Media.id.desc()).limit(PICKER_SIZE))
    thumbs = _thumb_widths([m.id for m in items])
    return [
        {"media": m, "thumb": thumbnail_url(m, thumbs), "markdown": markdown_snippet(m)}
        for m in items
    ]


@bp.route("/media", methods=["GET", "POST"])
def media_library():
    """Every image, newest first, and the upload form."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        limit = current_app.config["MAX_UPLOAD_BYTES"]
        data = upload.read(limit + 1) if upload else b""
        try:
            media = process_upload(
                data, getattr(upload, "filename", ""), form.alt.data, actor=_me()
            )
        except ValidationError as exc:
            show_errors(form, exc.errors)
        else:
            flash("The image was uploaded. Copy the snippet below into a post to show it.")
            return redirect(url_for("admin.media_detail", media_id=media.id))
    query = Media.select(Media.id, Media.filename, Media.alt, Media.width, Media.height)
    pages = Pagination(query.order_by(Media.id.desc()), PER_PAGE)
    return render_template(
        "admin/media.html", form=form, items=pages.items, page=pages.number,
        thumbs=_thumb_widths([m.id for m in pages.items]), has_next=pages.has_next,
    )  # fmt: skip


@bp.route("/media/<int:media_id>", methods=["GET", "POST"])
def media_detail(media_id):
    """One image: its description, where it is used, and snippets to insert it."""
    media = _get(media_id)
    form = AltForm(obj=media)
    if form.validate_on_submit():
        try:
            update_alt(media, form.alt.data, actor=_me())
        except ValidationError as exc:
            show_errors(form, exc.errors)
        else:
            flash("The description was saved.")
            return redirect(url_for("admin.media_detail", media_id=media.id))
    return render_template(
        "admin/media_detail.html",
        media=media,
        form=form,
        usage=media_usage(media),
        markdown=markdown_snippet(media),
        html=html_snippet(media),
    )


@bp.route("/media/<int:media_id>/delete", methods=["GET", "POST"])
def media_delete(media_id):
    """Ask, then delete an image; refused while a post, page or setting still uses it."""
    media, form = _get(media_id), ConfirmForm()
    usage = media_usage(media)
    if form.validate_on_submit():
        try:
            delete_media(media, actor=_me())
        except ValidationError as exc:
            flash(" ".join(exc.errors.values()), "error")
        else:
            flash("The image was deleted.")
            return redirect(url_for("admin.media_library"))
    return render_template("admin/media_delete.html", media=media, form=form, usage=usage)
