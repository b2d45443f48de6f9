"""Autosaves: the editor keeps the writer's unsaved text as revisions marked `autosave`,
a few per writer and entry, so a reload, a crash or a closed tab loses nothing. An
autosave never changes the entry itself (it is not a save and never publishes); a save
of the entry by the same writer makes their older autosaves of it redundant."""

from ..accounts.actors import actor_parts
from ..audit import record, writes
from ..core.db import db
from ..core.validation import ValidationError, multi_line
from .fields import MAX_BODY, MAX_EXCERPT, MAX_META, MAX_SLUG, MAX_TITLE
from .models import Page, Post
from .records import Revision
from .versions import locked_entry

KEEP = 5  # autosaves kept per writer and entry (or per writer for a new, unsaved one)
NEW = 0  # the object_id of autosaves of an entry not saved yet
LIMITS = {
    "title": MAX_TITLE, "slug": MAX_SLUG, "body": MAX_BODY, "excerpt": MAX_EXCERPT,
    "meta_description": MAX_META,
}  # fmt: skip
MODELS = {"post": Post, "page": Page}


def _texts(data: dict) -> dict:
    errors: dict = {}
    texts = {
        name: multi_line(data.get(name), name, errors, limit=limit, strip=False, refuse=False)
        for name, limit in LIMITS.items()
    }
    if errors:
        raise ValidationError(errors)
    return texts


def autosaves(kind: str, object_id: int | None, user):
    """One writer's autosaves of an entry (object_id None: of a new one), newest first."""
    return (
        Revision.select()
        .where(
            (Revision.kind == kind)
            & (Revision.object_id == (object_id or NEW))
            & Revision.autosave
            & (Revision.user == user)
        )
        .order_by(Revision.created_at.desc(), Revision.id.desc())
    )


def newer_autosave(kind: str, entry, user) -> Revision | None:
    """The writer's newest autosave if it is newer than the entry as saved and differs from it."""
    found = autosaves(kind, entry.id if entry else None, user).first()
    if found is None or (entry is not None and found.created_at <= entry.updated_at):
        return None
    saved = entry or Revision(title="", slug="", body="", excerpt="", meta_description="")
    excerpt = saved.excerpt if getattr(saved, "excerpt_typed", True) else ""
    same = all(getattr(found, name) == getattr(saved, name) for name in LIMITS if name != "excerpt")
    return None if same and found.excerpt in ("", excerpt) else found


def _trim(kind: str, object_id: int | None, user) -> None:
    keep = [r.id for r in autosaves(kind, object_id, user).select(Revision.id).limit(KEEP)]
    Revision.delete().where(
        (Revision.kind == kind)
        & (Revision.object_id == (object_id or NEW))
        & Revision.autosave
        & (Revision.user == user)
        & Revision.id.not_in(keep)
    ).execute()


@writes("post.autosave", "page.autosave", what="write posts and pages")
def autosave(kind: str, entry, data: dict, expected_version=None, *, actor) -> Revision:
    """Keep the text of an open form as an autosave of the entry (None: a new one).

    The entry is not changed. With expected_version, an entry saved by someone else since
    the form was loaded refuses the autosave (StaleError), as a save would be refused.
    """
    model = MODELS[kind]
    texts = _texts(data)
    user = actor_parts(actor)[0]
    with db.atomic():
        current = None
        if entry is not None:
            current = locked_entry(model, entry, expected_version)
            if current.deleted_at is not None:
                raise ValidationError({"entry": "This is in the trash: restore it to edit it."})
        saved = Revision.create(
            kind=kind, object_id=current.id if current else NEW, **texts,
            status=current.status if current else "draft",
            published_at=current.published_at if current else None,
            effective_date=getattr(current, "effective_date", None),
            user=user, note="autosave", autosave=True,
        )  # fmt: skip
        _trim(kind, current.id if current else None, user)
        record(f"{kind}.autosave", current or f"new {kind}", actor)
    return saved


@writes("post.autosave_discard", "page.autosave_discard", what="write posts and pages")
def discard_autosaves(kind: str, entry, *, actor) -> int:
    """Drop the actor's autosaves of an entry (None: of a new one); how many there were."""
    user = actor_parts(actor)[0]
    with db.atomic():
        done = (
            Revision.delete()
            .where(Revision.id.in_([r.id for r in autosaves(kind, entry and entry.id, user)]))
            .execute()
        )
        record(f"{kind}.autosave_discard", entry or f"new {kind}", actor)
    return done
