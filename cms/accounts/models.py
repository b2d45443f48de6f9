"""Accounts and API tokens: who can sign in or call the Admin API, with which role."""

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
)

from ..core import clock
from ..core.db import BaseModel

ROLES = ("admin", "editor")
SCOPES = {
    "content:read": "Read everything in the Admin API, drafts included",
    "content:write": "Create, change, publish, trash and restore posts, pages and categories",
    "notices:write": "Switch notices and the availability state",
    "settings:write": "Change the site settings",
    "media:write": "Upload images",
}
# A token acts for its account and never does more than the account's role allows:
# editors edit content and notice text, but not settings (DESIGN.md, Users).
ROLE_SCOPES = {
    "admin": set(SCOPES),
    "editor": {"content:read", "content:write", "notices:write", "media:write"},
}


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


class ApiToken(BaseModel):
    name = CharField()
    token_hash = CharField(unique=True)
    prefix = CharField()  # the first characters, so people can tell tokens apart
    scopes = CharField()  # space-separated
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=clock.utcnow)
    expires_at = DateTimeField(null=True)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= clock.utcnow()

    @property
    def is_usable(self) -> bool:
        account_ok = self.user is None or self.user.active
        return self.revoked_at is None and not self.is_expired and account_ok

    def allows(self, scope: str) -> bool:
        """True if the token carries this scope and its account's current role permits it."""
        permitted = self.user is None or scope in ROLE_SCOPES.get(self.user.role, ())
        return scope in self.scope_list and permitted

    @classmethod
    def listing(cls):
        """Every token, newest first."""
        return cls.select().order_by(cls.created_at.desc(), cls.id.desc())
