"""Backups: one tar.gz with a consistent snapshot of the live database; restore with checks.

The snapshot uses SQLite's online backup API (never a file copy, which could catch a
half-written page or miss the WAL). Media live in the database, so the archive holds
everything but the two key files in instance/, which are added only encrypted with a
passphrase (otherwise they are kept separately, see docs/deploy.md). What an archive holds
and how it proves itself is in cms/ops/archive.py: restore checks all of it before it opens
the database inside, and `cms backup` reads back what it wrote before it deletes any
older archive.
"""

import glob
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from datetime import datetime

from ..core import clock
from ..core.db import DISK_FULL, db, migrate, storage_fault
from .archive import (
    DB_MEMBER,
    FORMAT,
    KEYS_MEMBER,
    MANIFEST,
    BackupError,
    check_behaviour,
    check_database,
    file_digest,
    read_archive,
    seal_manifest,
    signature_matches,
)
from .keybundle import decrypt_keys, encrypt_keys

PREFIX, SUFFIX = "cms-backup-", ".tar.gz"
CHECKSUMS_ONLY = (
    "Checked: every file matches its checksum, so accidental damage would have been found. "
    "Without the passphrase the archive is not authenticated: a deliberate edit that also "
    "rewrote the checksums would not be."
)
LEGACY = (
    "This archive was made by an older version and holds no checksums: only its gzip CRC "
    "and SQLite's integrity check vouch for it."
)
UNSIGNED = (
    "This archive is not signed (it was made without a passphrase, or by an older "
    "version), so it cannot be shown to be unchanged. Restore it without --passphrase-file, "
    "or give --allow-unsigned to restore it with the keys anyway."
)


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


def backup_dir(app) -> str:
    """Where backups go: BACKUP_DIR, else instance/backups."""
    return app.config.get("BACKUP_DIR") or os.path.join(app.instance_path, "backups")


def _add(tar: tarfile.TarFile, name: str, path: str) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = os.path.getsize(path), int(clock.utcnow().timestamp()), 0o600
    with open(path, "rb") as fh:
        tar.addfile(info, fh)


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_backup(app, directory=None, keep=None, passphrase=None) -> str:
    """Write one archive (database snapshot, manifest, optionally encrypted keys), read it
    back, and only then prune older ones."""
    directory = directory or backup_dir(app)
    try:
        final = _write_backup(app, directory, passphrase)
    except (OSError, sqlite3.Error) as exc:
        if storage_fault(exc, os.path.join(directory, PREFIX)) != DISK_FULL:
            raise
        free = shutil.disk_usage(directory if os.path.isdir(directory) else app.instance_path)
        raise BackupError(
            f"The disk is full ({free.free // 2**20} MB free where the backup goes, "
            f"{directory}): no backup was written, and no older one was deleted."
        ) from None
    prune(directory, keep or app.config["BACKUP_KEEP"])
    return final


def _write_backup(app, directory: str, passphrase: str | None) -> str:
    os.makedirs(directory, mode=0o700, exist_ok=True)
    stamp = clock.utcnow().strftime("%Y%m%d-%H%M%S")
    final, n = os.path.join(directory, f"{PREFIX}{stamp}{SUFFIX}"), 2
    while os.path.exists(final):
        final, n = os.path.join(directory, f"{PREFIX}{stamp}-{n}{SUFFIX}"), n + 1
    with tempfile.TemporaryDirectory(dir=directory, prefix=".partial-") as tmp:
        files = {DB_MEMBER: os.path.join(tmp, DB_MEMBER)}
        snapshot(app.config["DATABASE"], files[DB_MEMBER])
        migrations = check_database(files[DB_MEMBER])
        if passphrase:
            files[KEYS_MEMBER] = os.path.join(tmp, KEYS_MEMBER)
            with open(files[KEYS_MEMBER], "wb") as fh:
                fh.write(encrypt_keys(app.instance_path, passphrase))
        manifest = {
            "format": FORMAT,
            "created_at": clock.utcnow().isoformat() + "Z",
            "migrations": migrations,
            "keys": "encrypted" if passphrase else "not included",
        }
        manifest = seal_manifest(
            manifest, {n: file_digest(p) for n, p in files.items()}, passphrase
        )
        files[MANIFEST] = os.path.join(tmp, MANIFEST)
        with open(files[MANIFEST], "w") as fh:
            json.dump(manifest, fh, indent=2)
        partial = os.path.join(tmp, "archive")
        with tarfile.open(partial, "w:gz") as tar:
            for name in (MANIFEST, DB_MEMBER, KEYS_MEMBER):
                if name in files:
                    _add(tar, name, files[name])
        os.chmod(partial, 0o600)  # the inbox and account hashes are inside
        _fsync(partial)
        read_back, _, _ = read_archive(partial, None, room=2**62)  # before any old one goes
        if read_back != manifest:
            raise BackupError("The archive read back differs from the one written.")
        os.replace(partial, final)
    _fsync(directory)
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


def _proof(manifest: dict, passphrase: str | None, allow_unsigned: bool, key_blob) -> str:
    """Check the signature when there is a passphrase; say what the checks established."""
    if "members" not in manifest:
        if passphrase and not allow_unsigned:
            raise BackupError(UNSIGNED)
        return LEGACY
    if not passphrase:
        return CHECKSUMS_ONLY
    if "signature" not in manifest:
        if not allow_unsigned:
            raise BackupError(UNSIGNED)
        return "The archive is not signed: " + CHECKSUMS_ONLY
    if not signature_matches(manifest, passphrase):
        if key_blob is not None:
            decrypt_keys(key_blob, passphrase)  # a wrong passphrase says so here
        raise BackupError(
            "The archive's signature does not match: it was changed after it was written "
            "(or written with another passphrase)."
        )
    return "Checked: every file matches its checksum and the manifest its signature."


def restore_backup(
    app, archive: str, passphrase: str | None = None, allow_unsigned: bool = False
) -> list[str]:
    """Restore an archive over the site's database; return what was done."""
    live, done, staged = app.config["DATABASE"], [], {}
    current = os.path.getsize(live) if os.path.exists(live) else 0
    # The archive's database, the copy of the current one, and the live file it replaces.
    room = (shutil.disk_usage(app.instance_path).free - current) // 2
    with tempfile.TemporaryDirectory(dir=app.instance_path, prefix=".restore-") as tmp:
        manifest, candidate, key_blob = read_archive(archive, tmp, room)
        # Proven (as far as it can be) before SQLite opens the file at all.
        proof = _proof(manifest, passphrase, allow_unsigned, key_blob)
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
    done[:0] = [f"Restored the database from {_made_at(manifest)}", proof]
    for name, temp in staged.items():
        # Renamed into place: a link planted at the key's name is replaced, never followed.
        os.replace(temp, os.path.join(app.instance_path, name))
        done.append(f"Restored instance/{name} (restart the service to use it)")
    if key_blob and not passphrase:
        done.append("The archive holds encrypted keys; give --passphrase-file to restore them.")
    return done
