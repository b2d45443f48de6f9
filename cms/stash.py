"""Work is never lost: text submitted with an expired session or CSRF token is kept here
for a while, keyed by a random id, and put back into the form after signing in again."""

import json
import secrets
from datetime import timedelta

from peewee import CharField, DateTimeField, TextField
from werkzeug.datastructures import MultiDict

from . import clock
from .db import BaseModel, db

KEEP_FOR = timedelta(days=2)
MAX_STASH = 1_000_000  # characters of JSON; a post body is at most 200,000


class FormStash(BaseModel):
    key = CharField(primary_key=True)
    path = CharField()  # the form's URL; a stash is only restored there
    data = TextField()  # JSON list of [name, value] pairs
    created_at = DateTimeField(default=clock.utcnow, index=True)


def stash_form(path: str, form: MultiDict, fields: set[str]) -> str | None:
    """Keep the named fields of a submitted form; return the key (None if too large)."""
    pairs = [[name, value] for name, value in form.items(multi=True) if name in fields]
    data = json.dumps(pairs)
    if len(data) > MAX_STASH:
        return None
    key = secrets.token_urlsafe(24)
    with db.atomic():
        FormStash.delete().where(FormStash.created_at < clock.utcnow() - KEEP_FOR).execute()
        FormStash.create(key=key, path=path, data=data)
    return key


def take_form(key: str, path: str) -> MultiDict | None:
    """The stashed form for this path, removed from the stash; None if unknown or old."""
    if not key or len(key) > 64:
        return None
    with db.atomic():
        row = FormStash.get_or_none(
            (FormStash.key == key)
            & (FormStash.path == path)
            & (FormStash.created_at >= clock.utcnow() - KEEP_FOR)
        )
        if row is None:
            return None
        row.delete_instance()
    return MultiDict(json.loads(row.data))
