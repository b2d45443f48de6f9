"""Accounts: who can sign in to the editor, with which role and which sign-in secrets."""

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    IntegerField,
)

from ..core import clock
from ..core.db import BaseModel

ROLES = ("admin", "editor")


class User(BaseModel):
    email = CharField(unique=True)
    name = CharField(default="")
    password_hash = CharField(default="")
    role = CharField(default="editor")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=clock.utcnow)
    # Sign-in security (migration 0003, cms.accounts.guard): rotating session_token ends every
    # session and remember cookie of the account; totp_* hold the two-step sign-in.
    session_token = CharField(default="")
    totp_secret = CharField(default="")
    totp_last_step = IntegerField(default=0)
    must_change_password = BooleanField(default=False)
    last_login_at = DateTimeField(null=True)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    # Flask-Login's user interface.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and the remember cookie, so a rotated
        # token invalidates both (see cms.accounts.guard.load_user).
        return f"{self.id}:{self.session_token}"
