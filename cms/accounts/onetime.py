"""Single-use links: the first-start setup link and set-password links for accounts.

Only a SHA-256 hash of each token is stored (the token itself has 256 random bits), so
a copy of the database cannot be used to open a link.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from peewee import CharField, DateTimeField, ForeignKeyField

from ..core import clock
from ..core.db import BaseModel, connect, db
from .models import User

SETUP = "setup"
SET_PASSWORD = "set-password"  # noqa: S105  (a link purpose, not a password)


class OneTimeLink(BaseModel):
    purpose = CharField()
    token_hash = CharField(unique=True)
    user = ForeignKeyField(User, null=True, on_delete="CASCADE")
    created_at = DateTimeField(default=clock.utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)

    @classmethod
    def usable(cls, purpose: str):
        """Links of this purpose that are neither used nor expired."""
        return cls.select().where(
            (cls.purpose == purpose) & cls.used_at.is_null() & (cls.expires_at > clock.utcnow())
        )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(purpose: str, hours: float, user: User | None = None, replace: bool = True) -> str:
    """Make a new link token; earlier unused links of the same purpose and user stop working
    unless `replace` is false."""
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    with db.atomic():
        if replace:
            OneTimeLink.update(used_at=now).where(
                (OneTimeLink.purpose == purpose)
                & (OneTimeLink.user == user if user else OneTimeLink.user.is_null())
                & OneTimeLink.used_at.is_null()
            ).execute()
        OneTimeLink.create(
            purpose=purpose,
            token_hash=_hash(token),
            user=user,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    return token


def find(purpose: str, token: str) -> OneTimeLink | None:
    """The usable link for this token, or None (unknown, used or expired)."""
    if not token or len(token) > 100:
        return None
    return OneTimeLink.usable(purpose).where(OneTimeLink.token_hash == _hash(token)).first()


def consume(link: OneTimeLink) -> bool:
    """Mark a link used; False if someone else used it first. Call inside db.atomic()."""
    return bool(
        OneTimeLink.update(used_at=clock.utcnow())
        .where((OneTimeLink.id == link.id) & OneTimeLink.used_at.is_null())
        .execute()
    )


def setup_needed() -> bool:
    """True while the site has no account at all."""
    return not User.select().exists()


def link_base() -> str:
    """The site's address for printed links: SITE_URL, else where the server listens (both
    empty: the links are paths, to put after the site's address)."""
    config = current_app.config
    return (config["SITE_URL"] or config["LISTEN_URL"] or "").rstrip("/")


def setup_url(token: str) -> str:
    """Where the setup link points: absolute when the site's address is known, else a path."""
    return f"{link_base()}/admin/setup/{token}"


def announce_setup_link(app) -> None:
    """On a start with no account, log a one-time link that creates the first admin.

    Runs under the bootstrap lock (cms/ops/bootstrap.py). With gunicorn.conf.py the master's
    bootstrap runs it once per start and the workers skip it; other processes starting
    within a minute of a link point to it instead of issuing another, and a later one (a
    CLI command) adds a link without voiding the one already logged.
    """
    if not app.config["SETUP_LINK"]:
        return
    with app.app_context():
        connect()
        try:
            with db.atomic():
                if not setup_needed():
                    return
                if (
                    OneTimeLink.usable(SETUP)
                    .where(OneTimeLink.created_at > clock.utcnow() - timedelta(minutes=1))
                    .exists()
                ):
                    app.logger.warning("No account yet: use the setup link printed above.")
                    return
                # Earlier links stay valid: a CLI command (a nightly backup, say) starting
                # on a site nobody has set up yet must not void the link the server logged.
                # All of them end together when the first account exists.
                token = issue(SETUP, app.config["SETUP_LINK_HOURS"], replace=False)
            app.logger.warning(
                "No account yet. Create the first administrator within %s hours at this "
                "one-time link%s: %s  (or run: flask --app app cms create-user EMAIL)",
                app.config["SETUP_LINK_HOURS"],
                "" if link_base() else " (after this site's address)",
                setup_url(token),
            )
        finally:
            db.close()
