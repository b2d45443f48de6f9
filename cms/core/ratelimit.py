"""A per-address rate limiter kept in the database, so every worker process shares it.

Addresses are stored only as a keyed hash (HMAC with the secret key), and rows older than
their window are pruned as new attempts arrive, so no IP address is kept.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from peewee import CharField, DateTimeField

from . import clock
from .db import BaseModel, db


class RateHit(BaseModel):
    """One counted attempt in a bucket (e.g. "contact") by one hashed address."""

    bucket = CharField()
    key = CharField()
    at = DateTimeField(default=clock.utcnow)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until one more attempt is allowed (0 when allowed)


def address_key(bucket: str, address: str) -> str:
    """A keyed hash of a client address: equal for the same address, not reversible."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{bucket}:{address}".encode(), hashlib.sha256).hexdigest()[:32]


def hit(bucket: str, address: str, limit: int, window: int) -> Verdict:
    """Count one attempt; refuse (without counting) when `limit` were made in `window` s."""
    key = address_key(bucket, address)
    now = clock.utcnow()
    since = now - timedelta(seconds=window)
    with db.atomic():
        RateHit.delete().where((RateHit.bucket == bucket) & (RateHit.at <= since)).execute()
        times = [
            row.at
            for row in RateHit.select(RateHit.at)
            .where((RateHit.bucket == bucket) & (RateHit.key == key))
            .order_by(RateHit.at)
        ]
        if len(times) >= limit:
            wait = (times[-limit] + timedelta(seconds=window) - now).total_seconds()
            return Verdict(False, max(1, int(wait) + 1))
        RateHit.create(bucket=bucket, key=key, at=now)
    return Verdict(True, 0)


def prune(older_than: int) -> int:
    """Delete attempts older than `older_than` seconds in every bucket; return how many."""
    since = clock.utcnow() - timedelta(seconds=older_than)
    with db.atomic():
        return RateHit.delete().where(RateHit.at <= since).execute()
