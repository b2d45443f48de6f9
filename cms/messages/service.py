"""Contact messages: encrypted at rest, kept for a limited time, then deleted.

Everything a visitor writes (name, e-mail, phone, preferred contact, message) is sealed
into one Fernet token (AES-128-CBC + HMAC-SHA256) whose key lives in instance/message_key,
beside the database but not in it: a copied database file or backup reveals nothing.
Only the times (received, read, handled) stay readable, for sorting and retention.
"""

import base64
import json
import os
import secrets
import time
from datetime import datetime, timedelta
from functools import cached_property

import click
from flask import current_app
from peewee import CharField, DateTimeField, OperationalError, TextField
from werkzeug.exceptions import ServiceUnavailable

from ..audit import prune_activity
from ..content.revisions import prune_revisions
from ..content.sanitize import email_address, tel_url
from ..core import clock, ratelimit
from ..core.db import BaseModel, connect, db, fault_and_cause, storage_fault
from ..core.validation import ValidationError, multi_line, single_line
from ..ops.cli import cms

MAX_NAME = 100  # characters, as the contact form says
MAX_MESSAGE = 5000
PURGE_TASK = "message-purge"
PURGE_EVERY = timedelta(hours=1)
RATE_HIT_RETENTION = 24 * 3600  # seconds; longer than any rate-limit window in use
BAD_EMAIL = "Please enter an e-mail address such as name@example.org."
BAD_PHONE = "Please enter a phone number using digits (spaces, +, - and brackets are fine)."
_keys: dict = {}  # key path -> (file identity, Fernet), read again when the file changes
_damaged: set = set()  # identities of damaged key files this process has logged
MAX_KEY_BYTES = 4096  # a key is 45 bytes; a huge file there is damaged, not read whole
SETTLE_SECONDS = 0.05
_next_purge_check: dict[str, datetime] = {}  # per database file, in this process


class Message(BaseModel):
    created_at = DateTimeField(default=clock.utcnow, index=True)
    sealed = TextField()  # a Fernet token of the JSON contents
    read_at = DateTimeField(null=True)
    handled_at = DateTimeField(null=True)

    @classmethod
    def inbox(cls):
        """All messages, newest first."""
        return cls.select().order_by(cls.created_at.desc(), cls.id.desc())

    @classmethod
    def unread_count(cls) -> int:
        """How many messages nobody has opened yet."""
        return cls.select().where(cls.read_at.is_null()).count()

    @cached_property
    def contents(self) -> dict | None:
        """The decrypted fields, or None if the key cannot open them (key lost or replaced)."""
        return unseal(self.sealed)

    @property
    def deletes_at(self):
        """When the automatic purge will delete this message."""
        return self.created_at + timedelta(days=retention_days())


class Housekeeping(BaseModel):
    """When a periodic task last ran, shared by all worker processes."""

    task = CharField(primary_key=True)
    ran_at = DateTimeField()


def key_path() -> str:
    """Where the message key lives: instance/message_key."""
    return os.path.join(current_app.instance_path, "message_key")


class MessageKeyUnavailable(ServiceUnavailable):
    """The message key cannot be created or set aside (the instance folder is read-only
    or full): no message is stored that nobody could read."""


def _identity(info: os.stat_result) -> tuple:
    """What changes when the key file is replaced, restored or rewritten in place."""
    return info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size


def _load(path: str) -> tuple[tuple, object | None]:
    """The key file's identity and its cipher, None if it is not a key (FileNotFoundError)."""
    from cryptography.fernet import Fernet

    with open(path, "rb") as fh:
        identity = _identity(os.fstat(fh.fileno()))
        raw = fh.read(MAX_KEY_BYTES).strip()
    try:
        return identity, Fernet(raw)
    except ValueError:  # not 32 bytes of URL-safe base64: garbage, truncated or empty
        return identity, None


def _create_key(path: str) -> None:
    """Create a new key (mode 0600) that others see complete or not at all."""
    temp = f"{path}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.urlsafe_b64encode(os.urandom(32)) + b"\n")  # a Fernet key
            fh.flush()
            os.fsync(fh.fileno())
        os.link(temp, path)  # atomic: fails if another process created the key first
        current_app.logger.warning("created a new message key at %s; back it up", path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)


def _set_aside(path: str) -> str:
    """Move a damaged key out of the way, under a new name, so it can still be recovered."""
    base = aside = f"{path}.damaged-{clock.utcnow():%Y%m%d-%H%M%S}"
    n = 1
    while os.path.lexists(aside):  # under the instance lock: nobody else names one now
        n += 1
        aside = f"{base}-{n}"
    os.rename(path, aside)
    return aside


def _replace_key(path: str, damaged: bool) -> tuple[tuple, object]:
    """Create the key, first setting a damaged one aside; under the instance lock, so
    workers that find the same damage set it aside once and then share one new key."""
    from ..ops.bootstrap import instance_lock

    if damaged:
        time.sleep(SETTLE_SECONDS)  # a key being copied into place is briefly empty
    try:
        with instance_lock(current_app.instance_path):
            try:
                identity, cipher = _load(path)
            except FileNotFoundError:
                identity, cipher = None, None
            if cipher is None:
                if identity is not None:
                    aside = _set_aside(path)
                    current_app.logger.warning(
                        "the message key %s was damaged; it is kept as %s, and a new key is "
                        "used for new messages (put the original key back to read older ones)",
                        path, aside,
                    )  # fmt: skip
                _create_key(path)
                identity, cipher = _load(path)
    except OSError as exc:
        current_app.logger.error(
            "%s: the message key %s cannot be written (%s); contact messages answer 503",
            storage_fault(exc) or "instance folder not writable", path, exc.strerror,
        )  # fmt: skip
        raise MessageKeyUnavailable() from exc
    return identity, cipher


def fernet(create: bool = True):
    """The cipher for this instance's messages, read again whenever the key file changes.

    Workers never keep a key past a change (a key put back or restored while the site
    runs is used at once). With `create` (a message is being stored) a missing key is
    created and a damaged one set aside and replaced; reading never changes a file and
    gets None instead.
    """
    path = key_path()
    cached = _keys.get(path)
    try:
        if cached and cached[0] == _identity(os.stat(path)):
            return cached[1]
        identity, cipher = _load(path)
    except FileNotFoundError:
        identity, cipher = None, None
    except OSError as exc:  # unreadable (permissions, I/O): not damage, never set aside
        current_app.logger.error("the message key %s cannot be read: %s", path, exc.strerror)
        if create:
            raise MessageKeyUnavailable() from exc
        return None
    if cipher is None and identity is not None and identity not in _damaged:
        _damaged.add(identity)
        current_app.logger.warning(
            "the message key %s is damaged (not a Fernet key): messages cannot be "
            "decrypted; the next contact message sets it aside and creates a new key",
            path,
        )
    if cipher is None:
        if not create:
            return None
        identity, cipher = _replace_key(path, damaged=identity is not None)
    _keys[path] = (identity, cipher)
    return cipher


def set_aside_keys() -> list[str]:
    """The names of damaged key files set aside in the instance folder, oldest first."""
    names = os.listdir(current_app.instance_path)
    return sorted(name for name in names if name.startswith("message_key.damaged-"))


def seal(contents: dict) -> str:
    """Encrypt and authenticate a message's fields."""
    return fernet().encrypt(json.dumps(contents).encode()).decode()


def unseal(token: str) -> dict | None:
    """Decrypt a sealed message; None if it was sealed with another key or altered, or the
    key is missing or damaged."""
    from cryptography.fernet import InvalidToken

    cipher = fernet(create=False)
    if cipher is None:
        return None
    try:
        return json.loads(cipher.decrypt(token.encode()))
    except InvalidToken:
        return None


def check_contents(contents: dict) -> dict:
    """A new message's fields, the e-mail address in its normal form; ValidationError if the
    address or the phone number is not one (the inbox makes mailto: and tel: links of them),
    or the name or message is longer than the form allows."""
    errors, clean = {}, dict(contents)
    # The text rule, removing what it refuses: a visitor cannot see an invisible character.
    for field in ("name", "phone", "contact_method"):
        clean[field] = single_line(contents.get(field), field, errors, refuse=False)
    clean["message"] = multi_line(contents.get("message"), "message", errors, refuse=False)
    try:
        clean["email"] = email_address(str(contents.get("email") or ""))
    except ValueError:
        errors["email"] = BAD_EMAIL
    if contents.get("phone") and tel_url(str(contents["phone"])) is None:
        errors["phone"] = BAD_PHONE
    for field, limit in (("name", MAX_NAME), ("message", MAX_MESSAGE)):
        if len(str(clean.get(field) or "")) > limit:  # as stored
            errors[field] = f"Please keep this under {limit:,} characters."
    if errors:
        raise ValidationError(errors)
    return clean


def store_message(contents: dict) -> Message:
    """Check and save a new message, encrypted; committed when this returns."""
    sealed = seal(check_contents(contents))
    with db.atomic():
        return Message.create(sealed=sealed, created_at=clock.utcnow())


def mark_read(message: Message) -> None:
    """Record that the message was opened (first time only)."""
    if message.read_at is None:
        with db.atomic():
            message.read_at = clock.utcnow()
            message.save(only=[Message.read_at])


def set_handled(message: Message, handled: bool) -> None:
    """Mark the message handled, or open again."""
    with db.atomic():
        message.handled_at = clock.utcnow() if handled else None
        message.read_at = message.read_at or clock.utcnow()
        message.save(only=[Message.handled_at, Message.read_at])


def delete_message(message: Message) -> None:
    """Delete one message for good (secure_delete overwrites it; the WAL is emptied)."""
    with db.atomic():
        message.delete_instance()
    _empty_wal()


def retention_days() -> int:
    """How many days messages are kept (config MESSAGE_RETENTION_DAYS, at least 1)."""
    return max(1, int(current_app.config["MESSAGE_RETENTION_DAYS"]))


def purge_expired(pruned: dict | None = None) -> int:
    """Delete messages past the retention period; return how many were deleted.

    Old revisions and activity entries are pruned at the same time (their counts go into
    `pruned` when given).
    """
    now = clock.utcnow()
    with db.atomic():
        count = (
            Message.delete()
            .where(Message.created_at <= now - timedelta(days=retention_days()))
            .execute()
        )
        history = {"revisions": prune_revisions(now), "activity entries": prune_activity(now)}
        Housekeeping.replace(task=PURGE_TASK, ran_at=now).execute()
    if pruned is not None:
        pruned.update(history)
    ratelimit.prune(RATE_HIT_RETENTION)
    if count:
        _empty_wal()
    return count


def maybe_purge() -> None:
    """before_request: purge at most once an hour across workers, so no cron is needed.

    Each process looks at the database at most once an hour, so requests (cached pages
    included) normally cost nothing here.
    """
    now = clock.utcnow()
    path = current_app.config["DATABASE"]
    if now < _next_purge_check.get(path, now):
        return
    _next_purge_check[path] = now + PURGE_EVERY
    try:
        last = (
            Housekeeping.select(Housekeeping.ran_at).where(Housekeeping.task == PURGE_TASK).scalar()
        )
        if last is None or now - last >= PURGE_EVERY:
            count = purge_expired()
            current_app.logger.info("retention purge deleted %d message(s)", count)
    except OperationalError as exc:  # busy, read-only or full: try again next hour
        fault, cause = fault_and_cause(exc)
        current_app.logger.warning("%s: retention purge skipped (%s)", fault or "error", cause)


def _empty_wal() -> None:
    """Checkpoint and truncate the WAL so deleted rows' old pages leave the -wal file."""
    try:
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except OperationalError as exc:  # e.g. read-only: the next checkpoint will do it
        current_app.logger.warning("WAL checkpoint after delete skipped: %s", exc)


@cms.command("purge")
def purge_command():
    """Delete contact messages older than the retention period; prune old revisions and
    activity entries."""
    connect()
    pruned: dict = {}
    count = purge_expired(pruned)
    click.echo(f"Deleted {count} message(s) older than {retention_days()} days.")
    click.echo("Pruned " + ", ".join(f"{n} old {what}" for what, n in pruned.items()) + ".")


def init_app(app) -> None:
    """Run the retention purge when due."""
    app.before_request(maybe_purge)
