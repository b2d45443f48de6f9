"""The SQLite database: one file, one lazily opened connection per worker thread."""

import os
import sqlite3

from peewee import Model, OperationalError, SqliteDatabase
from playhouse.migrations import Runner

# Opened lazily (never before gunicorn forks) and kept per thread: peewee keeps
# connection state in a thread-local, so each worker thread reuses its own.
# Every db.atomic() begins IMMEDIATE: a deferred transaction that turns into a write
# fails at once in WAL mode when another writer holds the lock.
db = SqliteDatabase(None, lock_type="IMMEDIATE")

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    # FULL for the contact inbox's sake: an acknowledged message survives power loss.
    "synchronous": "full",
    "secure_delete": "on",
    "cache_size": -8000,
}


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


def configure(path: str) -> None:
    """Point the database at a file (does not open it)."""
    if not db.is_closed():
        db.close()
    db.init(path, pragmas=PRAGMAS, timeout=10)


def connect() -> None:
    """Open this thread's connection if it is not open yet."""
    db.connect(reuse_if_open=True)


def migrate(target: str | None = None) -> list[str]:
    """Apply pending numbered migrations; return their names."""
    return Runner(db, MIGRATIONS_DIR).up(target)


def pending_migrations() -> list[str]:
    """Names of migrations not yet applied."""
    return [m.name for m in Runner(db, MIGRATIONS_DIR).status() if not m.applied]


def change_marker() -> tuple[int, int, int]:
    """A cheap marker that changes when anyone commits: other connections (data_version)
    or this one (total_changes). Costs one pragma on the open connection."""
    conn = db.connection()
    return id(conn), conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes


def init_app(app) -> None:
    """Configure the database for the app and open a connection per request thread."""
    configure(app.config["DATABASE"])
    app.before_request(connect)


def is_locked_error(exc: Exception) -> bool:
    """True for SQLite busy/locked/read-only/full errors that deserve a 503."""
    # peewee re-raises sqlite3's error as its own OperationalError with the original only
    # as __context__; and after SQLITE_FULL (which rolls back by itself) peewee's own
    # rollback fails too, hiding the real error one link further down the chain.
    while exc is not None:
        if isinstance(exc, sqlite3.OperationalError | OperationalError) and any(
            word in str(exc) for word in ("locked", "readonly", "full", "disk I/O")
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
