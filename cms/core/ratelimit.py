"""The one rate limiter: a sliding window kept in the database, so every worker shares it.

A Policy says what is limited (a bucket), how many attempts are allowed (`count`) in how
many seconds (`window`), both read from the settings when used, and what people are told
past it. Keys (client addresses, accounts, tokens) are stored only as keyed hashes (HMAC
with the secret key), and rows older than their window are pruned as attempts arrive, so
no address is kept.
"""

import hashlib
import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from peewee import CharField, DateTimeField

from . import clock
from .db import BaseModel, db


class RateHit(BaseModel):
    """One counted attempt in a bucket (e.g. "contact") by one hashed key."""

    bucket = CharField()
    key = CharField()
    at = DateTimeField(default=clock.utcnow)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until one more attempt is allowed (0 when allowed)


def setting(name: str) -> Callable[[], int]:
    """A limit read from the configuration each time it is used."""
    return lambda: int(current_app.config[name])


@dataclass(frozen=True)
class Policy:
    """A limit on one kind of attempt: key -> at most count() per window() seconds."""

    bucket: str
    count: Callable[[], int]
    window: Callable[[], int]
    message: str  # may name {minutes} and {s} (the plural ending)

    def key(self, value: str) -> str:
        """A keyed hash of what is counted: equal for the same value, not reversible."""
        secret = str(current_app.config["SECRET_KEY"]).encode()
        return hmac.new(secret, f"{self.bucket}:{value}".encode(), hashlib.sha256).hexdigest()

    def wait(self, value: str) -> int:
        """Seconds until one more attempt is allowed (0: allowed now); counts nothing."""
        return _wait(self.bucket, self.key(value), self.count(), self.window())

    def record(self, value: str) -> None:
        """Count one attempt (a failed sign-in, say) whatever the verdict."""
        with db.atomic():
            _prune(self.bucket, self.window())
            RateHit.create(bucket=self.bucket, key=self.key(value), at=clock.utcnow())

    def hit(self, value: str) -> Verdict:
        """Count one attempt, or refuse it (without counting) when the limit is reached."""
        key, limit, window = self.key(value), self.count(), self.window()
        with db.atomic():
            _prune(self.bucket, window)
            wait = _wait(self.bucket, key, limit, window)
            if wait:
                return Verdict(False, wait)
            RateHit.create(bucket=self.bucket, key=key, at=clock.utcnow())
        return Verdict(True, 0)

    def left(self, value: str) -> int:
        """How many more attempts the limit allows now (before hit() would refuse)."""
        since = clock.utcnow() - timedelta(seconds=self.window())
        used = (
            RateHit.select()
            .where((RateHit.bucket == self.bucket) & (RateHit.key == self.key(value)))
            .where(RateHit.at > since)
            .count()
        )
        return max(0, self.count() - used)

    def forget(self, value: str) -> None:
        """Drop the attempts counted for this value (e.g. after a good sign-in)."""
        key = self.key(value)
        with db.atomic():
            RateHit.delete().where((RateHit.bucket == self.bucket) & (RateHit.key == key)).execute()

    def say(self, wait: int) -> str:
        """The message for a refusal that lasts `wait` seconds."""
        minutes = max(1, math.ceil(wait / 60))
        return self.message.format(minutes=minutes, s="" if minutes == 1 else "s")


def _prune(bucket: str, window: int) -> None:
    since = clock.utcnow() - timedelta(seconds=window)
    RateHit.delete().where((RateHit.bucket == bucket) & (RateHit.at <= since)).execute()


def _wait(bucket: str, key: str, limit: int, window: int) -> int:
    now = clock.utcnow()
    recent = (
        RateHit.select(RateHit.at)
        .where((RateHit.bucket == bucket) & (RateHit.key == key))
        .where(RateHit.at > now - timedelta(seconds=window))
        .order_by(RateHit.at.desc())
        .limit(limit)
    )
    times = [row.at for row in recent]
    if len(times) < limit:
        return 0
    # Allowed again once the oldest of the last `limit` attempts leaves the window.
    return max(1, math.ceil((times[-1] + timedelta(seconds=window) - now).total_seconds()))


def hit(bucket: str, value: str, limit: int, window: int) -> Verdict:
    """Count one attempt in a fixed limit: Policy.hit without a policy of its own."""
    return Policy(bucket, lambda: limit, lambda: window, "").hit(value)


def prune(older_than: int) -> int:
    """Delete attempts older than `older_than` seconds in every bucket; return how many."""
    since = clock.utcnow() - timedelta(seconds=older_than)
    with db.atomic():
        return RateHit.delete().where(RateHit.at <= since).execute()
