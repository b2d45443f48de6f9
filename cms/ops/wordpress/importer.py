"""Moving in from WordPress: posts, pages, categories, tags, images and the old addresses.

Each post or page is saved through cms.content.service in its own transaction, and what was
created is recorded in imported_item, so running the import again adds nothing twice.
"""

import os
from urllib.parse import urlsplit

from flask import request

from ...accounts.actors import SYSTEM
from ...accounts.models import User
from ...content.addresses import moved_to
from ...content.categories import save_category
from ...content.fields import MAX_DESCRIPTION, MAX_EXCERPT, RESERVED_PAGE_SLUGS
from ...content.imported import keep_import_times
from ...content.models import Category, Page, Post
from ...content.records import Redirect
from ...content.redirects import add_redirect
from ...content.render import plain_text
from ...content.sanitize import TooComplex
from ...content.service import save_page, save_post
from ...content.slugs import make_slug, public_path
from ...core.db import db
from ...core.validation import ConflictError, ValidationError
from ..imports import Summary, record, recorded
from .images import Images
from .query_keys import QUERY_KEYS
from .wxr import Export, Item, WxrError, parse, url_path

STATUSES = {"publish": "published", "future": "published", "draft": "draft",
            "pending": "draft", "private": "draft"}  # fmt: skip
SKIPPED_STATUSES = {"trash": "in the WordPress trash", "auto-draft": "an empty automatic draft",
                    "inherit": "a revision"}  # fmt: skip


class WordPressImport:
    """One run over one export file."""

    def __init__(self, export: Export, uploads: str | None, author: User | None):
        self.export, self.author, self.summary = export, author, Summary()
        self.source = f"wordpress:{export.base_url}"
        self.prefix = urlsplit(export.base_url).path.rstrip("/")
        self.images = Images(export, uploads, self.source, self.summary)

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
            add_redirect(old, new, actor=SYSTEM)  # checked like every redirect: local targets only
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
                     "description": plain_text(term.get("description", ""))[:MAX_DESCRIPTION]},
                    actor=SYSTEM,
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
            self.images.notes = []
            try:
                with db.atomic():
                    self._entry(item, model)
            except (ValidationError, TooComplex) as exc:  # TooComplex: HTML kept as HTML
                self.summary.skipped.append((label, str(exc)))
            self.summary.notes += [f"{label}: {n}" for n in dict.fromkeys(self.images.notes)]
            if item.comments:
                self.summary.notes.append(f"{label}: {item.comments} comments not imported")
        self.summary.skipped += self.images.unused()

    def _entry(self, item: Item, model) -> None:
        kind = "post" if model is Post else "page"
        from .content import convert  # BeautifulSoup and markdownify: import-time only

        images = self.images
        converted = convert(item.content, images.image, images.gallery, self.export.base_url)
        images.notes += converted.notes
        slug = make_slug(item.slug) if item.slug else ""
        if model is Page and slug in RESERVED_PAGE_SLUGS:
            images.notes.append(f"address /{slug} is used by this site; saved as /{slug}-page")
            slug = f"{slug}-page"
        if model.select().where(model.slug == slug).exists():
            raise ConflictError({"slug": f"{public_path(kind, slug)} already exists"})
        when = item.date_gmt or item.date_local
        data = {
            "title": item.title.strip() or f"Untitled {kind} {item.wp_id}",
            "slug": slug or None,
            "body": converted.body,
            "excerpt": plain_text(item.excerpt)[:MAX_EXCERPT],
            "status": STATUSES[item.status],
            "published_at": when if item.status in ("publish", "future") else None,
        }
        if item.status in ("private", "pending"):
            images.notes.append(f"{item.status} in WordPress; imported as a draft")
        if model is Post:
            data["categories"] = self._post_categories(item)
            data["featured_image"] = images.featured(item)
        save = save_post if model is Post else save_page
        note = "imported from WordPress"
        entry = save(data, actor=SYSTEM, author=self._author(item), note=note)
        if when:
            keep_import_times(entry, created_at=when, actor=SYSTEM)
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
