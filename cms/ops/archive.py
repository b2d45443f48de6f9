"""The backup archive: what it must hold, its manifest's checksums and signature, and a
reader that checks all of it, the gzip stream to its very end, before anything is used.

An archive proves itself: its manifest holds the size and SHA-256 of every other member
and, with a passphrase, an HMAC-SHA256 of the manifest under a key derived from the
passphrase with scrypt (as the encrypted keys are). The gzip CRC and the checksums find
accidental damage; only the signature finds a deliberate edit that rewrote the checksums.
"""

import base64
import hashlib
import hmac
import json
import os
import sqlite3
import tarfile
import zlib
from contextlib import nullcontext

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from peewee import SqliteDatabase
from playhouse.migrations import Migration, Runner

from ..core.db import DISK_FULL, MIGRATIONS_DIR, storage_fault

DB_MEMBER, MANIFEST, KEYS_MEMBER = "cms.sqlite3", "manifest.json", "keys.enc"
FORMAT = "practice-cms-backup"
VERSION = 2  # 1: no checksums (archives from before they were added)
SCRYPT = {"n": 2**15, "r": 8, "p": 1}  # ~32 MB and a fraction of a second per derivation
MAX_SMALL_MEMBER = 64 * 1024  # the manifest and the encrypted keys take a few hundred bytes
MAX_READ = 1024 * 1024  # no tar header needs more (one claiming gigabytes would be read whole)
MAX_TRAILER = 64 * 1024  # the tar's end blocks and record padding take at most 10 KB
CHUNK = 64 * 1024
SQLITE_HEADER = b"SQLite format 3\x00"
SIGNED_CONTEXT = b"practice-cms backup manifest\n"


class BackupError(Exception):
    """A backup could not be made, or an archive cannot be restored (nothing was changed)."""


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


def derive_key(passphrase: str, salt: bytes) -> bytes:
    """A 32-byte key from the passphrase (scrypt with our fixed cost, whatever a file says)."""
    return Scrypt(salt=salt, length=32, **SCRYPT).derive(passphrase.encode())


def _mac(manifest: dict, key: bytes) -> str:
    body = {name: value for name, value in manifest.items() if name != "signature"}
    signed = SIGNED_CONTEXT + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, signed, hashlib.sha256).hexdigest()


def seal_manifest(manifest: dict, digests: dict, passphrase: str | None) -> dict:
    """The manifest with each member's size and SHA-256, signed when there is a passphrase."""
    manifest = {**manifest, "version": VERSION, "members": digests}
    manifest.pop("signature", None)
    if passphrase:
        salt = os.urandom(16)
        manifest["signature"] = {
            "kdf": "scrypt", **SCRYPT, "salt": base64.b64encode(salt).decode(),
            "hmac_sha256": _mac(manifest, derive_key(passphrase, salt)),
        }  # fmt: skip
    return manifest


def signature_matches(manifest: dict, passphrase: str) -> bool:
    """True when the manifest's HMAC is the passphrase's. Raises BackupError if damaged."""
    signature = manifest["signature"]
    try:
        key = derive_key(passphrase, base64.b64decode(signature["salt"], validate=True))
        expected = str(signature["hmac_sha256"])
    except (KeyError, TypeError, ValueError):
        raise BackupError("The archive's signature is damaged.") from None
    return hmac.compare_digest(_mac(manifest, key).encode(), expected.encode())


def file_digest(path: str) -> dict:
    """A file's size and SHA-256, as the manifest lists them."""
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": sha.hexdigest()}


class _CheckedStream:
    """The archive's tar stream for tarfile, decompressed here so the whole gzip is checked.

    tarfile stops at the tar's end blocks and never reads the gzip trailer, so a damaged
    archive used to pass. This reads to the end: zlib checks the CRC-32 and the length,
    and anything after the end is refused. Any single read larger than MAX_READ is refused
    too (a header claiming gigabytes would be read whole).
    """

    def __init__(self, fileobj):
        self._raw, self._pos, self._buffer = fileobj, 0, b""
        self._inflate = zlib.decompressobj(wbits=31)  # gzip only, trailer checked

    def _more(self) -> bytes:
        data = self._inflate.unconsumed_tail or self._raw.read(CHUNK)
        try:
            out = self._inflate.decompress(data, CHUNK)
        except zlib.error as exc:
            raise BackupError(f"The archive cannot be read: it is damaged ({exc}).") from None
        if not (out or data or self._inflate.eof):
            raise BackupError("The archive cannot be read: it ends early (cut short).")
        return out

    def read(self, size=-1):
        if size is None or size < 0 or size > MAX_READ:
            raise BackupError("The archive has a header far larger than any backup's.")
        while len(self._buffer) < size and not self._inflate.eof:
            self._buffer += self._more()
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        self._pos += len(data)
        return data

    def seek(self, offset, whence=0):
        if whence != 0 or offset < self._pos:
            raise BackupError("The archive is not laid out as a backup is.")
        while self._pos < offset and self.read(min(offset - self._pos, MAX_READ)):
            pass
        return self._pos

    def tell(self):
        return self._pos

    def finish(self) -> None:
        """Read past the tar's end: only zeros, a gzip trailer that checks out, then nothing."""
        rest = self._buffer
        while not self._inflate.eof and len(rest) <= MAX_TRAILER:
            rest += self._more()
        if rest.strip(b"\0") or len(rest) > MAX_TRAILER:
            raise BackupError("The archive cannot be read: it holds data after its end.")
        if self._inflate.unused_data or self._raw.read(1):
            raise BackupError("The archive cannot be read: something was appended after its end.")


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


def _copy(source, out, sha) -> None:
    while chunk := source.read(CHUNK):
        sha.update(chunk)
        if out is not None:
            out.write(chunk)


def read_archive(archive: str, workdir: str | None, room: int) -> tuple[dict, str, bytes | None]:
    """Check every member of an archive against its manifest; return the manifest, the
    database's copy in workdir (hashed only, without one) and the encrypted keys.

    Nothing is extracted by tarfile (no names, links or modes from the archive are used);
    `room` is the most bytes the database may take.
    """
    found: dict[str, bytes | None] = {}
    digests: dict[str, dict] = {}
    database = os.path.join(workdir, DB_MEMBER) if workdir else ""
    try:
        with open(archive, "rb") as raw:
            stream = _CheckedStream(raw)
            with tarfile.open(fileobj=stream, mode="r:") as tar:
                for member in tar:
                    _check_member(member, found, room)
                    sha, small = hashlib.sha256(), member.name != DB_MEMBER
                    with tar.extractfile(member) as source:
                        if small:
                            found[member.name] = source.read(member.size)
                            sha.update(found[member.name])
                        else:
                            with open(database, "xb") if workdir else nullcontext() as out:
                                _copy(source, out, sha)
                            found[member.name] = None
                    digests[member.name] = {"size": member.size, "sha256": sha.hexdigest()}
            stream.finish()
        if MANIFEST not in found or DB_MEMBER not in found:
            raise BackupError("This archive is not a practice-cms backup.")
        manifest = json.loads(found[MANIFEST])
    except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
        if storage_fault(exc) == DISK_FULL:
            raise BackupError(
                "The disk is full: the archive cannot be unpacked to be checked."
            ) from None
        raise BackupError(f"The archive cannot be read ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This archive is not a practice-cms backup.")
    _check_digests(manifest, digests)
    return manifest, database, found.get(KEYS_MEMBER)


def _check_digests(manifest: dict, digests: dict) -> None:
    """Every member but the manifest has the size and SHA-256 that the manifest lists."""
    digests = {name: value for name, value in digests.items() if name != MANIFEST}
    version, listed = manifest.get("version"), manifest.get("members")
    if version == 1 and listed is None:
        return  # an archive from before checksums (the restore says so)
    if isinstance(version, int) and version > VERSION:
        raise BackupError("The archive was made by a newer version of practice-cms. Upgrade first.")
    if not isinstance(listed, dict) or sorted(listed) != sorted(digests):
        raise BackupError(
            "The archive's manifest does not list the files the archive holds: it was "
            "damaged or changed after it was written."
        )
    for name, digest in digests.items():
        if listed[name] != digest:
            raise BackupError(
                f"{name} in the archive does not match its checksum: the archive was "
                "damaged or changed after it was written."
            )
