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
from datetime import datetime, timedelta
from functools import cached_property

import click
from flask import current_app
from peewee import CharField, DateTimeField, OperationalError, TextField

from . import clock, ratelimit
from .cli import cms
from .db import BaseModel, connect, db
from .sanitize import email_address, tel_url
from .services import ValidationError

CONFIG_DEFAULTS = {
    "MESSAGE_RETENTION_DAYS": 90,
    "CONTACT_MIN_SECONDS": 3,  # a person takes longer than this to fill in the form
    "CONTACT_RATE_LIMIT": 10,  # form submissions per address ...
    "CONTACT_RATE_WINDOW": 3600,  # ... per this many seconds
}
MAX_NAME = 100  # characters, as the contact form says
MAX_MESSAGE = 5000
PURGE_TASK = "message-purge"
PURGE_EVERY = timedelta(hours=1)
RATE_HIT_RETENTION = 24 * 3600  # seconds; longer than any rate-limit window in use
BAD_EMAIL = "Please enter an e-mail address such as name@example.org."
BAD_PHONE = "Please enter a phone number using digits (spaces, +, - and brackets are fine)."
_keys: dict = {}  # key path -> Fernet
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


def _read_or_create_key(path: str) -> bytes:
    """Read the key, creating it (mode 0600) on first use; safe when workers race."""
    try:
        with open(path, "rb") as fh:
            return fh.read().strip()
    except FileNotFoundError:
        pass
    temp = f"{path}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(base64.urlsafe_b64encode(os.urandom(32)) + b"\n")  # a Fernet key
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(temp, path)  # atomic: fails if another worker created the key first
        current_app.logger.warning("created a new message key at %s; back it up", path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)
    with open(path, "rb") as fh:
        return fh.read().strip()


def fernet():
    """The cipher for this instance's messages (cryptography loads on first use)."""
    from cryptography.fernet import Fernet

    path = key_path()
    if path not in _keys:
        _keys[path] = Fernet(_read_or_create_key(path))
    return _keys[path]


def seal(contents: dict) -> str:
    """Encrypt and authenticate a message's fields."""
    return fernet().encrypt(json.dumps(contents).encode()).decode()


def unseal(token: str) -> dict | None:
    """Decrypt a sealed message; None if it was sealed with another key or altered."""
    from cryptography.fernet import InvalidToken

    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken:
        return None


def check_contents(contents: dict) -> dict:
    """A new message's fields, the e-mail address in its normal form; ValidationError if the
    address or the phone number is not one (the inbox makes mailto: and tel: links of them),
    or the name or message is longer than the form allows."""
    errors, clean = {}, dict(contents)
    try:
        clean["email"] = email_address(str(contents.get("email") or ""))
    except ValueError:
        errors["email"] = BAD_EMAIL
    if contents.get("phone") and tel_url(str(contents["phone"])) is None:
        errors["phone"] = BAD_PHONE
    for field, limit in (("name", MAX_NAME), ("message", MAX_MESSAGE)):
        if len(str(contents.get(field) or "")) > limit:
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


def purge_expired() -> int:
    """Delete messages past the retention period; return how many were deleted."""
    now = clock.utcnow()
    with db.atomic():
        count = (
            Message.delete()
            .where(Message.created_at <= now - timedelta(days=retention_days()))
            .execute()
        )
        Housekeeping.replace(task=PURGE_TASK, ran_at=now).execute()
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
    except OperationalError as exc:  # busy or read-only: try again next hour
        current_app.logger.warning("retention purge skipped: %s", exc)


def _empty_wal() -> None:
    """Checkpoint and truncate the WAL so deleted rows' old pages leave the -wal file."""
    try:
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except OperationalError as exc:  # e.g. read-only: the next checkpoint will do it
        current_app.logger.warning("WAL checkpoint after delete skipped: %s", exc)


@cms.command("purge")
def purge_command():
    """Delete contact messages older than the retention period."""
    connect()
    count = purge_expired()
    click.echo(f"Deleted {count} message(s) older than {retention_days()} days.")


def init_app(app) -> None:
    """Fill in message settings not configured, and run the retention purge when due."""
    for name, value in CONFIG_DEFAULTS.items():
        app.config.setdefault(name, value)
    app.before_request(maybe_purge)
