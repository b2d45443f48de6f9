"""Writes only imports and the demo make: earlier saved states, original times, and taking
the demo's content away for good. Each is checked and logged like the editor's writes."""

from datetime import datetime

from ..audit import record, writes
from ..core.db import db
from ..core.validation import ValidationError, single_line
from .checks import check_texts, effective_date, published_at
from .fields import MAX_NOTE
from .models import Category, Page, Post
from .records import Revision
from .revision_terms import imported_terms
from .search_index import SearchEntry
from .service import kind_of
from .slugs import check_slug_shape


@writes("post.revision_import", "page.revision_import", what="import revisions")
def import_revision(kind: str, object_id: int, data: dict, user, created_at, *, actor) -> Revision:
    """Store an earlier saved state brought by an import, under the rules of a save."""
    errors, clean = {}, {}
    if kind not in ("post", "page"):
        raise ValidationError({"kind": "Must be post or page."})
    check_texts(data, None, errors, clean)
    slug = data.get("slug")
    if isinstance(slug, str):
        check_slug_shape(slug, None, errors)  # reserved names may postdate the revision
    else:
        errors["slug"] = "This must be text."
    when = published_at(data.get("published_at"), errors)
    note = single_line(data.get("note"), "note", errors, limit=MAX_NOTE)
    if not isinstance(created_at, datetime):
        errors["created_at"] = "Use a date and time such as 2026-05-01T09:00."
    if errors:
        raise ValidationError(errors)
    terms = imported_terms(kind, data)
    with db.atomic():
        revision = Revision.create(
            kind=kind, object_id=object_id, slug=slug, published_at=when, user=user,
            effective_date=effective_date(data.get("effective_date")), note=note,
            created_at=created_at, excerpt_typed=bool(clean["excerpt"]), **clean, **terms,
        )  # fmt: skip
        record(f"{kind}.revision_import", f"{kind} {object_id}: {revision.title}", actor)
    return revision


@writes("post.import", "page.import", admin=True, what="keep imported times")
def keep_import_times(entry, created_at=None, updated_at=None, deleted_at=None, *, actor):
    """Give an imported post or page the times it had where it came from (None: keep)."""
    model = type(entry)
    times = {"created_at": created_at, "updated_at": updated_at, "deleted_at": deleted_at}
    times = {name: value for name, value in times.items() if value is not None}
    with db.atomic():
        if times:
            model.update(**times).where(model.id == entry.id).execute()
            for name, value in times.items():
                setattr(entry, name, value)
        record(f"{kind_of(entry)}.import", entry, actor)
    return entry


@writes("content.remove", admin=True, what="remove content for good")
def remove_for_good(post_ids, page_ids, category_ids, *, actor) -> None:
    """Delete these posts, pages (with their revisions) and categories, not to the trash."""
    with db.atomic():
        for kind, model, ids in (("post", Post, post_ids), ("page", Page, page_ids)):
            SearchEntry.forget(kind, ids)
            Revision.delete().where((Revision.kind == kind) & Revision.object_id.in_(ids)).execute()
            model.delete().where(model.id.in_(ids)).execute()
        Category.delete().where(Category.id.in_(category_ids)).execute()
        counts = (len(post_ids), len(page_ids), len(category_ids))
        record("content.remove", "{} posts, {} pages, {} categories".format(*counts), actor)


@writes("revision.clear", admin=True, what="clear the revisions")
def clear_revisions(*, actor) -> int:
    """Delete every revision: an import into an empty site puts the export's in place of
    those its own saves made. Returns how many were deleted."""
    with db.atomic():
        count = Revision.delete().execute()
        record("revision.clear", f"{count} revisions", actor)
    return count
