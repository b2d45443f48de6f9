"""Hostile backup archives: `cms restore` changes nothing unless each member is a backup's."""

import base64
import gzip
import hashlib
import io
import json
import os
import sqlite3
import tarfile

import pytest

from cms.content.service import save_post
from cms.core.db import db
from cms.ops.archive import SCRYPT
from cms.ops.backup import BackupError, create_backup, restore_backup, seal_manifest
from cms.ops.keybundle import _fernet

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def folder(empty_app, tmp_path):
    """Where the tests write their archives (the instance folder is tmp_path itself)."""
    path = tmp_path / "archives"
    path.mkdir()
    return path


@pytest.fixture
def site(empty_app, folder):
    """An empty site with one post (the marker of "nothing changed") and a backup of it."""
    with empty_app.app_context():
        db.connect(reuse_if_open=True)
        save_post({"title": "In the backup", "status": "published"})
        archive = create_backup(empty_app, os.path.join(empty_app.instance_path, "b"))
        save_post({"title": "Written after the backup", "status": "published"})
    db.close()
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    return empty_app, members


def _titles(app) -> list[str]:
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        return sorted(row[0] for row in conn.execute("SELECT title FROM post"))
    finally:
        conn.close()


def _info(name: str, data: bytes = b"", kind=tarfile.REGTYPE, **attrs) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.type = (len(data) if kind == tarfile.REGTYPE else 0), kind
    for key, value in attrs.items():
        setattr(info, key, value)
    return info


def _archive(path, entries) -> str:
    """A .tar.gz of (TarInfo, bytes or None) pairs, written as given."""
    with tarfile.open(path, "w:gz") as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None and info.size else None)
    return str(path)


def _plain(members: dict, **replace) -> list:
    """The archive's own members as entries, some replaced (the manifest's checksums and
    signature made for them, as a forger with the passphrase would, unless it is replaced)."""
    merged = {**members, **replace}
    if "manifest.json" not in replace:
        digests = {n: {"size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                   for n, d in merged.items() if n != "manifest.json"}  # fmt: skip
        manifest = seal_manifest(json.loads(merged["manifest.json"]), digests, PASSPHRASE)
        merged["manifest.json"] = json.dumps(manifest).encode()
    return [(_info(name, data), data) for name, data in merged.items()]


def _bundle(keys) -> bytes:
    """keys.enc as create_backup writes it, holding whatever `keys` is."""
    salt = os.urandom(16)
    token = _fernet(PASSPHRASE, salt).encrypt(json.dumps(keys).encode())
    envelope = {"kdf": "scrypt", **SCRYPT, "salt": base64.b64encode(salt).decode()}
    return json.dumps({**envelope, "fernet": token.decode()}).encode()


def _unchanged(app, before_titles, before_files):
    assert _titles(app) == before_titles
    assert sorted(os.listdir(app.instance_path)) == before_files


@pytest.mark.parametrize(
    "keys",
    [
        {"secret_key": "s" * 64, "config.py": "SECRET_KEY = 'attacker'\n"},
        {"../x": "outside the instance folder"},
        {"/tmp/practice-cms-restore-absolute": "an absolute path"},
        {"message_key": "m" * 44, "cms.sqlite3": "the database itself"},
        {"backups/../secret_key": "a path that ends at a real key"},
    ],
    ids=["config.py", "dot-dot", "absolute", "database", "traversal-to-key"],
)
def test_a_key_bundle_naming_other_files_changes_nothing(site, folder, keys):
    app, members = site
    instance = app.instance_path
    with open(os.path.join(instance, "secret_key"), "w") as fh:
        fh.write("the server's own key")
    titles, files = _titles(app), sorted(os.listdir(instance))
    archive = _archive(folder / "keys.tar.gz", _plain(members, **{"keys.enc": _bundle(keys)}))
    with pytest.raises(BackupError, match="other than the instance's keys") as refused:
        restore_backup(app, archive, passphrase=PASSPHRASE)
    assert "only secret_key and message_key are ever restored" in str(refused.value)
    _unchanged(app, titles, files)
    with open(os.path.join(instance, "secret_key")) as fh:
        assert fh.read() == "the server's own key"
    assert not os.path.exists(os.path.join(os.path.dirname(instance), "x"))
    assert not os.path.exists("/tmp/practice-cms-restore-absolute")


@pytest.mark.parametrize(
    "value",
    ["", "two\nlines", "\x1b[2Jterminal", "x" * 5000, 42, ["a list"], "caf\u00e9"],
    ids=["empty", "newline", "escape", "huge", "number", "list", "non-ascii"],
)
def test_a_key_that_is_not_key_text_changes_nothing(site, folder, value):
    app, members = site
    titles, files = _titles(app), sorted(os.listdir(app.instance_path))
    bundle = _bundle({"secret_key": "s" * 64, "message_key": value})
    archive = _archive(folder / "bad-key.tar.gz", _plain(members, **{"keys.enc": bundle}))
    with pytest.raises(BackupError, match="message_key in the key bundle is not the text of a key"):
        restore_backup(app, archive, passphrase=PASSPHRASE)
    _unchanged(app, titles, files)


def test_a_bundle_that_is_not_a_mapping_is_damaged(site, folder):
    app, members = site
    titles, files = _titles(app), sorted(os.listdir(app.instance_path))
    bundle = _bundle(["secret_key", "s" * 64])
    archive = _archive(folder / "list.tar.gz", _plain(members, **{"keys.enc": bundle}))
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(app, archive, passphrase=PASSPHRASE)
    _unchanged(app, titles, files)


def test_known_keys_land_in_the_instance_owner_only_and_replace_a_planted_link(site, folder):
    app, members = site
    instance = app.instance_path
    outside = folder / "outside.txt"
    outside.write_text("not a key")
    os.symlink(outside, os.path.join(instance, "message_key"))
    bundle = _bundle({"secret_key": "s" * 64, "message_key": "m" * 44 + "\n"})
    archive = _archive(folder / "good.tar.gz", _plain(members, **{"keys.enc": bundle}))
    done = restore_backup(app, archive, passphrase=PASSPHRASE)
    assert "Restored instance/message_key (restart the service to use it)" in done
    assert outside.read_text() == "not a key"  # the link was replaced, not written through
    for name, text in (("secret_key", "s" * 64), ("message_key", "m" * 44 + "\n")):
        path = os.path.join(instance, name)
        assert not os.path.islink(path)
        with open(path) as fh:
            assert fh.read() == text
        assert os.stat(path).st_mode & 0o777 == 0o600
    assert _titles(app) == ["In the backup"]
    assert not [n for n in os.listdir(instance) if n.startswith(".")]  # no temporary files left


def _pax_header_claiming(size: int) -> bytes:
    """A tar stream whose first header announces a pax header of `size` bytes."""
    info = tarfile.TarInfo("PaxHeader")
    info.type, info.size = tarfile.XHDTYPE, size
    return info.tobuf(tarfile.USTAR_FORMAT) + b"\0" * 1024


HOSTILE = {
    "extra-dot-dot": (lambda m: _plain(m) + [(_info("../evil", b"x"), b"x")], "not part of"),
    "extra-absolute": (lambda m: _plain(m) + [(_info("/tmp/evil", b"x"), b"x")], "not part of"),
    "extra-config": (lambda m: _plain(m) + [(_info("config.py", b"x"), b"x")], "not part of"),
    "dot-slash-name": (
        lambda m: [(_info(f"./{n}", d), d) for n, d in m.items()],
        "not part of",
    ),
    "symlink-database": (
        lambda m: [
            (_info("manifest.json", m["manifest.json"]), m["manifest.json"]),
            (_info("cms.sqlite3", kind=tarfile.SYMTYPE, linkname="/etc/passwd"), None),
        ],
        "link, device or folder",
    ),
    "hardlink-database": (
        lambda m: [
            (_info("manifest.json", m["manifest.json"]), m["manifest.json"]),
            (_info("cms.sqlite3", kind=tarfile.LNKTYPE, linkname="manifest.json"), None),
        ],
        "link, device or folder",
    ),
    "device-keys": (
        lambda m: _plain(m) + [(_info("keys.enc", kind=tarfile.CHRTYPE, devmajor=1), None)],
        "link, device or folder",
    ),
    "fifo-keys": (
        lambda m: _plain(m) + [(_info("keys.enc", kind=tarfile.FIFOTYPE), None)],
        "link, device or folder",
    ),
    "folder-manifest": (
        lambda m: [(_info("manifest.json", kind=tarfile.DIRTYPE), None)] + _plain(m)[1:],
        "link, device or folder",
    ),
    "database-twice": (
        lambda m: _plain(m) + [(_info("cms.sqlite3", b"SQLite"), b"SQLite")],
        "more than once",
    ),
    "huge-manifest": (
        lambda m: _plain(m, **{"manifest.json": b" " * (65 * 1024) + m["manifest.json"]}),
        "far larger",
    ),
    "database-bigger-than-the-disk": (
        lambda m: [
            (_info("manifest.json", m["manifest.json"]), m["manifest.json"]),
            (_info("cms.sqlite3", size=10**15), None),
        ],
        "does not fit",
    ),
    "not-sqlite": (
        lambda m: _plain(m, **{"cms.sqlite3": b"<?php system($_GET['c']); ?>" * 100}),
        "not an SQLite database",
    ),
    "no-database": (lambda m: _plain({"manifest.json": m["manifest.json"]}), "not a practice"),
    "foreign-manifest": (
        lambda m: _plain(m, **{"manifest.json": json.dumps({"format": "other"}).encode()}),
        "not a practice",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_archives_change_nothing(site, folder, name):
    app, members = site
    build, message = HOSTILE[name]
    titles, files = _titles(app), sorted(os.listdir(app.instance_path))
    archive = _archive(folder / f"{name}.tar.gz", build(members))
    with pytest.raises(BackupError, match=message):
        restore_backup(app, archive)
    _unchanged(app, titles, files)
    assert not os.path.exists(folder.parent.parent / "evil") and not os.path.exists("/tmp/evil")


def test_a_header_claiming_gigabytes_is_not_read(site, folder):
    app, _ = site
    titles, files = _titles(app), sorted(os.listdir(app.instance_path))
    archive = folder / "pax-bomb.tar.gz"
    archive.write_bytes(gzip.compress(_pax_header_claiming(2**31)))
    with pytest.raises(BackupError, match="header far larger"):
        restore_backup(app, str(archive))
    _unchanged(app, titles, files)


def _edited_database(members: dict, folder, *statements, writable_schema=False) -> bytes:
    path = folder / "edited.sqlite3"
    path.write_bytes(members["cms.sqlite3"])
    conn = sqlite3.connect(path)
    if writable_schema:
        conn.execute("PRAGMA writable_schema = ON")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path.read_bytes()


def test_a_database_failing_the_integrity_check_changes_nothing(site, folder):
    app, members = site
    titles, files = _titles(app), sorted(os.listdir(app.instance_path))
    broken = _edited_database(
        members, folder,
        # The index now claims to hold titles, while its entries are statuses.
        "UPDATE sqlite_master SET sql = 'CREATE INDEX \"post_status\" ON \"post\" "
        "(\"title\")' WHERE name = 'post_status'",
        writable_schema=True,
    )  # fmt: skip
    archive = _archive(folder / "broken.tar.gz", _plain(members, **{"cms.sqlite3": broken}))
    with pytest.raises(BackupError, match="integrity check"):
        restore_backup(app, archive)
    _unchanged(app, titles, files)


def test_a_database_from_a_newer_version_changes_nothing(site, folder):
    app, members = site
    titles, files = _titles(app), sorted(os.listdir(app.instance_path))
    newer = _edited_database(
        members, folder,
        "INSERT INTO schema_migration (name, applied) VALUES ('0099_future', '2030-01-01')",
    )  # fmt: skip
    archive = _archive(folder / "newer.tar.gz", _plain(members, **{"cms.sqlite3": newer}))
    with pytest.raises(BackupError, match="newer version of practice-cms.*0099_future"):
        restore_backup(app, archive)
    _unchanged(app, titles, files)


def test_the_manifest_time_reaches_the_terminal_only_as_a_time(site, folder):
    app, members = site
    manifest = json.loads(members["manifest.json"])
    manifest["created_at"] = "\x1b]0;owned\x07\x1b[2J"
    forged = json.dumps(manifest).encode()
    archive = _archive(folder / "escape.tar.gz", _plain(members, **{"manifest.json": forged}))
    done = restore_backup(app, archive)
    assert done[0] == "Restored the database from an unknown time"
    assert not any("\x1b" in line for line in done)


def test_the_cli_says_nothing_was_changed(site, folder):
    app, members = site
    titles, files = _titles(app), sorted(os.listdir(app.instance_path))
    passphrase = folder / "passphrase"
    passphrase.write_text(PASSPHRASE + "\n")
    bundle = _bundle({"config.py": "DEBUG = True"})
    archive = _archive(folder / "cli.tar.gz", _plain(members, **{"keys.enc": bundle}))
    result = app.test_cli_runner().invoke(
        args=["cms", "restore", archive, "--passphrase-file", str(passphrase)]
    )
    assert result.exit_code == 1
    assert "Nothing was changed" in result.output and "'config.py'" in result.output
    _unchanged(app, titles, files)


@pytest.mark.parametrize(
    "statement",
    [
        # Would copy every future password hash and session token into a public post.
        'CREATE TRIGGER "user_copy" AFTER UPDATE ON "user" BEGIN UPDATE post SET body = '
        "NEW.password_hash || NEW.session_token; END",
        'CREATE VIEW "leak" AS SELECT email, password_hash FROM "user"',
        'DROP TRIGGER "post_update_bump"',  # pages would stay cached after every change
    ],
    ids=["planted-trigger", "planted-view", "missing-trigger"],
)
def test_a_database_whose_triggers_differ_from_ours_changes_nothing(site, folder, statement):
    app, members = site
    titles, files = _titles(app), sorted(os.listdir(app.instance_path))
    edited = _edited_database(members, folder, statement)
    archive = _archive(folder / "trigger.tar.gz", _plain(members, **{"cms.sqlite3": edited}))
    with pytest.raises(BackupError, match="triggers or views that this version"):
        restore_backup(app, archive)
    _unchanged(app, titles, files)
