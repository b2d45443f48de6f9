"""Contact messages: checked and stored sealed (cms.messages.keys), read, handled and
deleted by those allowed to read them; kept for a limited time (cms.messages.retention).

Everything a visitor writes (name, e-mail, phone, preferred contact, message) is sealed
into one Fernet token (AES-128-CBC + HMAC-SHA256) whose key lives in instance/message_key,
beside the database but not in it: a copied database file or backup reveals nothing.
Only the times (received, read, handled) stay readable, for sorting and retention.
"""

from ..accounts.actors import NotAllowed, actor_role
from ..audit import record, writes
from ..core import clock
from ..core.addresses import email_address, phone_number
from ..core.db import db
from ..core.validation import ValidationError, multi_line, single_line
from ..site.models import setting
from .keys import seal
from .models import Message
from .retention import empty_wal, maybe_purge

MAX_NAME = 100  # characters, as the contact form says
MAX_MESSAGE = 5000


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
        clean["email"] = email_address(contents.get("email"))
    except ValueError as exc:
        errors["email"] = str(exc)
    if clean["phone"] and "phone" not in errors:
        try:
            clean["phone"] = phone_number(clean["phone"])
        except ValueError as exc:
            errors["phone"] = str(exc)
    for field, limit in (("name", MAX_NAME), ("message", MAX_MESSAGE)):
        if len(str(clean.get(field) or "")) > limit:  # as stored
            errors[field] = f"Please keep this under {limit:,} characters."
    if errors:
        raise ValidationError(errors)
    return clean


def store_message(contents: dict) -> Message:
    """Check and save a new message, encrypted; committed when this returns.

    The contact form's write: its sender is a visitor, not an actor with a role, so it is
    no @writes function and logs nothing (the activity log never holds message text).
    """
    sealed = seal(check_contents(contents))
    with db.atomic():
        return Message.create(sealed=sealed, created_at=clock.utcnow())


NOT_A_READER = (
    "Contact messages can be read by administrators only. An administrator can allow "
    "editors to read them in the inbox."
)


def may_read(actor) -> bool:
    """Administrators always; editors only when an administrator has allowed it."""
    role = actor_role(actor)
    return role == "admin" or (role == "editor" and bool(setting("editors_can_read_messages")))


def _require_reader(actor) -> None:
    if not may_read(actor):
        raise NotAllowed(NOT_A_READER)


@writes("message.read", what="mark messages read")
def mark_read(message: Message, *, actor) -> None:
    """Record that the message was opened (first time only)."""
    _require_reader(actor)
    with db.atomic():
        opened = (
            Message.update(read_at=clock.utcnow())
            .where((Message.id == message.id) & Message.read_at.is_null())
            .execute()
        )
        if opened:
            record("message.read", f"message {message.id}", actor)


@writes("message.handled", what="mark messages handled")
def set_handled(message: Message, handled: bool, *, actor) -> None:
    """Mark the message handled, or open again."""
    _require_reader(actor)
    with db.atomic():
        message.handled_at = clock.utcnow() if handled else None
        message.read_at = message.read_at or clock.utcnow()
        message.save(only=[Message.handled_at, Message.read_at])
        state = "handled" if handled else "not handled"
        record("message.handled", f"message {message.id}: {state}", actor)


@writes("message.delete", what="delete messages")
def delete_message(message: Message, *, actor) -> None:
    """Delete one message for good (secure_delete overwrites it; the WAL is emptied)."""
    _require_reader(actor)
    with db.atomic():
        message.delete_instance()
        record("message.delete", f"message {message.id}", actor)
    empty_wal()


def init_app(app) -> None:
    """Run the retention purge when due."""
    app.before_request(maybe_purge)
