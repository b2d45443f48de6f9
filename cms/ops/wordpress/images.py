"""The images of a WordPress import: each file from the uploads folder imported once,
through the same upload pipeline as the editor's; images from elsewhere are dropped."""

import os
import re
from html import escape
from urllib.parse import unquote, urlsplit

from ...accounts.actors import SYSTEM
from ...core.validation import ValidationError
from ...media.models import Media, media_url
from ...media.service import process_upload
from ..imports import Summary, record, recorded
from .wxr import Export, Item

IMAGE_FILE = re.compile(r"\.(jpe?g|png|webp)$", re.I)
SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.\w+$)")  # photo-300x200.jpg is a copy of photo.jpg


class Images:
    """Images of one run: the export's attachments, what was used, and what had to change."""

    def __init__(self, export: Export, uploads: str | None, source: str, summary: Summary):
        self.uploads = os.path.realpath(uploads) if uploads else None
        self.source, self.summary = source, summary
        self.attachments = {i.wp_id: i for i in export.items if i.type == "attachment"}
        self.used: set[str] = set()
        self.notes: list[str] = []  # about the entry being imported now

    def upload_path(self, url: str) -> str | None:
        """The path under wp-content/uploads/ of an image address of the old site, or None."""
        path = unquote(urlsplit(url).path)
        if "/wp-content/uploads/" not in path or not IMAGE_FILE.search(path):
            return None
        return path.split("/wp-content/uploads/", 1)[1]

    def image(self, src: str, alt: str | None) -> str | None:
        """A local URL for an image from the old site (imported once), or None.

        alt is None for a link that merely points at an image file (kept if not found)."""
        if src.startswith("/media/"):
            return src
        media = self.media_for(src, alt)
        return media_url(media) if media else None

    def media_for(self, src: str, alt: str | None):
        """The image here for an image address of the old site (imported now if need be)."""
        relative = self.upload_path(src)
        if relative is None:
            if alt is not None:
                self.notes.append(f"image from another site removed: {src}")
            return None
        for candidate in dict.fromkeys([SIZE_SUFFIX.sub("", relative), relative]):
            media = self._media(candidate, alt)
            if media is not None:
                return media
        if alt is not None:
            reason = "no --uploads folder given" if not self.uploads else "not in the uploads"
            self.notes.append(f"image {relative} removed ({reason})")
        return None

    def _media(self, relative: str, alt: str | None):
        self.used.add(relative)
        known = recorded(self.source, f"file:{relative}", Media)
        if known is not None or not self.uploads:
            return known
        path = os.path.realpath(os.path.join(self.uploads, relative))
        if os.path.commonpath([path, self.uploads]) != self.uploads or not os.path.isfile(path):
            return None  # outside the uploads folder (../ or a symlink), or missing
        described = alt or self._attachment_alt(relative)
        if not described:
            described = os.path.splitext(os.path.basename(relative))[0].replace("-", " ")
            self.notes.append(f"image {relative} had no description; its file name was used")
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            media = process_upload(data, os.path.basename(relative), described, actor=SYSTEM)
        except ValidationError as exc:
            self.notes.append(f"image {relative} not imported: {exc}")
            return None
        record(self.source, f"file:{relative}", "media", media.id)
        self.summary.imported["images"] += 1
        return media

    def _attachment_alt(self, relative: str) -> str:
        for item in self.attachments.values():
            if self.upload_path(item.attachment_url) == relative:
                return self._alt(item)
        return ""

    def gallery(self, ids: list[int]) -> str:
        """[gallery ids="..."] as a paragraph of images."""
        found = [self.attachments[i] for i in ids if i in self.attachments]
        images = [
            f'<img src="{escape(i.attachment_url)}" alt="{escape(self._alt(i))}">' for i in found
        ]
        return "<p>" + "<br>".join(images) + "</p>" if images else ""

    @staticmethod
    def _alt(attachment: Item) -> str:
        return attachment.meta.get("_wp_attachment_image_alt") or attachment.title

    def featured(self, item: Item) -> int | None:
        """The id of a post's featured image here, or None."""
        attachment = self.attachments.get(int(item.meta.get("_thumbnail_id", "0") or 0))
        if attachment is None:
            return None
        media = self.media_for(attachment.attachment_url, self._alt(attachment))
        return media.id if media else None

    def social(self, item: Item) -> int | None:
        """The id here of the image Yoast or Rank Math shares on social media, or None."""
        for plugin in ("_yoast_wpseo_opengraph-image", "rank_math_facebook_image"):
            wp_id = item.meta.get(f"{plugin}-id" if plugin[0] == "_" else f"{plugin}_id", "")
            attachment = self.attachments.get(int(wp_id) if wp_id.isdigit() else 0)
            url = attachment.attachment_url if attachment else item.meta.get(plugin, "")
            if url:
                media = self.media_for(url, self._alt(attachment) if attachment else "")
                return media.id if media else None
        return None

    def unused(self) -> list[tuple[str, str]]:
        """Attachments no imported post or page used, as skipped items."""
        return [
            (f"attachment {wp_id} {item.title!r}", "not used by an imported post or page")
            for wp_id, item in self.attachments.items()
            if self.upload_path(item.attachment_url) not in self.used
        ]

    def imported(self, relative: str):
        """The image imported from this uploads file (by this run or an earlier one), or None."""
        return recorded(self.source, f"file:{relative}", Media)
