"""Sign-in throttling, stored in the database so every worker process shares it.

Failures are counted within a sliding window per account and address together (the
e-mail typed, known or not, from one client address), per address, and per account from
every address. The per-pair limit is low, so a stranger guessing from one address cannot
lock the owner out elsewhere; the account-wide ceiling is much higher (10 times the pair
limit unless configured) and only slows guessing spread over many addresses. Keys are
stored as keyed hashes: the table never holds an address or an e-mail in the clear, and
rows older than the window are deleted.
"""

import hashlib
import hmac
import math
from datetime import timedelta

from flask import current_app
from peewee import CharField, DateTimeField
from werkzeug.exceptions import TooManyRequests

from . import clock
from .activity import client_address
from .db import BaseModel, db

MESSAGE = (
    "Too many unsuccessful sign-in attempts. For your safety, signing in is paused for "
    "a while; please try again in {minutes} minute{s}."
)


class LoginFailure(BaseModel):
    scope = CharField()  # "pair" (account and address), "address" or "account" (everywhere)
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


def _keys(email: str, address: str) -> list[tuple[str, str, int]]:
    config = current_app.config
    per_pair = config["LOGIN_THROTTLE_ACCOUNT"]
    return [
        ("pair", _pair_key(email, address), per_pair),
        ("address", _key("address", address), config["LOGIN_THROTTLE_ADDRESS"]),
        (
            "account",
            _key("account", email.strip().lower()),
            config["LOGIN_THROTTLE_ACCOUNT_GLOBAL"] or 10 * per_pair,
        ),
    ]


def retry_after(email: str, address: str) -> int:
    """Seconds until another try is allowed for this account and address (0: allowed now)."""
    now = clock.utcnow()
    since = now - _window()
    wait = 0
    for scope, key, limit in _keys(email, address):
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


def check(email: str, address: str) -> None:
    """Raise 429 (with Retry-After) when this pair, address or account has failed too often."""
    wait = retry_after(email, address)
    if wait:
        minutes = max(1, math.ceil(wait / 60))
        raise TooManyRequests(
            MESSAGE.format(minutes=minutes, s="" if minutes == 1 else "s"), retry_after=wait
        )


def record_failure(email: str, address: str) -> None:
    """Count one failed try against the pair, the address and the account; drop old rows."""
    now = clock.utcnow()
    with db.atomic():
        LoginFailure.delete().where(LoginFailure.created_at <= now - _window()).execute()
        for scope, key, _limit in _keys(email, address):
            LoginFailure.create(scope=scope, key_hash=key, created_at=now)


def clear_account(email: str, address: str | None = None) -> None:
    """Forget the account's failures from this address (the request's) after a sign-in."""
    # The account-wide count stays: a sign-in must not renew a distributed guesser's budget.
    key = _pair_key(email, client_address() if address is None else address)
    with db.atomic():
        LoginFailure.delete().where(
            (LoginFailure.scope == "pair") & (LoginFailure.key_hash == key)
        ).execute()
