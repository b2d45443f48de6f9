"""A backup proves itself: a damaged or edited archive is refused before anything changes.

Restore reads the gzip stream to its end (CRC, length, nothing appended) and compares
every member with the checksums in the manifest; with the passphrase, the manifest's
signature too. `cms backup` reads back what it wrote before it prunes older archives.
"""

import gzip
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import zlib

import pytest

from cms.accounts.actors import SYSTEM
from cms.content.service import save_post
from cms.core.db import db
from cms.ops.archive import read_archive
from cms.ops.backup import (
    CHECKSUMS_ONLY,
    LEGACY,
    BackupError,
    create_backup,
    restore_backup,
    seal_manifest,
)

PASSPHRASE = "correct horse battery staple"
TITLE = "Site title in the backup"


@pytest.fixture
def site(empty_app, tmp_path):
    """A site, an unsigned and a signed backup of it, and a change made after them."""
    from cms.site.models import save_settings

    folder = tmp_path / "archives"
    with empty_app.app_context():
        db.connect(reuse_if_open=True)
        save_settings({"site_title": TITLE})
        save_post({"title": "In the backup", "status": "published"}, actor=SYSTEM)
        plain = create_backup(empty_app, str(folder / "plain"))
        signed = create_backup(empty_app, str(folder / "signed"), passphrase=PASSPHRASE)
        save_post({"title": "Written after the backup", "status": "published"}, actor=SYSTEM)
    db.close()
    return empty_app, plain, signed


def state(app) -> tuple:
    """The live database's bytes and the instance folder's files with their contents."""
    db.close()  # the last connection: the WAL is checkpointed into the file
    files = {}
    for name in sorted(os.listdir(app.instance_path)):
        path = os.path.join(app.instance_path, name)
        if os.path.isfile(path):
            with open(path, "rb") as fh:
                files[name] = hashlib.sha256(fh.read()).hexdigest()
    return files, sorted(os.listdir(app.instance_path))


def refused(app, archive, match, **kwargs):
    """Restore must refuse the archive and leave the site exactly as it was."""
    before = state(app)
    with pytest.raises(BackupError, match=match) as error:
        restore_backup(app, str(archive), **kwargs)
    assert state(app) == before
    return str(error.value)


def _bytes(path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def members(archive) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def repack(path, entries: dict[str, bytes]) -> str:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return str(path)


def edited_database(data: bytes, tmp_path) -> bytes:
    """The archive's database with the site title changed, as someone editing it would."""
    path = tmp_path / "edited.sqlite3"
    path.write_bytes(data)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE setting SET value = '\"Edited title\"' WHERE key = 'site_title'")
    conn.commit()
    conn.close()
    return path.read_bytes()


def rehashed(entries: dict[str, bytes], passphrase=None) -> bytes:
    """The manifest with checksums recomputed for `entries` (signed with `passphrase`)."""
    manifest = json.loads(entries["manifest.json"])
    digests = {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
               for name, data in entries.items() if name != "manifest.json"}  # fmt: skip
    return json.dumps(seal_manifest(manifest, digests, passphrase)).encode()


def title(app) -> str:
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        return conn.execute("SELECT value FROM setting WHERE key = 'site_title'").fetchone()[0]
    finally:
        conn.close()


def flipped(archive, tmp_path, offset: int) -> str:
    data = bytearray(_bytes(archive))
    data[offset] ^= 0x10
    path = tmp_path / f"flipped-{offset}.tar.gz"
    path.write_bytes(bytes(data))
    return str(path)


def header_end(data: bytes) -> int:
    """Where the gzip header ends (tarfile writes the file's name into it)."""
    assert data[3] & ~0x08 == 0  # FNAME is the only optional field ours have
    return data.index(b"\0", 10) + 1 if data[3] & 0x08 else 10


# Where a flipped bit lands, from the archive's bytes.
FLIPS = {
    "gzip magic": lambda data: 1,
    "gzip method": lambda data: 2,
    "gzip flags": lambda data: 3,
    "first deflate block": lambda data: header_end(data),
    "manifest inside the stream": lambda data: header_end(data) + 30,
    "compressed database": lambda data: len(data) // 2,
    "near the end of the data": lambda data: len(data) - 12,
    "gzip CRC": lambda data: len(data) - 7,
    "gzip length": lambda data: len(data) - 2,
}


@pytest.mark.parametrize("where", list(FLIPS))
def test_a_flipped_bit_is_refused_and_the_site_untouched(site, tmp_path, where):
    app, plain, _ = site
    offset = FLIPS[where](_bytes(plain))
    message = refused(app, flipped(plain, tmp_path, offset), "cannot be read")
    assert "damaged" in message or "ends early" in message or "not a gzipped" in message


def test_flipped_bits_anywhere_are_refused_or_change_nothing(site, tmp_path, report):
    """A sweep over the whole file: a flip is refused unless it lands where gzip keeps no
    data (the header's time, OS byte and file name)."""
    app, plain, _ = site
    original, data = members(plain), _bytes(plain)
    size, refusals, harmless = len(data), 0, []
    offsets = sorted({*range(0, header_end(data)), *range(0, size, max(1, size // 60))})
    for offset in offsets:
        workdir = tmp_path / f"sweep-{offset}"
        workdir.mkdir()
        try:
            read_archive(flipped(plain, tmp_path, offset), str(workdir), room=2**40)
        except BackupError:
            refusals += 1
            continue
        assert (workdir / "cms.sqlite3").read_bytes() == original["cms.sqlite3"], offset
        harmless.append(offset)
    report("backup bit flips", f"{refusals} refused, harmless at offsets {harmless}")
    # A flip may be accepted only where it changes nothing restored (checked above): gzip's
    # MTIME, XFL and OS bytes and the name, or the few bits deflate leaves unused (a
    # block's padding, a code never looked up), whose place depends on the data. Every
    # other flip is refused: at most two accepted flips past the header.
    inside = [offset for offset in harmless if offset >= header_end(data)]
    assert len(inside) <= 2, harmless
    assert refusals >= 50


@pytest.mark.parametrize("keep", [0.5, -1, -5, -9], ids=["half", "last-byte", "isize", "crc"])
def test_a_truncated_archive_is_refused(site, tmp_path, keep):
    app, plain, _ = site
    data = _bytes(plain)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: int(len(data) * keep)] if keep == 0.5 else data[:keep])
    refused(app, cut, "ends early|damaged")


@pytest.mark.parametrize(
    "junk",
    [b"junk", b"\0" * 512, gzip.compress(b"a second gzip member")],
    ids=["text", "zeros", "second-member"],
)
def test_appended_junk_is_refused(site, tmp_path, junk):
    app, plain, _ = site
    longer = tmp_path / "longer.tar.gz"
    longer.write_bytes(_bytes(plain) + junk)
    refused(app, longer, "appended after its end|cannot be read")


def test_data_after_the_tar_inside_the_gzip_is_refused(site, tmp_path):
    app, plain, _ = site
    tar = zlib.decompress(_bytes(plain), wbits=31)
    extra = tmp_path / "extra.tar.gz"
    extra.write_bytes(gzip.compress(tar + b"hidden after the end" * 10))
    refused(app, extra, "data after its end")


def test_an_edited_database_with_the_old_manifest_is_refused(site, tmp_path):
    app, plain, signed = site
    for archive, passphrase in ((plain, None), (signed, PASSPHRASE)):
        entries = members(archive)
        entries["cms.sqlite3"] = edited_database(entries["cms.sqlite3"], tmp_path)
        edited = repack(tmp_path / "edited.tar.gz", entries)
        refused(app, edited, "cms.sqlite3 .*does not match its checksum", passphrase=passphrase)
    assert title(app) == json.dumps(TITLE)


def test_with_the_passphrase_an_edit_with_recomputed_checksums_is_refused(site, tmp_path):
    app, _, signed = site
    entries = members(signed)
    entries["cms.sqlite3"] = edited_database(entries["cms.sqlite3"], tmp_path)
    old_signature = json.loads(entries["manifest.json"])["signature"]
    forged = json.loads(rehashed(entries))
    forged["signature"] = old_signature  # the checksums rewritten, the signature kept
    entries["manifest.json"] = json.dumps(forged).encode()
    refused(app, repack(tmp_path / "a.tar.gz", entries), "signature does not match",
            passphrase=PASSPHRASE)  # fmt: skip

    entries["manifest.json"] = rehashed(entries, "another passphrase")  # signed by the forger
    refused(app, repack(tmp_path / "b.tar.gz", entries), "signature does not match",
            passphrase=PASSPHRASE)  # fmt: skip

    entries["manifest.json"] = rehashed(entries)  # the signature removed
    message = refused(app, repack(tmp_path / "c.tar.gz", entries), "not signed",
                      passphrase=PASSPHRASE)  # fmt: skip
    assert "--allow-unsigned" in message
    assert title(app) == json.dumps(TITLE)


def test_without_the_passphrase_checksums_find_damage_not_a_rewritten_edit(site, tmp_path):
    """What is and is not detected without a passphrase, as the restore says."""
    app, plain, _ = site
    done = restore_backup(app, plain)
    assert done[1] == CHECKSUMS_ONLY and "accidental damage" in done[1]
    entries = members(plain)
    entries["cms.sqlite3"] = edited_database(entries["cms.sqlite3"], tmp_path)
    entries["manifest.json"] = rehashed(entries)
    done = restore_backup(app, repack(tmp_path / "rewritten.tar.gz", entries))
    assert "would not be" in done[1]  # a deliberate edit that rewrote the checksums
    assert title(app) == json.dumps("Edited title")  # accepted: the documented limit


def test_a_wrong_passphrase_says_so(site):
    app, _, signed = site
    refused(app, signed, "passphrase does not open", passphrase="wrong horse")


def test_a_signed_archive_restores_with_its_passphrase(site):
    app, _, signed = site
    done = restore_backup(app, signed, PASSPHRASE)
    assert "signature" in done[1] and "Checked" in done[1]
    assert app.test_client().get("/blog/written-after-the-backup").status_code == 404


def test_an_archive_from_before_checksums_is_restored_with_a_warning(site, tmp_path):
    app, plain, _ = site
    entries = members(plain)
    manifest = json.loads(entries["manifest.json"])
    del manifest["members"]
    manifest["version"] = 1
    entries["manifest.json"] = json.dumps(manifest).encode()
    old = repack(tmp_path / "old.tar.gz", entries)
    message = refused(app, old, "not signed", passphrase=PASSPHRASE)
    assert "older version" in message
    done = restore_backup(app, old)
    assert done[1] == LEGACY
    assert "older version" in restore_backup(app, old, PASSPHRASE, allow_unsigned=True)[1]


def test_a_manifest_from_a_newer_format_or_without_checksums_is_refused(site, tmp_path):
    app, plain, _ = site
    entries = members(plain)
    manifest = json.loads(entries["manifest.json"])
    for change, match in (({"version": 3}, "newer version"), ({"members": {}}, "does not list")):
        entries["manifest.json"] = json.dumps({**manifest, **change}).encode()
        refused(app, repack(tmp_path / "m.tar.gz", entries), match)


def test_backup_reads_back_what_it_wrote_before_pruning(site, tmp_path, monkeypatch):
    app, _, _ = site
    from cms.ops import backup

    folder = tmp_path / "archives" / "plain"
    before = sorted(os.listdir(folder))
    real_fsync = backup._fsync

    def damage_then_sync(path):
        if path.endswith("archive"):  # the archive just written, on its way to the disk
            with open(path, "r+b") as fh:
                fh.seek(os.path.getsize(path) // 2)
                byte = fh.read(1)
                fh.seek(-1, os.SEEK_CUR)
                fh.write(bytes([byte[0] ^ 0x01]))
        real_fsync(path)

    monkeypatch.setattr(backup, "_fsync", damage_then_sync)
    result = app.test_cli_runner().invoke(args=["cms", "backup", str(folder), "--keep", "1"])
    assert result.exit_code == 1 and "Backup failed" in result.output
    assert "Traceback" not in result.output
    assert sorted(os.listdir(folder)) == before  # the older archive kept, nothing partial


def test_cli_backup_and_restore_say_what_was_checked(site, tmp_path):
    app, plain, _ = site
    runner = app.test_cli_runner()
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE + "\n")
    made = runner.invoke(args=["cms", "backup", str(tmp_path / "cli"), "--passphrase-file",
                               str(passphrase)])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "Read back: every file matches its checksum" in made.output
    assert "signed with the passphrase" in made.output
    result = runner.invoke(args=["cms", "restore", plain, "--passphrase-file", str(passphrase)])
    assert result.exit_code == 1 and "Nothing was changed" in result.output
    assert "not signed" in result.output
    result = runner.invoke(
        args=["cms", "restore", plain, "--passphrase-file", str(passphrase), "--allow-unsigned"]
    )
    assert result.exit_code == 0, result.output
    assert "not signed" in result.output and "accidental damage" in result.output
