"""Moving in from WordPress: posts, pages, categories, tags, images and the old addresses.

Each post or page is saved through cms.content.service in its own transaction, and what was
created is recorded in imported_item, so running the import again adds nothing twice.
"""

import os
import re
from urllib.parse import unquote, urlsplit

from flask import request

from ...accounts.actors import SYSTEM
from ...accounts.models import User
from ...content.models import Category, Page, Post, Redirect
from ...content.render import plain_text
from ...content.sanitize import TooComplex
from ...content.service import (
    MAX_DESCRIPTION,
    RESERVED_PAGE_SLUGS,
    add_redirect,
    make_slug,
    public_path,
    save_category,
    save_page,
    save_post,
)
from ...core.db import db
from ...core.errors import moved_to
from ...core.validation import ConflictError, ValidationError
from ..imports import Summary, record, recorded
from .wxr import Export, Item, WxrError, parse, url_path

STATUSES = {"publish": "published", "future": "published", "draft": "draft",
            "pending": "draft", "private": "draft"}  # fmt: skip
SKIPPED_STATUSES = {"trash": "in the WordPress trash", "auto-draft": "an empty automatic draft",
                    "inherit": "a revision"}  # fmt: skip
IMAGE_FILE = re.compile(r"\.(jpe?g|png|webp)$", re.I)
SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.\w+$)")  # photo-300x200.jpg is a copy of photo.jpg
QUERY_KEYS = ("p", "page_id", "cat")  # WordPress's "plain" permalinks: /?p=123


class WordPressImport:
    """One run over one export file."""

    def __init__(self, export: Export, uploads: str | None, author: User | None):
        self.export, self.author, self.summary = export, author, Summary()
        self.uploads = os.path.realpath(uploads) if uploads else None
        self.source = f"wordpress:{export.base_url}"
        self.prefix = urlsplit(export.base_url).path.rstrip("/")
        self.attachments = {i.wp_id: i for i in export.items if i.type == "attachment"}
        self.used_attachments: set[str] = set()
        self._notes: list[str] = []

    def _record(self, source_id: str, kind: str, object_id: int) -> None:
        record(self.source, source_id, kind, object_id)

    def _recorded(self, source_id: str, model):
        return recorded(self.source, source_id, model)

    def _redirect(self, old: str, new: str) -> None:
        old = old if "?" in old else old.rstrip("/")
        if (
            old in ("", new)
            or Redirect.select()
            .where((Redirect.old_path == old) & (Redirect.new_path == new))
            .exists()
        ):
            return
        try:
            add_redirect(old, new)  # checked like every redirect: local targets only
        except ValidationError as exc:
            self.summary.skipped.append((f"old address {old!r}", str(exc)))
            return
        self.summary.imported["redirects"] += 1

    # Categories and tags -----------------------------------------------------------

    def categories(self) -> None:
        """Create categories for WordPress categories and tags (existing slugs are reused)."""
        terms = [dict(t, kind="category") for t in self.export.categories]
        terms += [dict(t, kind="tag", parent="") for t in self.export.tags]
        declared = {t["slug"] for t in terms}
        for item in self.export.items:
            for domain, slug, name in item.categories:
                if domain in ("category", "post_tag") and slug and slug not in declared:
                    declared.add(slug)
                    kind = "category" if domain == "category" else "tag"
                    terms.append({"slug": slug, "name": name, "kind": kind, "parent": ""})
        parents = {t["slug"]: t.get("parent", "") for t in terms if t["kind"] == "category"}
        for term in terms:
            self._category(term, parents)

    def _category(self, term: dict, parents: dict) -> None:
        slug = make_slug(term["slug"] or term["name"])
        category = Category.get_or_none(Category.slug == slug)
        if category is None:
            try:
                category = save_category(
                    {"name": term["name"] or term["slug"], "slug": slug,
                     "description": plain_text(term.get("description", ""))[:MAX_DESCRIPTION]}
                )  # fmt: skip
                self.summary.imported["categories"] += 1
            except ValidationError as exc:
                self.summary.skipped.append((f"category {term['name']!r}", str(exc)))
                return
        new, query = f"/category/{category.slug}", None
        if term["kind"] == "tag":
            old = f"{self.prefix}/tag/{term['slug']}"
        else:
            chain, parent, seen = [term["slug"]], parents.get(term["slug"]), set()
            while parent and parent not in seen:  # nested: /category/parent/child/
                seen.add(parent)
                chain.insert(0, parent)
                parent = parents.get(parent)
            old = f"{self.prefix}/category/{'/'.join(chain)}"
            if term.get("term_id"):
                query = f"{self.prefix}/?cat={term['term_id']}"
        with db.atomic():
            self._redirect(old, new)
            if query:
                self._redirect(query, new)

    # Images --------------------------------------------------------------------------

    def _upload_path(self, url: str) -> str | None:
        path = unquote(urlsplit(url).path)
        if "/wp-content/uploads/" not in path or not IMAGE_FILE.search(path):
            return None
        return path.split("/wp-content/uploads/", 1)[1]

    def image(self, src: str, alt: str | None) -> str | None:
        """A local URL for an image from the old site (imported once), or None.

        alt is None for a link that merely points at an image file (kept if not found)."""
        from ...media.service import media_url

        if src.startswith("/media/"):
            return src
        media = self._image_media(src, alt)
        return media_url(media) if media else None

    def _image_media(self, src: str, alt: str | None):
        relative = self._upload_path(src)
        if relative is None:
            if alt is not None:
                self._notes.append(f"image from another site removed: {src}")
            return None
        for candidate in dict.fromkeys([SIZE_SUFFIX.sub("", relative), relative]):
            media = self._media(candidate, alt)
            if media is not None:
                return media
        if alt is not None:
            reason = "no --uploads folder given" if not self.uploads else "not in the uploads"
            self._notes.append(f"image {relative} removed ({reason})")
        return None

    def _media(self, relative: str, alt: str | None):
        from ...media.models import Media
        from ...media.service import process_upload

        self.used_attachments.add(relative)
        known = self._recorded(f"file:{relative}", Media)
        if known is not None or not self.uploads:
            return known
        path = os.path.realpath(os.path.join(self.uploads, relative))
        if os.path.commonpath([path, self.uploads]) != self.uploads or not os.path.isfile(path):
            return None  # outside the uploads folder (../ or a symlink), or missing
        described = alt or self._attachment_alt(relative)
        if not described:
            described = os.path.splitext(os.path.basename(relative))[0].replace("-", " ")
            self._notes.append(f"image {relative} had no description; its file name was used")
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            media = process_upload(data, os.path.basename(relative), described, actor=SYSTEM)
        except ValidationError as exc:
            self._notes.append(f"image {relative} not imported: {exc}")
            return None
        self._record(f"file:{relative}", "media", media.id)
        self.summary.imported["images"] += 1
        return media

    def _attachment_alt(self, relative: str) -> str:
        for item in self.attachments.values():
            if self._upload_path(item.attachment_url) == relative:
                return item.meta.get("_wp_attachment_image_alt") or item.title
        return ""

    def gallery(self, ids: list[int]) -> str:
        """[gallery ids="..."] as a paragraph of images."""
        urls = [self.attachments[i].attachment_url for i in ids if i in self.attachments]
        return "<p>" + "".join(f'<img src="{u}" alt="">' for u in urls) + "</p>" if urls else ""

    # Posts and pages ----------------------------------------------------------------

    def entries(self) -> None:
        """Import every post and page; everything else is reported as skipped."""
        for item in self.export.items:
            label = f"{item.type} {item.wp_id} {item.title!r}"
            if item.type not in ("post", "page"):
                if item.type != "attachment":
                    self.summary.skipped.append((label, f"WordPress type {item.type!r}"))
                continue
            if item.status in SKIPPED_STATUSES or item.status not in STATUSES:
                reason = SKIPPED_STATUSES.get(item.status, f"status {item.status!r}")
                self.summary.skipped.append((label, reason))
                continue
            model = Post if item.type == "post" else Page
            if self._recorded(str(item.wp_id), model) is not None:
                self.summary.skipped.append((label, "already imported"))
                continue
            self._notes = []
            try:
                with db.atomic():
                    self._entry(item, model)
            except (ValidationError, TooComplex) as exc:  # TooComplex: HTML kept as HTML
                self.summary.skipped.append((label, str(exc)))
            self.summary.notes += [f"{label}: {n}" for n in dict.fromkeys(self._notes)]
            if item.comments:
                self.summary.notes.append(f"{label}: {item.comments} comments not imported")
        for wp_id, item in self.attachments.items():
            if self._upload_path(item.attachment_url) not in self.used_attachments:
                self.summary.skipped.append(
                    (f"attachment {wp_id} {item.title!r}", "not used by an imported post or page")
                )

    def _entry(self, item: Item, model) -> None:
        kind = "post" if model is Post else "page"
        from .content import convert  # BeautifulSoup and markdownify: import-time only

        converted = convert(item.content, self.image, self.gallery, self.export.base_url)
        self._notes += converted.notes
        slug = make_slug(item.slug) if item.slug else ""
        if model is Page and slug in RESERVED_PAGE_SLUGS:
            self._notes.append(f"address /{slug} is used by this site; saved as /{slug}-page")
            slug = f"{slug}-page"
        if model.select().where(model.slug == slug).exists():
            raise ConflictError({"slug": f"{public_path(kind, slug)} already exists"})
        when = item.date_gmt or item.date_local
        data = {
            "title": item.title.strip() or f"Untitled {kind} {item.wp_id}",
            "slug": slug or None,
            "body": converted.body,
            "excerpt": plain_text(item.excerpt)[:1000],
            "status": STATUSES[item.status],
            "published_at": when if item.status in ("publish", "future") else None,
        }
        if item.status in ("private", "pending"):
            self._notes.append(f"{item.status} in WordPress; imported as a draft")
        if model is Post:
            data["categories"] = self._post_categories(item)
            data["featured_image"] = self._featured(item)
        save = save_post if model is Post else save_page
        entry = save(data, user=self._author(item), note="imported from WordPress")
        model.update(created_at=when or entry.created_at).where(model.id == entry.id).execute()
        self._record(str(item.wp_id), kind, entry.id)
        self.summary.imported[f"{kind}s"] += 1
        if entry.status == "published":
            self._entry_redirects(item, kind, public_path(kind, entry.slug))

    def _entry_redirects(self, item: Item, kind: str, new: str) -> None:
        old_slug = item.slug or make_slug(item.title)
        paths = [url_path(item.link), f"{self.prefix}/{old_slug}"]
        if kind == "post" and item.date_local:
            paths.append(f"{self.prefix}/{item.date_local:%Y/%m}/{old_slug}")
        paths.append(f"{self.prefix}/?{'p' if kind == 'post' else 'page_id'}={item.wp_id}")
        for old in dict.fromkeys(paths):
            self._redirect(old, new)

    def _post_categories(self, item: Item) -> list[str]:
        slugs = [make_slug(s or n) for d, s, n in item.categories if d in ("category", "post_tag")]
        return [s for s in dict.fromkeys(slugs) if Category.select().where(Category.slug == s)]

    def _featured(self, item: Item):
        attachment = self.attachments.get(int(item.meta.get("_thumbnail_id", "0") or 0))
        if attachment is None:
            return None
        alt = attachment.meta.get("_wp_attachment_image_alt") or attachment.title
        media = self._image_media(attachment.attachment_url, alt)
        return media.id if media else None

    def _author(self, item: Item) -> User | None:
        if self.author is not None:
            return self.author
        email = self.export.authors.get(item.creator, "")
        return User.get_or_none(User.email == email) if email else None


def import_wordpress(path: str, uploads: str | None = None, author: str | None = None) -> Summary:
    """Import a WXR file. Raises WxrError (nothing imported) for a bad file or option."""
    export = parse(path)
    if uploads and not os.path.isdir(uploads):
        raise WxrError(f"The uploads folder {uploads} does not exist.")
    user = None
    if author:
        user = User.get_or_none(User.email == author.strip().lower())
        if user is None:
            raise WxrError(f"There is no account with the e-mail {author}.")
    run = WordPressImport(export, uploads, user)
    run.categories()
    run.entries()
    return run.summary


def legacy_redirect():
    """before_request: /?p=123 and friends (the path alone is "/", so the 404 hook misses them)."""
    if not request.args or not request.path.endswith("/"):
        return None
    for key in QUERY_KEYS:
        value = request.args.get(key, "")
        if value.isdigit():
            old = f"{request.path.rstrip('/')}/?{key}={value}"
            target = Redirect.get_or_none(Redirect.old_path == old)
            if target is not None:
                return moved_to(target.new_path)  # only to live content, checked now
    return None


def init_app(app) -> None:
    """Answer WordPress's query-string addresses."""
    app.before_request(legacy_redirect)
