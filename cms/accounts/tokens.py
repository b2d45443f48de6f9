"""API tokens: random, shown once, stored only as a SHA-256 hash, scoped, expiring, revocable.

A token made for an account works only while the account is active, and only within
what the account's current role allows (an editor's token never changes settings).
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from peewee import JOIN

from ..audit import record, writes
from ..core import clock
from ..core.db import db
from ..core.validation import ValidationError, single_line
from .models import ROLE_SCOPES, SCOPES, ApiToken, User

PREFIX = "pcms_"
MAX_NAME = 80
MAX_EXPIRY_DAYS = 3650
# Writing "last used" on every call would make each API read a database write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def parse_scopes(value) -> list[str]:
    """Scopes from 'a,b' or 'a b' or a list; unknown or missing ones are a ValidationError."""
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value or [])
    unknown = [s for s in items if s not in SCOPES]
    if unknown:
        raise ValidationError({"scopes": f"Unknown scopes: {', '.join(map(str, unknown))}."})
    if not items:
        raise ValidationError({"scopes": "Choose at least one scope."})
    return [s for s in SCOPES if s in items]


def _account_errors(user: User | None, scopes: list[str]) -> dict:
    if user is None:
        return {}
    if not user.active:
        return {"user": f"The account {user.email} is disabled."}
    permitted = [s for s in SCOPES if s in ROLE_SCOPES.get(user.role, ())]
    beyond = [s for s in scopes if s not in permitted]
    if beyond:
        return {
            "scopes": f"The {user.role} {user.email} may not use {', '.join(beyond)}; "
            f"their tokens may have: {', '.join(permitted) or 'nothing'}."
        }
    return {}


@writes("token.create", admin=True, what="create API tokens")
def create_token(
    name: str, scopes, user: User | None = None, expires_days: int | None = None, *, actor
):
    """Create a token acting for `user` (None: for no account); return (ApiToken, the plain
    token, which is never stored)."""
    errors: dict = {}
    name = single_line(name, "name", errors)  # the text rule (cms.core.validation)
    if errors:
        raise ValidationError(errors)
    if not name or len(name) > MAX_NAME:
        raise ValidationError({"name": f"A name of 1 to {MAX_NAME} characters is required."})
    chosen = parse_scopes(scopes)
    if errors := _account_errors(user, chosen):
        raise ValidationError(errors)
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise ValidationError({"expires": f"Choose from 1 to {MAX_EXPIRY_DAYS} days."})
    plain = PREFIX + secrets.token_urlsafe(32)
    expires_at = clock.utcnow() + timedelta(days=expires_days) if expires_days else None
    with db.atomic():
        token = ApiToken.create(
            name=name,
            token_hash=_digest(plain),
            prefix=plain[: len(PREFIX) + 6],
            scopes=" ".join(chosen),
            user=user,
            expires_at=expires_at,
        )
        record("token.create", describe_token(token), actor)
    return token, plain


def describe_token(token: ApiToken) -> str:
    """'token 3: deploy-script' for log targets."""
    return f"token {token.id}: {token.name}"


def verify_token(plain: str) -> ApiToken | None:
    """The usable token for this secret, or None (unknown, revoked, expired, account disabled)."""
    if not plain or len(plain) > 200:
        return None
    digest = _digest(plain)
    token = (
        ApiToken.select(ApiToken, User)
        .join(User, JOIN.LEFT_OUTER)
        .where(ApiToken.token_hash == digest)
        .first()
    )
    # The lookup is by hash, so timing reveals nothing about the secret; compare anyway.
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if not token.is_usable:
        return None
    now = clock.utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        with db.atomic():
            ApiToken.update(last_used_at=now).where(ApiToken.id == token.id).execute()
        token.last_used_at = now
    return token


@writes("token.revoke", admin=True, what="revoke API tokens")
def revoke_token(token: ApiToken, *, actor) -> None:
    """Revoke a token for good (kept in the list, unusable)."""
    with db.atomic():
        # Conditional: of two revocations at once one is recorded.
        revoked = (
            ApiToken.update(revoked_at=clock.utcnow())
            .where((ApiToken.id == token.id) & ApiToken.revoked_at.is_null())
            .execute()
        )
        if revoked:
            record("token.revoke", describe_token(token), actor)
    token.revoked_at = token.revoked_at or clock.utcnow()
