"""Two-step sign-in: time-based one-time codes (TOTP, RFC 6238) and recovery codes.

TOTP secrets are stored sealed (Fernet) with a key derived from the instance's secret
key, which the database does not hold: a copy of the database or a backup reveals no
secret. The secret being set up waits in the database too (sealed, for SETUP_MINUTES),
never in the session cookie. Secrets stored before sealing existed are still read, and
sealed at the next start (reseal_secrets) or at their next use.
"""

import base64
import hashlib
import hmac
import io
import secrets
from datetime import UTC, timedelta

import pyotp
from flask import current_app
from markupsafe import Markup
from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from ..audit import describe, record, writes
from ..core import clock
from ..core.db import BaseModel, db
from .actors import require_self_or_admin
from .models import User

ISSUER = "practice-cms"
RECOVERY_CODES = 10
# Accept the code of the previous and next 30-second step too (clock drift, slow typing).
DRIFT_STEPS = 1
SETUP_MINUTES = 30  # how long a secret shown during setup waits for its confirming code
SEALED = "v1:"  # a sealed secret; anything else is a plain one from before (base32 has no ':')
PURPOSE = b"practice-cms two-step secrets v1"  # HKDF label: this key serves nothing else
_fernets: dict[tuple, list] = {}  # secret keys -> their Fernets, current key first


class RecoveryCode(BaseModel):
    # Plain SHA-256, not keyed: each code carries 50 random bits and is useless without
    # the password, and unkeyed codes still let the owner in if the secret key is lost.
    user = ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField()
    used_at = DateTimeField(null=True)


class PendingSecret(BaseModel):
    """The secret shown while two-step sign-in is being set up, until a code confirms it."""

    user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
    sealed = TextField()
    created_at = DateTimeField(default=clock.utcnow)


def _ciphers() -> list:
    """Fernets for the current secret key and then SECRET_KEY_FALLBACKS (loaded lazily)."""
    config = current_app.config
    keys = (config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or ()))
    if keys not in _fernets:
        from cryptography.fernet import Fernet
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        def derive(key) -> Fernet:
            raw = key.encode() if isinstance(key, str) else bytes(key)
            hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE)
            return Fernet(base64.urlsafe_b64encode(hkdf.derive(raw)))

        _fernets[keys] = [derive(key) for key in keys]
    return _fernets[keys]


def seal(secret: str) -> str:
    """A secret as stored: encrypted with the current instance key."""
    return SEALED + _ciphers()[0].encrypt(secret.encode()).decode()


def unseal(stored: str) -> tuple[str | None, bool]:
    """The secret and whether it is sealed with the current key; (None, False) if unreadable."""
    if not stored.startswith(SEALED):
        return stored or None, False  # a plain secret from before sealing
    from cryptography.fernet import InvalidToken

    token = stored.removeprefix(SEALED).encode()
    for n, cipher in enumerate(_ciphers()):
        try:
            return cipher.decrypt(token).decode(), n == 0
        except InvalidToken:
            continue
    return None, False


def is_readable(user: User) -> bool:
    """False when two-step sign-in is on but its secret cannot be opened (key changed)."""
    return not user.totp_secret or unseal(user.totp_secret)[0] is not None


def reseal_secrets() -> int:
    """Seal plain secrets, and re-seal those under a fallback key; return how many changed.

    Run at start, after migrating. Loads cryptography only when there is work: plain
    secrets exist, or SECRET_KEY_FALLBACKS is set (a key change in progress).
    """
    rows = User.select(User.id, User.totp_secret).where(User.totp_secret != "")
    if not current_app.config.get("SECRET_KEY_FALLBACKS"):
        rows = rows.where(~User.totp_secret.startswith(SEALED))
    changed = 0
    with db.atomic():
        for user in rows:
            secret, current = unseal(user.totp_secret)
            if secret and not current:
                User.update(totp_secret=seal(secret)).where(User.id == user.id).execute()
                changed += 1
    return changed


def new_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


def pending_secret(user: User) -> str:
    """The secret being set up for this account: the waiting one, or a new one."""
    since = clock.utcnow() - timedelta(minutes=SETUP_MINUTES)
    with db.atomic():
        PendingSecret.delete().where(PendingSecret.created_at <= since).execute()
        row = PendingSecret.get_or_none(PendingSecret.user == user)
        secret = unseal(row.sealed)[0] if row else None
        if secret is None:
            secret = new_secret()
            PendingSecret.replace(
                user=user, sealed=seal(secret), created_at=clock.utcnow()
            ).execute()
    return secret


def provisioning_uri(user: User, secret: str, issuer: str = ISSUER) -> str:
    """The otpauth:// URI an authenticator app reads."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The URI as an inline SVG QR code (made here: no request to any other site)."""
    import segno  # only when two-step sign-in is being set up

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer,
        kind="svg",
        scale=4,
        xmldecl=False,
        title="QR code for your authenticator app",
        dark="#000",
        light="#fff",
    )
    # Markup: segno's own output from our own data, not user-supplied HTML.
    return Markup(buffer.getvalue().decode())  # noqa: S704


def _digits(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace())


def matching_step(secret: str, code: str) -> int | None:
    """The time step whose code this is (within the allowed drift), or None."""
    code = _digits(code)
    if not (secret and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(clock.utcnow().replace(tzinfo=UTC))
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_totp(user: User, code: str) -> bool:
    """Accept a code once: a code already used (same or earlier step) is refused."""
    secret, current = unseal(user.totp_secret)
    step = matching_step(secret or "", code)
    if step is None or step <= user.totp_last_step:
        return False
    changes = {User.totp_last_step: step}
    if not current:  # plain, or under a fallback key: seal it with the current key now
        user.totp_secret = seal(secret)
        changes[User.totp_secret] = user.totp_secret
    with db.atomic():
        # Conditional update: two workers racing with the same code cannot both win.
        won = (
            User.update(changes)
            .where((User.id == user.id) & (User.totp_last_step < step))
            .execute()
        )
    user.totp_last_step = step
    return bool(won)


def _hash(code: str) -> str:
    normalized = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalized.encode()).hexdigest()


def _new_code() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _replace_codes(user: User) -> list[str]:
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.delete().where(RecoveryCode.user == user).execute()
    RecoveryCode.insert_many([{"user": user, "code_hash": _hash(c)} for c in codes]).execute()
    return codes


@writes("two_step.new_codes", what="make recovery codes")
def new_recovery_codes(user: User, *, actor) -> list[str]:
    """Replace the account's recovery codes; return the new ones (shown once)."""
    require_self_or_admin(actor, user, "make another account's recovery codes")
    with db.atomic():
        codes = _replace_codes(user)
        record("two_step.new_codes", describe(user), actor)
    return codes


@writes("two_step.enable", what="switch two-step sign-in on")
def enable(user: User, secret: str, confirmed_step: int, *, actor) -> list[str]:
    """Switch two-step sign-in on with a confirmed secret; return new recovery codes.

    The confirming code's step counts as used, so that code cannot sign in afterwards.
    """
    require_self_or_admin(actor, user, "switch on another account's two-step sign-in")
    with db.atomic():
        user.totp_secret = seal(secret)
        user.totp_last_step = confirmed_step
        user.save(only=[User.totp_secret, User.totp_last_step])
        PendingSecret.delete().where(PendingSecret.user == user).execute()
        codes = _replace_codes(user)
        record("two_step.enable", describe(user), actor)
    return codes


def switch_off(user: User) -> None:
    """Forget the secret and recovery codes; a part of disable() and of a password reset."""
    with db.atomic():
        RecoveryCode.delete().where(RecoveryCode.user == user).execute()
        PendingSecret.delete().where(PendingSecret.user == user).execute()
        user.totp_secret = ""
        user.totp_last_step = 0
        user.save(only=[User.totp_secret, User.totp_last_step])


@writes("two_step.disable", what="switch two-step sign-in off")
def disable(user: User, *, actor) -> None:
    """Switch two-step sign-in off and forget the secret and recovery codes."""
    require_self_or_admin(actor, user, "switch off another account's two-step sign-in")
    with db.atomic():
        switch_off(user)
        record("two_step.disable", describe(user), actor)


def use_recovery_code(user: User, code: str) -> bool:
    """Accept an unused recovery code once."""
    with db.atomic():
        return bool(
            RecoveryCode.update(used_at=clock.utcnow())
            .where(
                (RecoveryCode.user == user)
                & (RecoveryCode.code_hash == _hash(code))
                & RecoveryCode.used_at.is_null()
            )
            .execute()
        )


def remaining_recovery_codes(user: User) -> int:
    """How many recovery codes are still unused."""
    return (
        RecoveryCode.select()
        .where((RecoveryCode.user == user) & RecoveryCode.used_at.is_null())
        .count()
    )
