"""The writing form's helpers: pasted HTML made Markdown, and images uploaded in place
(dropped, pasted or picked), answered as JSON for static/js/editor-paste.js."""

from flask import current_app, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..content.sanitize import TooComplex
from ..core.security import too_large
from ..core.validation import ValidationError
from ..media.service import markdown_snippet, process_upload
from .blueprint import bp
from .media_views import thumbnail_url

UPLOAD_ENDPOINT = "admin.editor_upload"


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MB"


@bp.route("/paste", methods=["POST"])
def paste_html():
    """Clipboard HTML in, clean Markdown out (through the one sanitizer)."""
    # Loaded on first use: Beautiful Soup, lxml and markdownify are ~15 MB a reader's
    # worker never needs.
    from ..content.pasted import MAX_PASTE, pasted_markdown

    html = request.form.get("html", "")
    if len(html) > MAX_PASTE:
        return jsonify(error="This is too much to paste at once: paste it in parts."), 413
    try:
        markdown, dropped = pasted_markdown(html)
    except TooComplex as exc:
        return jsonify(error=str(exc)), 422
    note = ""
    if dropped:
        note = "Images in what you pasted were left out: drop or upload them here instead."
    return jsonify(markdown=markdown, note=note)


@bp.route("/media/upload", methods=["POST"])
def editor_upload():
    """An image uploaded from the writing form: stored, and its Markdown to insert."""
    upload = request.files.get("file")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = upload.read(limit + 1) if upload else b""
    try:
        media = process_upload(
            data, getattr(upload, "filename", ""), request.form.get("alt", ""),
            actor=current_user._get_current_object(),
        )  # fmt: skip
    except ValidationError as exc:
        return jsonify(error=" ".join(exc.errors.values()), fields=exc.errors), 422
    return jsonify(
        id=media.id, alt=media.alt, markdown=markdown_snippet(media),
        thumb=thumbnail_url(media, {}), filename=media.filename,
    )  # fmt: skip


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """A photo too large to send answers the writing form in its own words (the form and
    its text stay as they are); other requests get the site's 413 page."""
    if request.endpoint != UPLOAD_ENDPOINT:
        return too_large(error)
    size = request.content_length or 0
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    message = (
        f"This photo is too large to upload ({_megabytes(size)}; at most {_megabytes(limit)}). "
        "Nothing you typed is lost. Save a smaller copy of the photo (for example with your "
        "phone's or computer's “resize” or “export” option) and drop it here again."
    )
    return jsonify(error=message), 413
