"""The SQLite database: one file, one lazily opened connection per worker thread."""

import errno
import logging
import os
import sqlite3
from urllib.parse import quote

from flask import current_app, has_app_context
from peewee import Model, OperationalError, SqliteDatabase
from playhouse.migrations import Runner

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    # FULL for the contact inbox's sake: an acknowledged message survives power loss.
    "synchronous": "full",
    "secure_delete": "on",
    "cache_size": -8000,
}

# What a storage fault is called in logs and in the health check.
DISK_FULL, READ_ONLY, BUSY, IO_ERROR = (
    "disk is full",
    "database is read-only",
    "database is busy",
    "disk I/O error",
)
LOW_SPACE = 1024 * 1024  # less free space than this on the database's disk counts as full
_CODES = {"SQLITE_FULL": DISK_FULL, "SQLITE_READONLY": READ_ONLY, "SQLITE_BUSY": BUSY,
          "SQLITE_LOCKED": BUSY, "SQLITE_IOERR": IO_ERROR}  # fmt: skip
_WORDS = {"locked": BUSY, "readonly": READ_ONLY, "full": DISK_FULL, "disk I/O": IO_ERROR}
_ERRNOS = {errno.ENOSPC: DISK_FULL, errno.EDQUOT: DISK_FULL, errno.EROFS: READ_ONLY}
_incident: dict[str, str | None] = {"reason": None}  # this process's read-only fallback


def _logger():
    return current_app.logger if has_app_context() else logging.getLogger("cms")


class SiteDatabase(SqliteDatabase):
    """SQLite that still serves readers when the disk is full or read-only at start.

    A WAL database needs its -shm index file, which cannot be created on a read-only
    folder nor grown on a full disk: every query would fail. Then, if the WAL holds no
    committed changes, the file is opened read-only as immutable, so pages are served and
    every write fails as read-only (a 503). connect() tries the real database again on the
    next request, so the fallback lasts only while the fault does.
    """

    def _connect(self):
        try:
            conn = super()._connect()
        except sqlite3.OperationalError as exc:
            reason = storage_fault(exc, self.database)
            if reason not in (DISK_FULL, READ_ONLY) or not _wal_is_empty(self.database):
                raise
            conn = self._connect_immutable()
            self._state.fallback = reason
            if _incident["reason"] != reason:
                _incident["reason"] = reason
                _logger().error(
                    "%s: %s opened read-only (%s); readers are served, every change "
                    "answers 503 until this is fixed",
                    reason, self.database, exc,
                )  # fmt: skip
            return conn
        self._state.fallback = None
        if _incident["reason"]:
            _logger().warning("%s is writable again", self.database)
            _incident["reason"] = None
        return conn

    def _connect_immutable(self):
        uri = f"file:{quote(os.path.abspath(self.database))}?immutable=1"
        conn = sqlite3.connect(uri, uri=True, timeout=self._timeout, isolation_level=None)
        try:
            self._add_conn_hooks(conn)
        except Exception:
            conn.close()
            raise
        return conn

    def fallback_reason(self) -> str | None:
        """Why this thread's connection is a read-only fallback (None when it is not)."""
        return None if self.is_closed() else getattr(self._state, "fallback", None)


# Opened lazily (never before gunicorn forks) and kept per thread: peewee keeps
# connection state in a thread-local, so each worker thread reuses its own.
# Every db.atomic() begins IMMEDIATE: a deferred transaction that turns into a write
# fails at once in WAL mode when another writer holds the lock.
db = SiteDatabase(None, lock_type="IMMEDIATE")


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


def _wal_is_empty(path: str) -> bool:
    """True when the WAL holds nothing that the database file lacks."""
    try:
        return os.path.getsize(f"{path}-wal") == 0
    except FileNotFoundError:
        return True


def configure(path: str) -> None:
    """Point the database at a file (does not open it)."""
    if not db.is_closed():
        db.close()
    db.init(path, pragmas=PRAGMAS, timeout=10)


def connect() -> None:
    """Open this thread's connection if it is not open yet (or retry a read-only fallback)."""
    if db.fallback_reason() and not db.in_transaction():
        db.close()  # the fault may be over, and an immutable view must not outlive it
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


def storage_problem(path: str) -> str | None:
    """What the file system says about the database's folder: read-only, full, or None."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        info = os.statvfs(folder)
    except OSError:
        return None
    writable = os.access(folder, os.W_OK) and (not os.path.exists(path) or os.access(path, os.W_OK))
    if info.f_flag & os.ST_RDONLY or not writable:
        return READ_ONLY
    free = info.f_bfree if os.geteuid() == 0 else info.f_bavail  # root may use the reserve
    return DISK_FULL if free * info.f_frsize < LOW_SPACE else None


def _causes(exc):
    """The exception, what it was raised from or during, and what peewee wrapped."""
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = exc.__cause__ or exc.__context__ or inner
    return seen


def storage_fault(exc: BaseException, path: str | None = None) -> str | None:
    """Name the storage fault behind an error (DISK_FULL, READ_ONLY, BUSY, IO_ERROR), or None."""
    return fault_and_cause(exc, path)[0]


def fault_and_cause(exc: BaseException, path: str | None = None) -> tuple[str | None, object]:
    """The storage fault behind an error and the exception that says so (else the error).

    The real cause is often a link or two down the chain: peewee re-raises sqlite3's error
    with the original as __context__, and after SQLITE_FULL (which rolls back by itself)
    peewee's own rollback fails with "cannot rollback - no transaction is active".
    """
    for cause in _causes(exc):
        if isinstance(cause, OSError) and cause.errno in _ERRNOS:
            return _ERRNOS[cause.errno], cause
        if not isinstance(cause, sqlite3.Error | OperationalError):
            continue
        code = "_".join((getattr(cause, "sqlite_errorname", "") or "").split("_")[:2])
        reason = _CODES.get(code) or next((r for w, r in _WORDS.items() if w in str(cause)), None)
        if code in ("SQLITE_IOERR", "SQLITE_CANTOPEN") or reason == IO_ERROR:
            # An I/O error or a file that cannot be opened: the file system may say why.
            reason = _storage_problem_of(path) or reason
        fallback = db.fallback_reason()
        if reason == READ_ONLY and fallback:  # refused by the read-only view of a full disk
            return fallback, f"{cause}; the database was opened read-only as the {fallback}"
        if reason:
            return reason, cause
    return None, exc


def _storage_problem_of(path: str | None) -> str | None:
    if path is None and has_app_context():
        path = current_app.config.get("DATABASE")
    return storage_problem(path) if path else None


def is_locked_error(exc: Exception) -> bool:
    """True for SQLite busy/locked/read-only/full errors that deserve a 503."""
    return storage_fault(exc) is not None
