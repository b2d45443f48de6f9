"""Moving in from WordPress: posts, pages, categories, tags, images, the menu, old addresses.

Each post or page is saved through cms.content.service in its own transaction, and what was
created is recorded in imported_item, so running the import again adds nothing twice. A dry
run does all of it inside one transaction and rolls it back: its report is the real one.
"""

import os
from collections.abc import Callable
from contextlib import nullcontext

from ...accounts.actors import SYSTEM
from ...accounts.models import User
from ...content.categories import save_category
from ...content.fields import MAX_DESCRIPTION, MAX_EXCERPT, MAX_META, RESERVED_PAGE_SLUGS
from ...content.imported import keep_import_times
from ...content.models import Category, Page, Post, Tag
from ...content.records import Redirect
from ...content.redirects import add_redirect
from ...content.render import plain_text
from ...content.sanitize import TooComplex
from ...content.service import save_page, save_post
from ...content.slugs import make_slug, public_path
from ...core import clock
from ...core.db import db
from ...core.validation import ConflictError, ValidationError
from ..imports import Summary, record, recorded
from .images import Images
from .menus import Menus
from .old_addresses import OldAddresses
from .privacy import public_status, seo
from .wxr import Export, Item, WxrError, parse

SKIPPED_STATUSES = {"trash": "in the WordPress trash", "auto-draft": "an empty automatic draft",
                    "inherit": "a revision"}  # fmt: skip
SKIPPED_TYPES = {"wp_block": "a reusable block (put into the posts that use it)",
                 "revision": "an earlier revision", "oembed_cache": "an embed cache",
                 "customize_changeset": "a theme setting",
                 "wp_global_styles": "a theme setting"}  # fmt: skip
NOT_ENTRIES = ("attachment", "nav_menu_item")


class Rollback(Exception):
    """Raised at the end of a dry run to undo everything it wrote."""


class WordPressImport:
    """One run over one export file."""

    def __init__(self, export: Export, uploads: str | None, author: User | None):
        self.export, self.author, self.summary = export, author, Summary()
        self.source = f"wordpress:{export.base_url}"
        self.images = Images(export, uploads, self.source, self.summary)
        self.addresses = OldAddresses(export)
        self.blocks = {i.wp_id: i.content for i in export.items if i.type == "wp_block"}
        self.now = clock.utcnow()
        self.menu = Menus(export, self.source, self.summary, self.now)

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
        self.summary.redirects.append((old, new))

    def redirects(self, pairs) -> None:
        """Make these old addresses answer 301 with their new ones."""
        with db.atomic():
            for old, new in pairs:
                self._redirect(old, new)

    # Categories and tags -----------------------------------------------------------

    def categories(self) -> None:
        """Create the categories, parents before their children (existing slugs are reused)."""
        terms = {t["slug"]: t for t in self.export.categories}
        for item in self.export.items:
            for domain, slug, name in item.categories:
                if domain == "category" and slug and slug not in terms:
                    terms[slug] = {"slug": slug, "name": name, "parent": ""}
        done: set[str] = set()

        def create(slug: str, chain: list[str]) -> None:
            term = terms[slug]
            parent = term.get("parent") or ""
            if parent in terms and parent not in done and parent not in chain:
                create(parent, [slug, *chain])
            if slug not in done:
                done.add(slug)
                self._category(term, self._chain(slug, terms))

        for slug in list(terms):
            create(slug, [])

    @staticmethod
    def _chain(slug: str, terms: dict) -> list[str]:
        chain, parent = [slug], terms[slug].get("parent")
        while parent in terms and parent not in chain:  # nested: /category/parent/child/
            chain.insert(0, parent)
            parent = terms[parent].get("parent")
        return chain

    def _category(self, term: dict, chain: list[str]) -> None:
        slug = make_slug(term["slug"] or term["name"])
        category = Category.get_or_none(Category.slug == slug)
        if category is None:
            parent = make_slug(chain[-2]) if len(chain) > 1 else None
            description = plain_text(term.get("description", ""))[:MAX_DESCRIPTION]
            data = {"name": term["name"] or term["slug"], "slug": slug, "description": description}
            if parent and Category.select().where(Category.slug == parent).exists():
                data["parent"] = parent
            try:
                category = save_category(data, actor=SYSTEM)
                self.summary.imported["categories"] += 1
            except ValidationError as exc:
                self.summary.skipped.append((f"category {term['name']!r}", str(exc)))
                return
        self.redirects(self.addresses.category(term, chain, f"/category/{category.slug}"))

    def tags(self) -> None:
        """Old tag archives to the tags the imported published posts brought."""
        names = {t["slug"]: t["name"] for t in self.export.tags}
        for item in self.export.items:
            names.update({s: n for d, s, n in item.categories if d == "post_tag" and s})
        for wp_slug, name in names.items():
            tag = Tag.get_or_none(Tag.slug == make_slug(name))
            if tag is not None:
                self.redirects(self.addresses.tag(wp_slug, tag.url))

    # Posts and pages ----------------------------------------------------------------

    def _importable(self, item: Item) -> str | None:
        """Why this item is not imported as a post or page (None: it is)."""
        if item.type not in ("post", "page"):
            return None if item.type in NOT_ENTRIES else SKIPPED_TYPES.get(
                item.type, f"WordPress type {item.type!r}")  # fmt: skip
        if item.status in SKIPPED_STATUSES:
            return SKIPPED_STATUSES[item.status]
        return None if public_status(item, self.now)[0] else f"status {item.status!r}"

    def plan(self) -> None:
        """Learn the new address of every entry that will be public, for links in texts."""
        for item in self.export.items:
            if item.type in ("post", "page") and not self._importable(item):
                status, reason = public_status(item, self.now)
                if status == "published" and reason is None:
                    kind = item.type
                    self.addresses.plan_entry(item, public_path(kind, self._slug(item, kind)))

    def entries(self, progress: Callable[[int], None] = lambda total: None) -> None:
        """Import every post and page; everything else is reported as skipped."""
        published = []
        for item in self.export.items:
            progress(len(self.export.items))
            label = f"{item.type} {item.wp_id} {item.title!r}"
            if (reason := self._importable(item)) is not None:
                self.summary.skipped.append((label, reason))
                continue
            if item.type in NOT_ENTRIES:  # images go with their posts, menu entries to menus
                continue
            model = Post if item.type == "post" else Page
            if recorded(self.source, str(item.wp_id), model) is not None:
                self.summary.skipped.append((label, "already imported"))
                continue
            self.images.notes = []
            try:
                with db.atomic():
                    if self._entry(item, model, label):
                        published.append(item)
            except (ValidationError, TooComplex) as exc:  # TooComplex: HTML kept as HTML
                self.summary.skipped.append((label, str(exc)))
            self.summary.notes += [f"{label}: {n}" for n in dict.fromkeys(self.images.notes)]
            if item.comments:
                self.summary.notes.append(f"{label}: {item.comments} comments not imported")
        self.summary.skipped += self.images.unused()
        self.redirects(self.addresses.site(published))
        self.redirects(self.addresses.attachments(self.images))

    def _slug(self, item: Item, kind: str) -> str:
        slug = make_slug(item.slug) if item.slug else make_slug(item.title)
        return f"{slug}-page" if kind == "page" and slug in RESERVED_PAGE_SLUGS else slug

    def _entry(self, item: Item, model, label: str) -> bool:
        """Save one post or page; True when it is public now."""
        kind = "post" if model is Post else "page"
        from .blocks import footnote_texts
        from .content import convert  # BeautifulSoup and markdownify: import-time only

        images = self.images
        converted = convert(item.content, images.image, images.gallery, self.addresses.link,
                            self.blocks, footnote_texts(item.meta))  # fmt: skip
        images.notes += converted.notes
        slug = self._slug(item, kind)
        if slug != make_slug(item.slug or item.title):
            images.notes.append(f"address /{slug[:-5]} is used by this site; saved as /{slug}")
        if model.select().where(model.slug == slug).exists():
            raise ConflictError({"slug": f"{public_path(kind, slug)} already exists"})
        status, held = public_status(item, self.now)
        when = item.date_gmt or item.date_local
        data = {
            "title": item.title.strip() or f"Untitled {kind} {item.wp_id}",
            "slug": slug or None,
            "body": converted.body,
            "excerpt": plain_text(item.excerpt)[:MAX_EXCERPT],
            "status": status,
            "published_at": when if status == "published" else None,
            "social_image": images.social(item),
        } | seo(item, MAX_META)
        if model is Post:
            data["categories"] = self._post_categories(item)
            data["tags"] = list(dict.fromkeys(n for d, s, n in item.categories if d == "post_tag"))
            data["featured_image"] = images.featured(item)
        save = save_post if model is Post else save_page
        entry = save(data, actor=SYSTEM, author=self._author(item), note="imported from WordPress")
        if when:
            keep_import_times(entry, created_at=when, actor=SYSTEM)
        record(self.source, str(item.wp_id), kind, entry.id)
        self.summary.imported[f"{kind}s"] += 1
        if held:
            self.summary.held.append((label, held))
        if entry.status != "published":
            return False  # no old address tells where a draft went
        self.redirects((old, public_path(kind, entry.slug)) for old in self.addresses.entry(item))
        return held is None

    def _post_categories(self, item: Item) -> list[str]:
        slugs = [make_slug(s or n) for d, s, n in item.categories if d == "category"]
        return [s for s in dict.fromkeys(slugs) if Category.select().where(Category.slug == s)]

    def _author(self, item: Item) -> User | None:
        if self.author is not None:
            return self.author
        email = self.export.authors.get(item.creator, "")
        return User.get_or_none(User.email == email) if email else None


def import_wordpress(
    path: str,
    uploads: str | None = None,
    author: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] = lambda total: None,
    replace_menu: bool = False,
) -> Summary:
    """Import a WXR file (with dry_run, report what would happen and change nothing);
    progress(total) is called once per item of the export. The header menu is replaced
    only while it is the one a new site starts with, or with replace_menu.
    Raises WxrError (nothing imported) for a bad file or option."""
    export = parse(path)
    if uploads and not os.path.isdir(uploads):
        raise WxrError(f"The uploads folder {uploads} does not exist.")
    user = None
    if author:
        user = User.get_or_none(User.email == author.strip().lower())
        if user is None:
            raise WxrError(f"There is no account with the e-mail {author}.")
    run = WordPressImport(export, uploads, user)
    try:
        with db.atomic() if dry_run else nullcontext():
            run.categories()
            run.plan()
            run.entries(progress)
            run.tags()
            run.menu.run(replace_menu)
            if dry_run:
                raise Rollback
    except Rollback:
        run.summary.dry_run = True
    return run.summary
