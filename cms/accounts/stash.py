"""Work is never lost: text submitted with an expired session or CSRF token is kept here
for a while, keyed by a random id, and put back into the form when the account that wrote
it signs in again (never for another account: see keep_unsent_work in cms/admin/posts.py
for which posts are kept)."""

import json
import secrets
from datetime import timedelta

from peewee import SQL, CharField, DateTimeField, TextField
from werkzeug.datastructures import MultiDict

from ..core import clock, ratelimit
from ..core.db import BaseModel, db

KEEP_FOR = timedelta(days=2)
MAX_STASH = 250_000  # characters of JSON; a post body is at most 200,000
MAX_ROWS = 50  # the newest stashes kept in all: bounds the disk anonymous posts can fill
RATE_LIMIT = 5  # stashes per client address ...
RATE_WINDOW = 15 * 60  # ... per this many seconds


class FormStash(BaseModel):
    key = CharField(primary_key=True)
    path = CharField()  # the form's URL; a stash is only restored there
    data = TextField()  # JSON: {"account": the writer's user id, "fields": [[name, value], ...]}
    created_at = DateTimeField(default=clock.utcnow, index=True)


def stash_form(
    path: str, form: MultiDict, fields: set[str], address: str, account: int
) -> str | None:
    """Keep the named fields of a form the account sent; return the key (None if too large,
    or if this address stashed too often lately). Only the newest MAX_ROWS stashes are kept."""
    pairs = [[name, value] for name, value in form.items(multi=True) if name in fields]
    data = json.dumps({"account": account, "fields": pairs}, ensure_ascii=False)
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


def peek_form(key: str, path: str, account: int) -> MultiDict | None:
    """The form this account stashed for this path; None if unknown, old or another
    account's (that one stays for its writer). Reading changes nothing: the stash stays
    until the form is saved (drop_form) or it expires, so a reload shows it again."""
    if not key or len(key) > 64:
        return None
    row = FormStash.get_or_none(
        (FormStash.key == key)
        & (FormStash.path == path)
        & (FormStash.created_at >= clock.utcnow() - KEEP_FOR)
    )
    saved = json.loads(row.data) if row else None
    if not isinstance(saved, dict) or saved.get("account") != account:
        return None  # also a stash kept before stashes had a writer: it just expires
    return MultiDict(saved["fields"])


def drop_form(key: str, path: str, account: int) -> None:
    """Forget this account's stash for this path once the form it refilled was saved."""
    if peek_form(key, path, account) is None:
        return
    with db.atomic():
        FormStash.delete().where(FormStash.key == key).execute()
