"""Work is never lost: text submitted with an expired session or CSRF token is kept here
for a while, keyed by a random id, and put back into the form after signing in again."""

import json
import secrets
from datetime import timedelta

from peewee import SQL, CharField, DateTimeField, TextField
from werkzeug.datastructures import MultiDict

from . import clock, ratelimit
from .db import BaseModel, db

KEEP_FOR = timedelta(days=2)
MAX_STASH = 250_000  # characters of JSON; a post body is at most 200,000
MAX_ROWS = 50  # the newest stashes kept in all: bounds the disk anonymous posts can fill
RATE_LIMIT = 5  # stashes per client address ...
RATE_WINDOW = 15 * 60  # ... per this many seconds


class FormStash(BaseModel):
    key = CharField(primary_key=True)
    path = CharField()  # the form's URL; a stash is only restored there
    data = TextField()  # JSON list of [name, value] pairs
    created_at = DateTimeField(default=clock.utcnow, index=True)


def stash_form(path: str, form: MultiDict, fields: set[str], address: str) -> str | None:
    """Keep the named fields of a submitted form; return the key (None if too large, or if
    this address stashed too often lately). Only the newest MAX_ROWS stashes are kept."""
    pairs = [[name, value] for name, value in form.items(multi=True) if name in fields]
    data = json.dumps(pairs, ensure_ascii=False)
    if len(data) > MAX_STASH:
        return None
    if not ratelimit.hit("stash", address, RATE_LIMIT, RATE_WINDOW).allowed:
        return None
    key = secrets.token_urlsafe(24)
    with db.atomic():
        FormStash.create(key=key, path=path, data=data)
        newest_first = (FormStash.created_at.desc(), SQL("rowid").desc())  # same second: rowid
        older = FormStash.select(FormStash.key).order_by(*newest_first).offset(MAX_ROWS)
        FormStash.delete().where(
            (FormStash.created_at < clock.utcnow() - KEEP_FOR) | FormStash.key.in_(older)
        ).execute()
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
