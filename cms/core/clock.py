"""The one source of "now", so tests can move time instead of sleeping."""

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (how the database stores times)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0) + _offset


def advance(delta: timedelta) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    """Put the clock back to real time."""
    global _offset
    _offset = timedelta(0)
