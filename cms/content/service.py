"""The one way to change content. The editor, the Admin API, the CLI and imports call these.

Each function validates, writes inside one IMMEDIATE transaction, keeps a revision,
keeps the search index and redirects in step, and raises ValidationError with the
fields at fault instead of writing anything partial.

What an actor (an account, an API token, or SYSTEM for server commands) may act as is
decided in cms.accounts.actors; content is open to both roles, and cms.site (settings,
notices, menu) keeps the site's own parts to administrators.
"""

import json
import re
from datetime import date, datetime

from slugify import slugify

from ..accounts.models import User
from ..core import clock
from ..core.db import db
from ..core.security import row_id
from ..core.validation import (
    ConflictError,
    TimeProblem,
    ValidationError,
    check_version,
    multi_line,
    parse_date,
    parse_datetime,
    single_line,
    version_token,
)
from ..media.models import Media
from .models import (
    STATUSES,
    Category,
    CategoryTrash,
    Page,
    Post,
    PostCategory,
    Redirect,
    Revision,
    SearchEntry,
)
from .render import make_excerpt, plain_text, render_markdown
from .sanitize import TooComplex, url_scheme

MAX_TITLE = 200
MAX_SLUG = 120
MAX_BODY = 200_000
MAX_META = 300
MAX_EXCERPT = 1000
MAX_DESCRIPTION = 1000
MAX_CATEGORY_NAME = 80
MAX_NOTE = 200
MAX_PATH = 2000
MAX_CATEGORIES = 20  # per entry: each is a row, a link on the page and a feed's entry
RESERVED_PAGE_SLUGS = frozenset(
    {"admin", "api", "blog", "category", "archive", "search", "feed.xml", "sitemap.xml",
     "robots.txt", "static", "media", "contact", "healthz", "theme.css", "favicon.ico",
     "login", "logout", "setup", "preview"}
)  # fmt: skip
SLUG_TAKEN = "This slug is already used; choose another."


ENTRY_VERSIONED = (
    "title", "slug", "body", "excerpt", "meta_description", "status", "published_at",
    "updated_at", "deleted_at",
)  # fmt: skip


def entry_version(entry) -> str:
    """The version of a post or page (its ETag): it changes with every save, trash and restore."""
    state = [type(entry).__name__, entry.id, *(getattr(entry, f) for f in ENTRY_VERSIONED)]
    if isinstance(entry, Post):
        links = PostCategory.select(PostCategory.category).where(PostCategory.post == entry.id)
        state += [entry.featured_image_id, sorted(link.category_id for link in links)]
    else:
        state += [entry.is_policy, entry.effective_date]
    return version_token(*state)


def category_version(category: Category) -> str:
    """The version of a category (its ETag)."""
    return version_token(category.id, category.name, category.slug, category.description)


def _locked_category(category: Category, expected_version) -> Category:
    """Under the write lock: the category as stored now, if it is still the expected version."""
    current = Category.get_or_none(Category.id == category.id)
    if current is None:
        raise ValidationError({"category": "This category no longer exists."})
    check_version(expected_version, category_version(current), current)
    return current


def _locked(model, entry, expected_version):
    """Under the write lock: the entry as stored now, if it is still the expected version."""
    current = model.get_or_none(model.id == entry.id)
    if current is None:
        raise ValidationError({"entry": "This post or page no longer exists."})
    check_version(expected_version, entry_version(current), current)
    return current


def make_slug(text: str) -> str:
    """A URL slug from any text (ASCII, lower case, hyphens)."""
    return slugify(text or "", max_length=MAX_SLUG, word_boundary=True) or "untitled"


def _slug_taken(model, slug: str, entry) -> bool:
    others = model.select().where(model.id != (entry.id if entry else 0))
    return others.where(model.slug == slug).exists()


def _unique_slug(model, base: str, entry=None) -> str:
    slug, n = base, 2
    while _slug_taken(model, slug, entry):
        suffix = f"-{n}"
        slug, n = base[: MAX_SLUG - len(suffix)] + suffix, n + 1
    return slug


def _requested_slug(data: dict) -> str:
    return str(data.get("slug") or "").strip()


def _claim_slug(model, slug: str, entry, chosen: bool) -> str:
    """Under the write lock: a chosen slug if still free, else the first free variant."""
    if not chosen:
        return _unique_slug(model, slug, entry)
    if _slug_taken(model, slug, entry):  # taken since validation, by a concurrent save
        raise ConflictError({"slug": SLUG_TAKEN})
    return slug


def _given(data: dict, field: str, entry):
    """A field's value from data, else the entry's current value (None for a new entry)."""
    return data.get(field, getattr(entry, field, None) if entry else None)


def _check_texts(data: dict, entry, errors: dict, clean: dict) -> None:
    """Title, body, excerpt, meta description and status: the rules every saved state keeps.

    A value sent is refused if it breaks the text rule; one kept from what is stored (not
    sent now) has what the rule refuses removed, so an old value cannot block a change.
    """
    texts = (
        ("title", single_line, {"limit": MAX_TITLE, "required": "A title is required."}),
        ("body", multi_line, {"limit": MAX_BODY, "strip": False}),
        ("excerpt", multi_line, {"limit": MAX_EXCERPT}),
        ("meta_description", multi_line, {"limit": MAX_META}),
    )
    for field, rule, options in texts:
        value = _given(data, field, entry)
        clean[field] = rule(value, field, errors, refuse=field in data, **options)
    sent = data.get("excerpt", entry.excerpt if entry else None)
    if entry is not None and not entry.excerpt_typed and sent == entry.excerpt:
        clean["excerpt"] = ""  # the excerpt made from the text (sent back as read): made again
    status = data.get("status", entry.status if entry else "draft")
    if not isinstance(status, str) or status not in STATUSES:
        errors["status"] = "Status must be draft or published."
    clean["status"] = status


def _check_slug_shape(slug: str, model, errors: dict) -> None:
    if slug != make_slug(slug) or len(slug) > MAX_SLUG:
        errors["slug"] = "Use lower-case letters, digits and hyphens only."
    if model is Page and slug in RESERVED_PAGE_SLUGS:
        errors["slug"] = "This address is reserved by the site; choose another."


def _published_at(value, errors: dict):
    """A publish time from a datetime, an ISO 8601 string or None, as naive UTC."""
    try:
        return parse_datetime(value)
    except TimeProblem as problem:
        errors["published_at"] = str(problem)
        return None


def _validate_entry(model, data: dict, entry) -> dict:
    """Check fields; return cleaned values. Raises ValidationError."""
    errors, clean = {}, {}
    _check_texts(data, entry, errors, clean)
    status = clean["status"]
    slug = _requested_slug(data)
    if slug:
        _check_slug_shape(slug, model, errors)
        if "slug" not in errors and _slug_taken(model, slug, entry):
            errors["slug"] = SLUG_TAKEN
        clean["slug"] = slug
    elif entry is not None:
        clean["slug"] = entry.slug
    else:
        base = make_slug(clean["title"])
        if model is Page and base in RESERVED_PAGE_SLUGS:
            base = f"{base}-page"
        clean["slug"] = base  # made unique when saving, under the write lock
    published_at = _published_at(
        data.get("published_at", entry.published_at if entry else None), errors
    )
    if status == "published" and published_at is None and "published_at" not in errors:
        published_at = clock.utcnow()
    clean["published_at"] = published_at.replace(microsecond=0) if published_at else None
    if errors:
        conflict = errors.keys() == {"slug"} and errors["slug"] == SLUG_TAKEN
        raise (ConflictError if conflict else ValidationError)(errors)
    return clean


def _categories_from(value) -> list[Category]:
    """Resolve category ids, slugs or Category objects; unknown ones are an error."""
    if value is not None and not isinstance(value, list | tuple):
        raise ValidationError({"categories": "Give a list of categories."})
    if len(value or ()) > MAX_CATEGORIES:
        raise ValidationError({"categories": f"Choose at most {MAX_CATEGORIES} categories."})
    found, unknown = [], []
    for item in value or []:
        if isinstance(item, Category):
            found.append(item)
            continue
        key = str(item).strip()
        cat = Category.get_or_none(Category.slug == key)
        if cat is None and row_id(key) is not None:
            cat = Category.get_or_none(Category.id == row_id(key))
        (found if cat else unknown).append(cat or key)
    if unknown:  # a reference to what is not there (now): a conflict, not a malformed value
        raise ConflictError({"categories": f"Unknown categories: {', '.join(map(str, unknown))}."})
    return list({c.id: c for c in found}.values())


def _index(kind: str, entry) -> None:
    SearchEntry.forget(kind, [entry.id])
    if entry.is_visible or entry.is_scheduled:  # visibility is re-checked at query time
        SearchEntry.insert(
            rowid=SearchEntry.key(kind, entry.id),
            title=re.sub(r"[\x00-\x1f]+", " ", entry.title),
            body=plain_text(entry.body_html),
            kind=kind,
            ref=entry.id,
        ).execute()


def _record_revision(kind: str, entry, user, note: str = "") -> Revision:
    return Revision.create(
        kind=kind, object_id=entry.id, title=entry.title, slug=entry.slug, body=entry.body,
        excerpt=entry.excerpt, excerpt_typed=entry.excerpt_typed,
        meta_description=entry.meta_description, status=entry.status,
        published_at=entry.published_at, effective_date=getattr(entry, "effective_date", None),
        user=user, note=note,
    )  # fmt: skip


def import_revision(kind: str, object_id: int, data: dict, user, created_at) -> Revision:
    """Store an earlier saved state brought by an import, under the rules of a save."""
    errors, clean = {}, {}
    if kind not in ("post", "page"):
        raise ValidationError({"kind": "Must be post or page."})
    _check_texts(data, None, errors, clean)
    slug = data.get("slug")
    if isinstance(slug, str):
        _check_slug_shape(slug, None, errors)  # reserved names may postdate the revision
    else:
        errors["slug"] = "This must be text."
    published_at = _published_at(data.get("published_at"), errors)
    note = single_line(data.get("note"), "note", errors, limit=MAX_NOTE)
    if not isinstance(created_at, datetime):
        errors["created_at"] = "Use a date and time such as 2026-05-01T09:00."
    if errors:
        raise ValidationError(errors)
    with db.atomic():
        return Revision.create(
            kind=kind, object_id=object_id, slug=slug, published_at=published_at, user=user,
            effective_date=_effective_date(data.get("effective_date")), note=note,
            created_at=created_at, excerpt_typed=bool(clean["excerpt"]), **clean,
        )  # fmt: skip


def _effective_date(value) -> date | None:
    try:
        return parse_date(value)
    except TimeProblem as problem:
        raise ValidationError({"effective_date": str(problem)}) from None


def _save_entry(model, kind: str, data: dict, entry=None, user=None, note="", version=None):
    clean = _validate_entry(model, data, entry)
    categories = _categories_from(data["categories"]) if "categories" in data else None
    extra = {}
    if model is Page:
        extra["is_policy"] = data.get("is_policy", entry.is_policy if entry else False)
        if not isinstance(extra["is_policy"], bool):
            raise ValidationError({"is_policy": "Must be true or false."})
        extra["effective_date"] = _effective_date(
            data.get("effective_date", entry.effective_date if entry else None)
        )
    if model is Post and "featured_image" in data:
        media_id = data["featured_image"] or None
        if media_id is not None and (
            type(media_id) is not int
            or row_id(media_id) is None
            or not Media.select().where(Media.id == media_id).exists()
        ):
            raise ConflictError({"featured_image": "No such image."})
        extra["featured_image"] = media_id
    try:
        body_html = render_markdown(clean["body"])  # before the transaction: the slow part
    except TooComplex as exc:
        raise ValidationError({"body": str(exc)}) from None
    with db.atomic():
        if entry is not None:
            current = _locked(model, entry, version)
            if entry_version(current) != entry_version(entry):  # saved meanwhile, unchecked:
                return _save_entry(model, kind, data, current, user, note)  # apply data to it
        old_path = entry and entry.is_visible and public_path(kind, entry.slug)
        fields = dict(clean, **extra, body_html=body_html, updated_at=clock.utcnow())
        # An excerpt not typed (or typed as the text begins) is made from the text at each
        # save, so words removed from the text leave the lists, feeds and meta tags too.
        made = make_excerpt(body_html)
        fields["excerpt"] = clean["excerpt"] or made
        fields["excerpt_typed"] = fields["excerpt"] != made
        fields["slug"] = _claim_slug(model, clean["slug"], entry, bool(_requested_slug(data)))
        if entry is None:
            entry = model.create(author=user, **fields)
        else:
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.save()
        if categories is not None and model is Post:
            PostCategory.delete().where(PostCategory.post == entry).execute()
            PostCategory.insert_many(
                [(entry.id, c.id) for c in categories],
                fields=[PostCategory.post, PostCategory.category],
            ).execute()
        new_path = public_path(kind, entry.slug)
        if old_path and old_path != new_path:
            add_redirect(old_path, new_path)
        Redirect.delete().where(Redirect.old_path == new_path).execute()
        _index(kind, entry)
        _record_revision(kind, entry, user, note)
    return entry


def public_path(kind: str, slug: str) -> str:
    """The public URL path of a post or page."""
    return f"/blog/{slug}" if kind == "post" else f"/{slug}"


def _redirect_errors(old_path, new_path) -> dict[str, str]:
    """An old address may be any path here; the new one only a path on this site."""
    errors = {}
    for field, value in (("old_path", old_path), ("new_path", new_path)):
        if not (
            isinstance(value, str)
            and value.startswith("/")
            and len(value) <= MAX_PATH
            and value.isprintable()
        ):
            errors[field] = "Use a path on this site, such as /blog/a-post."
    # No scheme, no //host or /\host, nothing a browser would skip (so no open redirect).
    if "new_path" not in errors and (
        url_scheme(new_path) is not None or any(c.isspace() for c in new_path)
    ):
        errors["new_path"] = "A redirect may lead only to a path on this site."
    if not errors and old_path == new_path:
        errors["new_path"] = "A redirect cannot lead to the address it comes from."
    return errors


def save_redirect(old_path: str, new_path: str, created_at: datetime | None = None) -> None:
    """Make old_path answer 301 -> new_path (as given: imports keep their own chains)."""
    if errors := _redirect_errors(old_path, new_path):
        raise ValidationError(errors)
    when = created_at or clock.utcnow()
    with db.atomic():
        Redirect.replace(old_path=old_path, new_path=new_path, created_at=when).execute()


def add_redirect(old_path: str, new_path: str) -> None:
    """Make old_path answer 301 -> new_path, and re-point chains to the new target."""
    if errors := _redirect_errors(old_path, new_path):
        raise ValidationError(errors)
    with db.atomic():
        Redirect.update(new_path=new_path).where(Redirect.new_path == old_path).execute()
        Redirect.replace(old_path=old_path, new_path=new_path, created_at=clock.utcnow()).execute()


def save_post(
    data: dict, post: Post | None = None, user: User | None = None, note="", expected_version=None
) -> Post:
    """Create (post=None) or update a post from a dict of fields.

    With expected_version (the entry_version the change started from, or several), a post
    saved by someone else since is not overwritten: StaleError instead. Fields left out
    of `data` keep what is stored when the change is written.
    """
    return _save_entry(Post, "post", data, post, user, note, expected_version)


def save_page(
    data: dict, page: Page | None = None, user: User | None = None, note="", expected_version=None
) -> Page:
    """Create (page=None) or update a page from a dict of fields (expected_version as for posts)."""
    return _save_entry(Page, "page", data, page, user, note, expected_version)


def publish(entry, user=None, at: datetime | None = None, expected_version=None):
    """Publish now, or schedule when `at` is in the future."""
    kind = "post" if isinstance(entry, Post) else "page"
    data = {"status": "published", "published_at": at or clock.utcnow()}
    note = "published" if not at else "scheduled"
    return _save_entry(type(entry), kind, data, entry, user, note, expected_version)


def unpublish(entry, user=None, expected_version=None):
    """Turn a published entry back into a draft."""
    kind = "post" if isinstance(entry, Post) else "page"
    data = {"status": "draft"}
    return _save_entry(type(entry), kind, data, entry, user, "unpublished", expected_version)


def publish_state(entry) -> tuple | None:
    """What names a save in the activity log: (status, published_at); None for a new entry."""
    return (entry.status, entry.published_at) if entry else None


def save_action(before: tuple | None, after) -> str:
    """The activity verb of a save: create, publish, schedule, unpublish or update."""
    if before is None:
        if after.status != "published":
            return "create"
        before = ("draft", None)  # created straight into publishing: log that
    if after.status == "published" and before != ("published", after.published_at):
        return "schedule" if after.is_scheduled else "publish"
    if before[0] == "published" and after.status == "draft":
        return "unpublish"
    return "update"


def trash(entry, expected_version=None) -> None:
    """Move an entry to the trash (restorable)."""
    model = type(entry)
    with db.atomic():
        current = _locked(model, entry, expected_version)
        now = clock.utcnow()
        entry.deleted_at = entry.updated_at = current.deleted_at = current.updated_at = now
        current.save(only=[model.deleted_at, model.updated_at])  # others may have saved the rest
        SearchEntry.forget("post" if model is Post else "page", [entry.id])


def restore(entry, expected_version=None) -> None:
    """Bring an entry back from the trash."""
    model = type(entry)
    with db.atomic():
        current = _locked(model, entry, expected_version)
        entry.deleted_at = current.deleted_at = None
        entry.updated_at = current.updated_at = clock.utcnow()
        current.save(only=[model.deleted_at, model.updated_at])
        _index("post" if model is Post else "page", current)


def save_category(data: dict, category: Category | None = None, expected_version=None) -> Category:
    """Create or rename a category (expected_version: a category_version, as for posts)."""
    errors: dict[str, str] = {}
    name = single_line(
        _given(data, "name", category), "name", errors, limit=MAX_CATEGORY_NAME,
        required="A category needs a name.", refuse="name" in data,
    )  # fmt: skip
    description = multi_line(
        _given(data, "description", category), "description", errors, limit=MAX_DESCRIPTION,
        refuse="description" in data,
    )  # fmt: skip
    slug = single_line(data.get("slug"), "slug", errors)  # empty: keep it, or make it from the name
    slug = slug or (category.slug if category else make_slug(name))
    if slug != make_slug(slug):
        errors["slug"] = "Use lower-case letters, digits and hyphens only."
    if errors:
        raise ValidationError(errors)
    if _slug_taken(Category, slug, category):
        raise ConflictError({"slug": SLUG_TAKEN})
    with db.atomic():
        if category is None:
            return Category.create(name=name, slug=slug, description=description)
        current = _locked_category(category, expected_version)
        if category_version(current) != category_version(category):  # saved meanwhile, unchecked
            return save_category(data, current)
        old = category.slug
        category.name, category.slug, category.description = name, slug, description
        category.save()
        if old != slug:
            add_redirect(f"/category/{old}", f"/category/{slug}")
        return category


def merge_categories(source: Category, target: Category) -> Category:
    """Move every post of `source` into `target`, then remove `source` (its URL redirects)."""
    if source.id == target.id:
        raise ValidationError({"target": "Choose a different category to merge into."})
    with db.atomic():
        already = PostCategory.select(PostCategory.post).where(PostCategory.category == target)
        PostCategory.update(category=target).where(
            (PostCategory.category == source) & PostCategory.post.not_in(already)
        ).execute()
        source.delete_instance()  # the remaining duplicate links cascade away
        add_redirect(f"/category/{source.slug}", f"/category/{target.slug}")
    return target


def restore_revision(revision: Revision, user: User | None = None, expected_version=None):
    """Bring back a revision's text as a new revision; status and publish time stay."""
    model = Post if revision.kind == "post" else Page
    entry = model.get_or_none(model.id == revision.object_id)
    if entry is None:
        raise ValidationError({"revision": "The post or page of this revision no longer exists."})
    data = {
        "title": revision.title, "slug": revision.slug, "body": revision.body,
        "excerpt": revision.excerpt if revision.excerpt_typed else "",
        "meta_description": revision.meta_description,
    }  # fmt: skip
    if model is Page:
        data["effective_date"] = revision.effective_date
    note = f"restored revision {revision.id}"
    return _save_entry(model, revision.kind, data, entry, user, note, expected_version)


def trash_category(category: Category, expected_version=None) -> CategoryTrash:
    """Delete a category but keep it, with its post links, in the trash for restore_category."""
    with db.atomic():
        category = _locked_category(category, expected_version)
        links = PostCategory.select().where(PostCategory.category == category)
        post_ids = [pc.post_id for pc in links]
        trashed = CategoryTrash.create(
            category_id=category.id, name=category.name, slug=category.slug,
            description=category.description, post_ids=json.dumps(post_ids),
        )  # fmt: skip
        category.delete_instance()  # its post links cascade away; posts keep the others
    return trashed


def restore_category(trashed: CategoryTrash) -> Category:
    """Bring a trashed category back (same id when free) with its posts that still exist."""
    if Category.select().where(Category.slug == trashed.slug).exists():
        raise ConflictError({"slug": "Another category now uses this slug; rename it first."})
    with db.atomic():
        free = not Category.select().where(Category.id == trashed.category_id).exists()
        fields = {"name": trashed.name, "slug": trashed.slug, "description": trashed.description}
        category = Category.create(**({"id": trashed.category_id} if free else {}), **fields)
        alive = Post.select(Post.id).where(Post.id.in_(json.loads(trashed.post_ids)))
        PostCategory.insert_many(
            [(post.id, category.id) for post in alive],
            fields=[PostCategory.post, PostCategory.category],
        ).execute()
        trashed.delete_instance()
    return category
