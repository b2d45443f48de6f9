"""Contact messages as stored: sealed contents, and the times (received, read, handled)
that stay readable for sorting and retention."""

from datetime import timedelta
from functools import cached_property

from flask import current_app
from peewee import CharField, DateTimeField, TextField

from ..core import clock
from ..core.db import BaseModel
from .keys import unseal


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


def retention_days() -> int:
    """How many days messages are kept (config MESSAGE_RETENTION_DAYS, at least 1)."""
    return max(1, int(current_app.config["MESSAGE_RETENTION_DAYS"]))
