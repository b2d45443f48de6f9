"""The one way to change posts and pages. The editor, the Admin API, the CLI and imports call
these, with the actor (an account, an API token, or SYSTEM for server commands).

Each function validates, writes inside one IMMEDIATE transaction, keeps a revision, keeps
the search index and redirects in step, logs one action (cms.audit.record) in the same
transaction, and raises ValidationError with the fields at fault instead of writing
anything partial. Content is open to both roles; cms.site keeps the site's own parts to
administrators. Categories and redirects have their own modules beside this one.
"""

import re
from datetime import datetime

from ..accounts.actors import actor_parts
from ..audit import record, writes
from ..core import clock
from ..core.db import db
from ..core.validation import ValidationError
from .categories import categories_from
from .checks import extra_fields, requested_slug, validate_entry
from .models import Page, Post, PostCategory
from .records import Redirect, Revision
from .redirects import point
from .render import make_excerpt, plain_text, render_markdown
from .revision_terms import recorded_terms, restored_terms
from .sanitize import TooComplex
from .search_index import SearchEntry
from .slugs import claim_slug, public_path
from .tags import set_post_tags, tag_names
from .versions import entry_version, locked_entry

SAVES = ("create", "update", "publish", "schedule", "unpublish")  # the verbs of a save
ACTIONS = {kind: tuple(f"{kind}.{verb}" for verb in SAVES) for kind in ("post", "page")}


def kind_of(entry) -> str:
    """The kind of an entry as the log and the search index name it: post or page."""
    return "post" if isinstance(entry, Post) else "page"


def index(kind: str, entry) -> None:
    """Put the entry in the search index as it is now (or take it out)."""
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
        user=user, note=note, **recorded_terms(entry),
    )  # fmt: skip


def save_action(before: tuple | None, after) -> str:
    """The verb of a save: create, publish, schedule, unpublish or update.

    `before` is (status, published_at) as stored before the save, None for a new entry.
    """
    if before is None:
        if after.status != "published":
            return "create"
        before = ("draft", None)  # created straight into publishing: log that
    if after.status == "published" and before != ("published", after.published_at):
        return "schedule" if after.is_scheduled else "publish"
    if before[0] == "published" and after.status == "draft":
        return "unpublish"
    return "update"


def _save_entry(model, data: dict, entry, how: dict):
    """Validate and write one save; `how` holds the actor, author, note, expected version
    and `verb(before, saved)`, the action the save is logged as."""
    kind = "post" if model is Post else "page"
    clean = validate_entry(model, data, entry)
    categories = categories_from(data["categories"]) if "categories" in data else None
    tags = tag_names(data["tags"]) if "tags" in data and model is Post else None
    extra = extra_fields(model, data, entry)
    try:
        body_html = render_markdown(clean["body"])  # before the transaction: the slow part
    except TooComplex as exc:
        raise ValidationError({"body": str(exc)}) from None
    with db.atomic():
        before = None
        if entry is not None:
            current = locked_entry(model, entry, how["version"])
            if entry_version(current) != entry_version(entry):  # saved meanwhile, unchecked:
                return _save_entry(model, data, current, {**how, "version": None})  # apply to it
            before = (current.status, current.published_at)
        old_path = entry and entry.is_visible and public_path(kind, entry.slug)
        fields = dict(clean, **extra, body_html=body_html, updated_at=clock.utcnow())
        # An excerpt not typed (or typed as the text begins) is made from the text at each
        # save, so words removed from the text leave the lists, feeds and meta tags too.
        made = make_excerpt(body_html)
        fields["excerpt"] = clean["excerpt"] or made
        fields["excerpt_typed"] = fields["excerpt"] != made
        fields["slug"] = claim_slug(model, clean["slug"], entry, bool(requested_slug(data)))
        if entry is None:
            entry = model.create(author=how["author"], **fields)
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
        if tags is not None:
            set_post_tags(entry, tags)
        new_path = public_path(kind, entry.slug)
        if old_path and old_path != new_path:
            point(old_path, new_path)
        Redirect.delete().where(Redirect.old_path == new_path).execute()
        index(kind, entry)
        _record_revision(kind, entry, how["author"], how["note"])
        record(f"{kind}.{how['verb'](before, entry)}", entry, how["actor"])
    return entry


def _how(actor, note="", version=None, verb=save_action, author=False) -> dict:
    """The settings of one save; the author (and the revision's account) is the actor's
    account unless an import names the original one."""
    author = actor_parts(actor)[0] if author is False else author
    return {"actor": actor, "author": author, "note": note, "version": version, "verb": verb}


@writes(*ACTIONS["post"], what="write posts")
def save_post(
    data: dict, post: Post | None = None, *, actor, note="", expected_version=None, author=False
) -> Post:
    """Create (post=None) or update a post from a dict of fields.

    With expected_version (the entry_version the change started from, or several), a post
    saved by someone else since is not overwritten: StaleError instead. Fields left out
    of `data` keep what is stored when the change is written. `author` (imports only)
    names the original author instead of the actor's account.
    """
    return _save_entry(Post, data, post, _how(actor, note, expected_version, author=author))


@writes(*ACTIONS["page"], what="write pages")
def save_page(
    data: dict, page: Page | None = None, *, actor, note="", expected_version=None, author=False
) -> Page:
    """Create (page=None) or update a page from a dict of fields (as save_post)."""
    return _save_entry(Page, data, page, _how(actor, note, expected_version, author=author))


def _published(before, entry) -> str:
    return "schedule" if entry.is_scheduled else "publish"


@writes("post.publish", "post.schedule", "page.publish", "page.schedule", what="publish")
def publish(entry, at: datetime | None = None, expected_version=None, *, actor):
    """Publish now, or schedule when `at` is in the future. Without `at`, a future time the
    entry already has (a draft given its time) is kept: the entry is scheduled for it."""
    now = clock.utcnow()
    if at is None and entry.published_at is not None and entry.published_at > now:
        at = entry.published_at
    data = {"status": "published", "published_at": at or now}
    note = "scheduled" if at and at > now else "published"
    how = _how(actor, note, expected_version, _published)
    return _save_entry(type(entry), data, entry, how)


@writes("post.unpublish", "page.unpublish", what="unpublish")
def unpublish(entry, expected_version=None, *, actor):
    """Turn a published entry back into a draft."""
    how = _how(actor, "unpublished", expected_version, lambda before, saved: "unpublish")
    return _save_entry(type(entry), {"status": "draft"}, entry, how)


@writes("post.trash", "page.trash", what="move posts and pages to the trash")
def trash(entry, expected_version=None, *, actor) -> None:
    """Move an entry to the trash (restorable)."""
    model = type(entry)
    with db.atomic():
        current = locked_entry(model, entry, expected_version)
        now = clock.utcnow()
        entry.deleted_at = entry.updated_at = current.deleted_at = current.updated_at = now
        current.save(only=[model.deleted_at, model.updated_at])  # others may have saved the rest
        SearchEntry.forget(kind_of(entry), [entry.id])
        record(f"{kind_of(entry)}.trash", current, actor)


@writes("post.restore", "page.restore", what="restore posts and pages")
def restore(entry, expected_version=None, *, actor) -> None:
    """Bring an entry back from the trash."""
    model = type(entry)
    with db.atomic():
        current = locked_entry(model, entry, expected_version)
        entry.deleted_at = current.deleted_at = None
        entry.updated_at = current.updated_at = clock.utcnow()
        current.save(only=[model.deleted_at, model.updated_at])
        index(kind_of(entry), current)
        record(f"{kind_of(entry)}.restore", current, actor)


@writes("post.revision_restore", "page.revision_restore", what="restore revisions")
def restore_revision(revision: Revision, expected_version=None, *, actor):
    """Bring back a revision's text, and the tags, categories and SEO fields it recorded
    that still exist (cms.content.revision_terms), as a new revision; status and publish
    time stay."""
    model = Post if revision.kind == "post" else Page
    entry = model.get_or_none(model.id == revision.object_id)
    if entry is None:
        raise ValidationError({"revision": "The post or page of this revision no longer exists."})
    data = {
        "title": revision.title, "slug": revision.slug, "body": revision.body,
        "excerpt": revision.excerpt if revision.excerpt_typed else "",
        "meta_description": revision.meta_description,
    }  # fmt: skip
    data.update(restored_terms(revision)[0])
    if model is Page:
        data["effective_date"] = revision.effective_date
    note = f"restored revision {revision.id}"
    how = _how(actor, note, expected_version, lambda before, saved: "revision_restore")
    return _save_entry(model, data, entry, how)
