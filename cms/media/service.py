"""Image uploads: type detected from the bytes, re-encoded without metadata, resized variants.

The editor, the Admin API and the importers all call process_upload(), update_alt() and
delete_media(). Decoding happens in a child process (cms/media/imaging.py) whose memory is
limited, so no upload can make a worker hold its pixels.
Visitors see an image only while live content shows it (is_public); ids are sequential,
so an image uploaded for a draft must not be found by counting.
"""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys

from flask import current_app
from markupsafe import escape
from werkzeug.utils import secure_filename

from ..audit import record, writes
from ..content.models import Page, Post
from ..content.render import BODY_IMAGE_SIZES
from ..content.revisions import policy_versions
from ..core.cache import memo
from ..core.db import db
from ..core.validation import (
    ConflictError,
    ValidationError,
    check_version,
    single_line,
    version_token,
)
from ..site.models import NavItem, Notice, get_settings
from .models import Media, MediaVariant, media_url, srcset

VARIANT_WIDTHS = (480, 960, 1600)
MAX_ALT = 300
MEDIA_REF = re.compile(r"/media/([0-9]{1,18})(?![0-9])")
IMAGING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "imaging.py")
IMAGING_SECONDS = 20  # CPU and wall time for one upload, under gunicorn's 30 s timeout
TOO_SLOW = "The image took too long to process. Save it smaller and upload it again."
NOT_PROCESSED = "The image could not be processed."


def _clean_alt(alt: str | None) -> str:
    errors: dict = {}
    alt = single_line(alt, "alt", errors)  # the text rule (cms.core.validation)
    if errors:
        raise ValidationError(errors)
    if not alt:
        raise ValidationError({"alt": "Describe the image for people who cannot see it."})
    if len(alt) > MAX_ALT:
        raise ValidationError({"alt": f"Keep the description under {MAX_ALT} characters."})
    return alt


def imaging_child(max_pixels: int) -> dict:
    """How to start the child process that decodes one upload: subprocess arguments."""
    options = {"max_pixels": max_pixels, "widths": VARIANT_WIDTHS, "seconds": IMAGING_SECONDS}
    return {
        "args": [sys.executable, "-P", IMAGING, json.dumps(options)],  # -P: no cwd on sys.path
        # A fixed threshold makes glibc hand large freed blocks back at once; its adaptive
        # one keeps them in the heap, where they count against the child's memory limit.
        "env": {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(128 * 1024)},
    }


def read_copies(output: bytes) -> list[tuple[dict, bytes]]:
    """The records cms/media/imaging.py wrote: (JSON header, bytes) each, the full size first."""
    copies, at = [], 0
    while at < len(output):
        end = output.index(b"\n", at)
        header = json.loads(output[at:end])
        at = end + 1 + header["size"]
        if at > len(output):
            raise ValueError("the last copy is cut short")
        copies.append((header, output[end + 1 : at]))
    return copies


def _reencode(data: bytes) -> list[tuple[dict, bytes]]:
    """Decode and re-encode in a child process with limited memory and time, so a pixel
    bomb can exhaust that process and never this worker (which never loads Pillow)."""
    child = imaging_child(int(current_app.config["MAX_IMAGE_PIXELS"]))
    try:
        done = subprocess.run(  # noqa: S603  (our own script and options; no shell)
            **child, input=data, capture_output=True, timeout=IMAGING_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise ValidationError({"file": TOO_SLOW}) from None
    try:
        copies = read_copies(done.stdout)
    except ValueError:  # cut short: the child was stopped by its limits
        copies = []
    errors = [header["error"] for header, _ in copies if "error" in header]
    if errors:
        raise ValidationError({"file": errors[-1]})
    if done.returncode or not copies:
        current_app.logger.warning(
            "image processing stopped (exit %s): %s",
            done.returncode,
            done.stderr.decode(errors="replace")[-500:],
        )
        slow = done.returncode == -signal.SIGXCPU  # its CPU time limit
        raise ValidationError({"file": TOO_SLOW if slow else NOT_PROCESSED})
    return copies


def describe_media(media: Media) -> str:
    """'media 7: view.jpg' for log targets."""
    return f"media {media.id}: {media.filename}"


@writes("media.upload", what="upload images")
def process_upload(data: bytes, filename: str, alt: str, *, actor) -> Media:
    """Validate, re-encode and store an uploaded image with its resized variants."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if not data:
        raise ValidationError({"file": "Choose an image file to upload."})
    if len(data) > limit:
        raise ValidationError({"file": f"The file is too large (at most {limit // 2**20} MB)."})
    alt = _clean_alt(alt)
    (full, encoded), *variants = _reencode(data)
    stem = os.path.splitext(secure_filename(filename or ""))[0].lower()[:80] or "image"
    with db.atomic():
        media = Media.create(
            filename=f"{stem}.{full['ext']}",
            mime=full["mime"],
            width=full["width"],
            height=full["height"],
            alt=alt,
            data=encoded,
            sha256=hashlib.sha256(encoded).hexdigest(),
        )
        for size, small in variants:
            MediaVariant.create(
                media=media,
                width=size["width"],
                height=size["height"],
                mime=full["mime"],
                data=small,
                sha256=hashlib.sha256(small).hexdigest(),
            )
        record("media.upload", describe_media(media), actor)
    return media


@writes("media.update", admin=True, what="keep imported times")
def keep_upload_time(media: Media, created_at, *, actor) -> Media:
    """Give an imported image the upload time it had where it came from."""
    with db.atomic():
        Media.update(created_at=created_at).where(Media.id == media.id).execute()
        media.created_at = created_at
        record("media.update", media, actor)
    return media


def media_version(media: Media) -> str:
    """The version of an image's description (its Admin API ETag); the bytes never change."""
    return version_token(media.id, media.filename, media.alt)


def _check_unchanged(media: Media, expected_version) -> None:
    """Under the write lock: StaleError if the image changed from the expected version."""
    current = Media.select(Media.id, Media.filename, Media.alt).where(Media.id == media.id)
    current = current.first() or media
    check_version(expected_version, media_version(current), current)


@writes("media.update", what="describe images")
def update_alt(media: Media, alt: str, expected_version=None, *, actor) -> Media:
    """Change an image's description (not if it changed from expected_version since)."""
    media.alt = _clean_alt(alt)
    with db.atomic():
        _check_unchanged(media, expected_version)
        media.save(only=[Media.alt])
        record("media.update", describe_media(media), actor)
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
    for model in (Post, Page):
        for row in model.select().where(model.social_image == media):
            places.append(f"social media image of “{row.title}”")
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
    for model in (Post, Page):  # og:image: crawlers of social sites fetch it
        shared = model.select(model.social_image).where(
            model.visible_clause() & model.social_image.is_null(False)
        )
        ids.update(row.social_image_id for row in shared)
    settings = get_settings()
    ids.update(settings[key] for key in ("logo_media_id", "favicon_media_id") if settings[key])
    return frozenset(ids)


def is_public(media_id: int) -> bool:
    """True when visitors may see this image (the set is kept until content changes)."""
    return media_id in memo("public_media", public_media_ids)


@writes("media.delete", what="delete images")
def delete_media(media: Media, expected_version=None, *, actor) -> None:
    """Delete an image and its variants; refused while it is still used."""
    places = media_usage(media)
    if places:
        raise ConflictError({"media": "Still used by: " + "; ".join(places) + "."})
    with db.atomic():
        _check_unchanged(media, expected_version)
        media.delete_instance()
        record("media.delete", describe_media(media), actor)


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
