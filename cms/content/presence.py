"""Who else has an edit screen open: "Also being edited by ... since ...", never a lock.

Opening an edit screen marks the account as there, and static/js/presence.js refreshes
the mark while the screen stays open; a mark not refreshed within EXPIRES is gone. Saving
is never blocked: a save from a stale screen is refused by the services' version check.
"""

from datetime import timedelta

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, OperationalError

from ..accounts.models import User
from ..core import clock
from ..core.db import BaseModel, db
from ..core.templating import local_time

EXPIRES = timedelta(minutes=2)
HEARTBEAT_SECONDS = 50  # two beats fit in EXPIRES, so one lost request does not drop a mark
KINDS = ("post", "page", "notice", "category", "settings", "menu")


class EditPresence(BaseModel):
    """An account with an edit screen open (migration 0010); `since` is when it opened it."""

    kind = CharField()
    object_id = IntegerField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    since = DateTimeField()
    seen_at = DateTimeField(index=True)

    class Meta:
        indexes = ((("kind", "object_id", "user"), True),)


def _mine(kind: str, object_id: int, user: User):
    return (
        (EditPresence.kind == kind)
        & (EditPresence.object_id == object_id)
        & (EditPresence.user == user.id)
    )


def mark(kind: str, object_id: int, user: User) -> None:
    """Note that `user` has this edit screen open now, and forget marks that expired."""
    now = clock.utcnow()
    try:
        with db.atomic():
            EditPresence.delete().where(EditPresence.seen_at <= now - EXPIRES).execute()
            if not EditPresence.update(seen_at=now).where(_mine(kind, object_id, user)).execute():
                EditPresence.insert(
                    kind=kind, object_id=object_id, user=user.id, since=now, seen_at=now
                ).execute()
    except OperationalError:  # a busy or read-only database: the screen works without it
        return


def others(kind: str, object_id: int, user: User) -> list[EditPresence]:
    """Other accounts with this edit screen open, the earliest first."""
    recent = clock.utcnow() - EXPIRES
    return list(
        EditPresence.select(EditPresence, User)
        .join(User)
        .where(
            (EditPresence.kind == kind)
            & (EditPresence.object_id == object_id)
            & (EditPresence.user != user.id)
            & (EditPresence.seen_at > recent)
        )
        .order_by(EditPresence.since, EditPresence.id)
    )


def describe(marks: list[EditPresence]) -> str:
    """'Also being edited by Eddie since 09:14.' (empty when nobody else is there)."""
    if not marks:
        return ""
    names = [f"{m.user.name or m.user.email} since {local_time(m.since):%H:%M}" for m in marks]
    return (
        f"Also being edited by {', and by '.join(names)}. You can still save; if they save "
        "first, you will be shown both versions to choose from."
    )
