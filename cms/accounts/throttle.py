"""Sign-in throttling, stored in the database so every worker process shares it.

Failures are counted within a sliding window per account and address together (the
e-mail typed, known or not, from one client address), per address, and per account from
every address. The per-pair limit is low, so a stranger guessing from one address cannot
lock the owner out elsewhere; the account-wide ceiling is much higher (10 times the pair
limit unless configured) and only slows guessing spread over many addresses. Keys are
stored as keyed hashes: the table never holds an address or an e-mail in the clear, and
rows older than the window are deleted.

A browser that signed in to an account before carries a signed device cookie for it
(OWASP's "device cookies"). Its attempts on that account are counted per device cookie
only, so neither the account-wide ceiling nor a busy shared address (an office NAT) keeps
the owner out; too many failures with one device cookie pause that cookie alone. The
cookie is bound to the account's password hash: a password change or reset ends it, and
a disabled account's cookies are refused.
"""

import hashlib
import hmac
import math
import secrets
from datetime import timedelta

from flask import after_this_request, current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer
from peewee import CharField, DateTimeField
from werkzeug.exceptions import TooManyRequests

from ..audit import client_address
from ..core import clock
from ..core.db import BaseModel, db
from .models import User

MESSAGE = (
    "Too many unsuccessful sign-in attempts. For your safety, signing in is paused for "
    "a while; please try again in {minutes} minute{s}."
)


class LoginFailure(BaseModel):
    # "pair" (account and address), "address", "account" (everywhere) or "device" (cookie)
    scope = CharField()
    key_hash = CharField()
    created_at = DateTimeField(default=clock.utcnow)

    class Meta:
        indexes = ((("scope", "key_hash", "created_at"), False),)


def _key(scope: str, value: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()


def _window() -> timedelta:
    return timedelta(seconds=current_app.config["LOGIN_THROTTLE_WINDOW"])


def _pair_key(email: str, address: str) -> str:
    return _key("pair", f"{email.strip().lower()}\n{address}")


def _keys(email: str, address: str, device: str | None = None) -> list[tuple[str, str, int]]:
    config = current_app.config
    per_pair = config["LOGIN_THROTTLE_ACCOUNT"]
    if device:
        return [("device", _key("device", device), per_pair)]
    return [
        ("pair", _pair_key(email, address), per_pair),
        ("address", _key("address", address), config["LOGIN_THROTTLE_ADDRESS"]),
        (
            "account",
            _key("account", email.strip().lower()),
            config["LOGIN_THROTTLE_ACCOUNT_GLOBAL"] or 10 * per_pair,
        ),
    ]


def retry_after(email: str, address: str, device: str | None = None) -> int:
    """Seconds until another try is allowed for this account and address, or this device
    cookie (0: allowed now)."""
    now = clock.utcnow()
    since = now - _window()
    wait = 0
    for scope, key, limit in _keys(email, address, device):
        recent = (
            LoginFailure.select(LoginFailure.created_at)
            .where(
                (LoginFailure.scope == scope)
                & (LoginFailure.key_hash == key)
                & (LoginFailure.created_at > since)
            )
            .order_by(LoginFailure.created_at.desc())
            .limit(limit)
        )
        times = [row.created_at for row in recent]
        if len(times) >= limit:
            # Allowed again once the oldest of the last `limit` failures leaves the window.
            wait = max(wait, math.ceil((times[-1] + _window() - now).total_seconds()))
    return max(wait, 0)


def check(email: str, address: str, device: str | None = None) -> None:
    """Raise 429 (with Retry-After) when this pair, address or account (or, for a trusted
    browser, its device cookie) has failed too often."""
    wait = retry_after(email, address, device)
    if wait:
        minutes = max(1, math.ceil(wait / 60))
        raise TooManyRequests(
            MESSAGE.format(minutes=minutes, s="" if minutes == 1 else "s"), retry_after=wait
        )


def record_failure(email: str, address: str, device: str | None = None) -> None:
    """Count one failed try against the pair, the address and the account (or the device
    cookie alone); drop old rows."""
    now = clock.utcnow()
    with db.atomic():
        LoginFailure.delete().where(LoginFailure.created_at <= now - _window()).execute()
        for scope, key, _limit in _keys(email, address, device):
            LoginFailure.create(scope=scope, key_hash=key, created_at=now)


def clear_account(email: str, address: str | None = None, device: str | None = None) -> None:
    """Forget the account's failures from this address (the request's), and this device
    cookie's, after a sign-in."""
    # The account-wide count stays: a sign-in must not renew a distributed guesser's budget.
    pair = _pair_key(email, client_address() if address is None else address)
    done = (LoginFailure.scope == "pair") & (LoginFailure.key_hash == pair)
    if device:
        done |= (LoginFailure.scope == "device") & (LoginFailure.key_hash == _key("device", device))
    with db.atomic():
        LoginFailure.delete().where(done).execute()


# Device cookies

DEVICE_COOKIE = "cms_device"
DEVICE_DAYS = 365


def _devices() -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [*(config.get("SECRET_KEY_FALLBACKS") or ()), config["SECRET_KEY"]]  # newest last
    return URLSafeTimedSerializer(
        keys, salt="device-cookie", signer_kwargs={"digest_method": hashlib.sha256}
    )


def _password_tag(user: User) -> str:
    # Changes with every new password hash (change, reset, link), so old cookies stop.
    return hashlib.sha256(f"device:{user.password_hash}".encode()).hexdigest()[:32]


def trusted_device(user: User | None) -> str | None:
    """The device cookie's id if this request carries a valid one for this account."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not (value and user and user.active and user.password_hash):
        return None
    try:
        user_id, device, tag = _devices().loads(value, max_age=DEVICE_DAYS * 86400)
    except (BadData, TypeError, ValueError):
        return None
    if user_id != user.id or not isinstance(device, str) or not isinstance(tag, str):
        return None
    return device if hmac.compare_digest(tag, _password_tag(user)) else None


def remember_device(user: User) -> None:
    """Give this browser a new device cookie for the account (on the current response)."""
    value = _devices().dumps([user.id, secrets.token_urlsafe(16), _password_tag(user)])
    secure = bool(current_app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_DAYS * 86400,
            path="/admin",
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
        return response
