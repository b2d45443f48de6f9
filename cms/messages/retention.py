"""Retention: messages past MESSAGE_RETENTION_DAYS are deleted, at most once an hour
across workers (no cron needed), with old revisions, activity entries and rate-limit hits."""

from datetime import datetime, timedelta

from flask import current_app
from peewee import OperationalError

from ..audit import prune_activity
from ..content.revisions import prune_revisions
from ..core import clock, ratelimit
from ..core.db import db, fault_and_cause
from .models import Housekeeping, Message, retention_days

PURGE_TASK = "message-purge"
PURGE_EVERY = timedelta(hours=1)
RATE_HIT_RETENTION = 24 * 3600  # seconds; longer than any rate-limit window in use
_next_purge_check: dict[str, datetime] = {}  # per database file, in this process


def purge_expired(pruned: dict | None = None) -> int:
    """Delete messages past the retention period; return how many were deleted.

    Old revisions and activity entries are pruned at the same time (their counts go into
    `pruned` when given).
    """
    now = clock.utcnow()
    with db.atomic():
        count = (
            Message.delete()
            .where(Message.created_at <= now - timedelta(days=retention_days()))
            .execute()
        )
        history = {"revisions": prune_revisions(now), "activity entries": prune_activity(now)}
        Housekeeping.replace(task=PURGE_TASK, ran_at=now).execute()
    if pruned is not None:
        pruned.update(history)
    ratelimit.prune(RATE_HIT_RETENTION)
    if count:
        empty_wal()
    return count


def purge_due(app) -> bool:
    """True when this process's next look at the purge is due (no database work), so
    requests that skip Flask (cache hits) let one through to maybe_purge."""
    path = app.config["DATABASE"]
    return path not in _next_purge_check or clock.utcnow() >= _next_purge_check[path]


def maybe_purge() -> None:
    """before_request: purge at most once an hour across workers, so no cron is needed.

    Each process looks at the database at most once an hour, so requests (cached pages
    included) normally cost nothing here.
    """
    now = clock.utcnow()
    path = current_app.config["DATABASE"]
    if now < _next_purge_check.get(path, now):
        return
    _next_purge_check[path] = now + PURGE_EVERY
    try:
        last = (
            Housekeeping.select(Housekeeping.ran_at).where(Housekeeping.task == PURGE_TASK).scalar()
        )
        if last is None or now - last >= PURGE_EVERY:
            count = purge_expired()
            current_app.logger.info("retention purge deleted %d message(s)", count)
    except OperationalError as exc:  # busy, read-only or full: try again next hour
        fault, cause = fault_and_cause(exc)
        current_app.logger.warning("%s: retention purge skipped (%s)", fault or "error", cause)


def empty_wal() -> None:
    """Checkpoint and truncate the WAL so deleted rows' old pages leave the -wal file."""
    try:
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except OperationalError as exc:  # e.g. read-only: the next checkpoint will do it
        current_app.logger.warning("WAL checkpoint after delete skipped: %s", exc)
