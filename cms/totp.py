"""Two-step sign-in: time-based one-time codes (TOTP, RFC 6238) and recovery codes."""

import hashlib
import hmac
import io
import secrets
from datetime import UTC

import pyotp
from markupsafe import Markup
from peewee import CharField, DateTimeField, ForeignKeyField

from . import clock
from .db import BaseModel, db
from .models import User

ISSUER = "practice-cms"
RECOVERY_CODES = 10
# Accept the code of the previous and next 30-second step too (clock drift, slow typing).
DRIFT_STEPS = 1


class RecoveryCode(BaseModel):
    # SHA-256 suffices: each code carries 50 random bits, and whoever can read this table
    # can read the TOTP secret beside it anyway.
    user = ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField()
    used_at = DateTimeField(null=True)


def new_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


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
    step = matching_step(user.totp_secret, code)
    if step is None or step <= user.totp_last_step:
        return False
    with db.atomic():
        # Conditional update: two workers racing with the same code cannot both win.
        won = (
            User.update(totp_last_step=step)
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


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes; return the new ones (shown once)."""
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    with db.atomic():
        RecoveryCode.delete().where(RecoveryCode.user == user).execute()
        RecoveryCode.insert_many([{"user": user, "code_hash": _hash(c)} for c in codes]).execute()
    return codes


def enable(user: User, secret: str, confirmed_step: int) -> list[str]:
    """Switch two-step sign-in on with a confirmed secret; return new recovery codes.

    The confirming code's step counts as used, so that code cannot sign in afterwards.
    """
    with db.atomic():
        user.totp_secret = secret
        user.totp_last_step = confirmed_step
        user.save(only=[User.totp_secret, User.totp_last_step])
        return new_recovery_codes(user)


def disable(user: User) -> None:
    """Switch two-step sign-in off and forget the secret and recovery codes."""
    with db.atomic():
        RecoveryCode.delete().where(RecoveryCode.user == user).execute()
        user.totp_secret = ""
        user.totp_last_step = 0
        user.save(only=[User.totp_secret, User.totp_last_step])


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
