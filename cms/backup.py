"""Backups: one tar.gz with a consistent snapshot of the live database; restore with checks.

The snapshot uses SQLite's online backup API (never a file copy, which could catch a
half-written page or miss the WAL). Media live in the database, so the archive holds
everything but the two key files in instance/, which are added only encrypted with a
passphrase (otherwise they are kept separately, see docs/deploy.md).
"""

import base64
import glob
import gzip
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from peewee import SqliteDatabase
from playhouse.migrations import Migration, Runner

from . import clock
from .db import MIGRATIONS_DIR, db, migrate

PREFIX, SUFFIX = "cms-backup-", ".tar.gz"
DB_MEMBER, MANIFEST, KEYS_MEMBER = "cms.sqlite3", "manifest.json", "keys.enc"
KEY_FILES = ("secret_key", "message_key")
FORMAT = "practice-cms-backup"
SCRYPT = {"n": 2**15, "r": 8, "p": 1}  # ~32 MB and a fraction of a second per derivation
DEFAULT_KEEP = 14
MAX_SMALL_MEMBER = 64 * 1024  # the manifest and the encrypted keys take a few hundred bytes
MAX_READ = 1024 * 1024  # no tar header needs more (one claiming gigabytes would be read whole)
MAX_KEY_LENGTH = 1024
SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup could not be made, or an archive cannot be restored (nothing was changed)."""


def snapshot(source: str, target: str) -> None:
    """Copy a live database into a new standalone file, consistently, while others write."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step: one read transaction, one point in time
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        dst.close()
        src.close()


def check_database(path: str) -> list[str]:
    """Integrity-check a database file; return its applied migrations. Raises BackupError."""
    with open(path, "rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError("The database in the archive is not an SQLite database.")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        # Schema from a file we did not write may not call functions with side effects.
        conn.execute("PRAGMA trusted_schema = OFF")
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError("The database fails SQLite's integrity check: " + "; ".join(result))
        names = [r[0] for r in conn.execute("SELECT name FROM schema_migration ORDER BY id")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"This is not a practice-cms database ({exc}).") from None
    finally:
        conn.close()
    known = {m.name for m in Migration.load_directory(MIGRATIONS_DIR)}
    if not names or set(names) - known:
        raise BackupError(
            "The database was made by a newer version of practice-cms (unknown migrations: "
            + ", ".join(sorted(set(names) - known) or ["none recorded"])
            + "). Upgrade first."
        )
    return names


def _behaviour(path: str) -> set[tuple]:
    """The triggers and views of a database: schema that runs, not data."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        query = "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')"
        return set(conn.execute(query))
    finally:
        conn.close()


def check_behaviour(path: str, applied: list[str], workdir: str) -> None:
    """Refuse triggers and views other than those our migrations make (they would run on
    every later write, long after the restore). Raises BackupError."""
    reference = SqliteDatabase(os.path.join(workdir, "reference.sqlite3"))
    with reference.connection_context():
        Runner(reference, MIGRATIONS_DIR).up(applied[-1])
    expected = _behaviour(reference.database)
    different = sorted({name for _, name, _ in _behaviour(path) ^ expected})
    if different:
        raise BackupError(
            "The database in the archive has triggers or views that this version of "
            f"practice-cms does not make ({', '.join(repr(n)[:80] for n in different[:5])})."
        )


def _fernet(passphrase: str, salt: bytes) -> Fernet:
    key = Scrypt(salt=salt, length=32, **SCRYPT).derive(passphrase.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_keys(instance_path: str, passphrase: str) -> bytes:
    """The instance's key files, encrypted with a key derived from the passphrase."""
    keys = {}
    for name in KEY_FILES:
        path = os.path.join(instance_path, name)
        if os.path.exists(path):
            with open(path) as fh:
                keys[name] = fh.read()
    salt = os.urandom(16)
    token = _fernet(passphrase, salt).encrypt(json.dumps(keys).encode())
    envelope = {"kdf": "scrypt", **SCRYPT, "salt": base64.b64encode(salt).decode()}
    return json.dumps({**envelope, "fernet": token.decode()}).encode()


def decrypt_keys(blob: bytes, passphrase: str) -> dict[str, str]:
    """The key files from an archive, checked. Raises BackupError for a wrong passphrase."""
    try:
        envelope = json.loads(blob)
        fernet = _fernet(passphrase, base64.b64decode(envelope["salt"]))
        keys = json.loads(fernet.decrypt(envelope["fernet"].encode()))
    except InvalidToken:
        raise BackupError("The passphrase does not open the keys in this archive.") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupError("The encrypted keys in this archive are damaged.") from None
    return _checked_keys(keys)


def _checked_keys(keys) -> dict[str, str]:
    """Only the instance's own key files, each a short line of printable text."""
    if not isinstance(keys, dict):
        raise BackupError("The encrypted keys in this archive are damaged.")
    unknown = [repr(name)[:80] for name in keys if name not in KEY_FILES]
    if unknown:
        raise BackupError(
            f"The key bundle names files other than the instance's keys ({', '.join(unknown)}); "
            f"only {' and '.join(KEY_FILES)} are ever restored."
        )
    for name, value in keys.items():
        text = value.strip() if isinstance(value, str) else ""
        if not (0 < len(text) <= MAX_KEY_LENGTH and text.isascii() and text.isprintable()):
            raise BackupError(f"The {name} in the key bundle is not the text of a key.")
    return keys


def backup_dir(app) -> str:
    """Where backups go: BACKUP_DIR, else instance/backups."""
    return app.config.get("BACKUP_DIR") or os.path.join(app.instance_path, "backups")


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(clock.utcnow().timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def create_backup(app, directory=None, keep=None, passphrase=None) -> str:
    """Write one archive (database snapshot, manifest, optionally encrypted keys)."""
    directory = directory or backup_dir(app)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    stamp = clock.utcnow().strftime("%Y%m%d-%H%M%S")
    final, n = os.path.join(directory, f"{PREFIX}{stamp}{SUFFIX}"), 2
    while os.path.exists(final):
        final, n = os.path.join(directory, f"{PREFIX}{stamp}-{n}{SUFFIX}"), n + 1
    with tempfile.TemporaryDirectory(dir=directory, prefix=".partial-") as tmp:
        copy = os.path.join(tmp, DB_MEMBER)
        snapshot(app.config["DATABASE"], copy)
        manifest = {
            "format": FORMAT,
            "version": 1,
            "created_at": clock.utcnow().isoformat() + "Z",
            "migrations": check_database(copy),
            "keys": "encrypted" if passphrase else "not included",
        }
        partial = os.path.join(tmp, "archive")
        with tarfile.open(partial, "w:gz") as tar:
            _add(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
            with open(copy, "rb") as fh:
                _add(tar, DB_MEMBER, fh.read())
            if passphrase:
                _add(tar, KEYS_MEMBER, encrypt_keys(app.instance_path, passphrase))
        os.chmod(partial, 0o600)  # the inbox and account hashes are inside
        os.replace(partial, final)
    prune(directory, keep or app.config.get("BACKUP_KEEP", DEFAULT_KEEP))
    return final


def prune(directory: str, keep: int) -> list[str]:
    """Delete all but the newest `keep` backups in a folder; return the deleted paths."""
    archives = sorted(
        glob.glob(os.path.join(directory, f"{PREFIX}*{SUFFIX}")),
        key=lambda path: (os.path.getmtime(path), path),
    )
    old = archives[: -max(1, keep)]
    for path in old:
        os.remove(path)
    return old


class _BoundedReads:
    """The archive's stream for tarfile, refusing any single read larger than MAX_READ."""

    def __init__(self, fileobj):
        self._fileobj = fileobj

    def read(self, size=-1):
        if size is None or size < 0 or size > MAX_READ:
            raise BackupError("The archive has a header far larger than any backup's.")
        return self._fileobj.read(size)

    def seek(self, *args):
        return self._fileobj.seek(*args)

    def tell(self):
        return self._fileobj.tell()


def _check_member(member: tarfile.TarInfo, found: dict, room: int) -> None:
    """Only the three files a backup holds, once each, plain files, of a sane size."""
    name = member.name
    if name not in (MANIFEST, DB_MEMBER, KEYS_MEMBER):
        raise BackupError(
            f"The archive holds {name[:80]!r}, which is not part of a practice-cms backup "
            f"(only {MANIFEST}, {DB_MEMBER} and {KEYS_MEMBER})."
        )
    if not member.isreg() or member.issparse():
        raise BackupError(f"{name} in the archive is a link, device or folder, not a file.")
    if name in found:
        raise BackupError(f"The archive holds {name} more than once.")
    if name != DB_MEMBER and member.size > MAX_SMALL_MEMBER:
        raise BackupError(f"{name} in the archive is far larger than a backup's.")
    if name == DB_MEMBER and member.size > room:
        raise BackupError(
            f"The database in the archive ({member.size // 2**20} MB) does not fit in the free "
            f"space here ({room // 2**20} MB after a copy of the current database)."
        )


def _read_archive(archive: str, workdir: str, room: int) -> tuple[dict, str, bytes | None]:
    """Check every member of an archive and copy the manifest, database and keys into workdir.

    Nothing is extracted by tarfile (no names, links or modes from the archive are used);
    `room` is the most bytes the database may take.
    """
    found: dict[str, str] = {}
    try:
        with (
            gzip.open(archive, "rb") as raw,
            tarfile.open(fileobj=_BoundedReads(raw), mode="r:") as tar,
        ):
            for member in tar:
                _check_member(member, found, room)
                path = os.path.join(workdir, member.name)  # one of the three names above
                with tar.extractfile(member) as source, open(path, "xb") as out:
                    shutil.copyfileobj(source, out, 64 * 1024)
                found[member.name] = path
        if MANIFEST not in found or DB_MEMBER not in found:
            raise BackupError("This archive is not a practice-cms backup.")
        with open(found[MANIFEST], "rb") as fh:
            manifest = json.load(fh)
        keys = None
        if KEYS_MEMBER in found:
            with open(found[KEYS_MEMBER], "rb") as fh:
                keys = fh.read()
    except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
        raise BackupError(f"The archive cannot be read ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This archive is not a practice-cms backup.")
    return manifest, found[DB_MEMBER], keys


def _made_at(manifest: dict) -> str:
    """The manifest's creation time, if it is one (it is printed to a terminal)."""
    value = manifest.get("created_at")
    try:
        return datetime.fromisoformat(value.removesuffix("Z")).isoformat() + "Z"
    except (AttributeError, TypeError, ValueError):
        return "an unknown time"


def _stage_keys(instance_path: str, keys: dict[str, str], staged: dict[str, str]) -> None:
    """Write each key to an owner-only temporary file beside its place (into `staged`)."""
    for name, value in keys.items():
        fd, temp = tempfile.mkstemp(dir=instance_path, prefix=f".{name}-")  # mode 0600
        staged[name] = temp
        with os.fdopen(fd, "w") as fh:
            fh.write(value)
            fh.flush()
            os.fsync(fh.fileno())


def _copy_into(source: str, target: str) -> None:
    """Replace the target database's content through SQLite (safe for open connections)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def restore_backup(app, archive: str, passphrase: str | None = None) -> list[str]:
    """Restore an archive over the site's database; return what was done."""
    live, done, staged = app.config["DATABASE"], [], {}
    current = os.path.getsize(live) if os.path.exists(live) else 0
    # The archive's database, the copy of the current one, and the live file it replaces.
    room = (shutil.disk_usage(app.instance_path).free - current) // 2
    with tempfile.TemporaryDirectory(dir=app.instance_path, prefix=".restore-") as tmp:
        manifest, candidate, key_blob = _read_archive(archive, tmp, room)
        check_behaviour(candidate, check_database(candidate), tmp)  # before anything is replaced
        keys = decrypt_keys(key_blob, passphrase) if key_blob and passphrase else {}
        db.close()
        aside = os.path.join(tmp, "current.sqlite3")
        snapshot(live, aside)  # the current database, kept until the restore succeeded
        conn = sqlite3.connect(aside)
        version = conn.execute("SELECT version FROM site_state").fetchone()[0]
        conn.close()
        try:
            _stage_keys(app.instance_path, keys, staged)
            _copy_into(candidate, live)
            check_database(live)
            with app.app_context():
                db.connect(reuse_if_open=True)
                done += [f"Applied migration {name}" for name in migrate()]
                # Workers keep pages cached by version; make sure theirs is now stale.
                db.execute_sql("UPDATE site_state SET version = MAX(version, ?) + 1", (version,))
                db.close()
        except Exception:
            db.close()
            _copy_into(aside, live)
            for temp in staged.values():
                os.unlink(temp)
            raise
    done.insert(0, f"Restored the database from {_made_at(manifest)}")
    for name, temp in staged.items():
        # Renamed into place: a link planted at the key's name is replaced, never followed.
        os.replace(temp, os.path.join(app.instance_path, name))
        done.append(f"Restored instance/{name} (restart the service to use it)")
    if key_blob and not passphrase:
        done.append("The archive holds encrypted keys; give --passphrase-file to restore them.")
    return done
