"""Backups taken while the site writes, restore with checks, keys, pruning, migrate's backup."""

import io
import json
import os
import sqlite3
import tarfile
import threading
import time

import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.content.service import save_post
from cms.core.db import configure, db, migrate
from cms.ops.backup import BackupError, create_backup, file_digest, restore_backup, seal_manifest


def archive_db(archive, tmp_path) -> sqlite3.Connection:
    """Open the database inside an archive (after extracting it)."""
    target = tmp_path / f"check-{os.path.basename(archive)}.sqlite3"
    with tarfile.open(archive) as tar:
        target.write_bytes(tar.extractfile("cms.sqlite3").read())
    return sqlite3.connect(target)


def manifest(archive) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


def add_manifest(tar, archive, database) -> None:
    """The archive's manifest, with the checksum of an edited database put in."""
    sealed = seal_manifest(manifest(archive), {"cms.sqlite3": file_digest(database)}, None)
    body = json.dumps(sealed).encode()
    info = tarfile.TarInfo("manifest.json")
    info.size = len(body)
    tar.addfile(info, io.BytesIO(body))


def test_backup_while_posts_are_written(app, tmp_path):
    stop, written, errors = threading.Event(), [], []

    def writer():
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                deadline = time.monotonic() + 10
                while not stop.is_set() and len(written) < 400 and time.monotonic() < deadline:
                    n = len(written)
                    save_post(
                        {"title": f"Busy {n}", "body": "words " * 200, "status": "published"},
                        actor=SYSTEM,
                    )
                    written.append(n)
            except Exception as exc:  # reported below: the test must see writer failures
                errors.append(exc)
            finally:
                db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    archives = []
    try:
        while len(written) < 5 and thread.is_alive():
            time.sleep(0.01)
        for _ in range(3):
            archives.append(create_backup(app, str(tmp_path / "backups"), keep=10))
    finally:
        stop.set()
        thread.join()
    assert not errors
    counts = []
    for archive in archives:
        conn = archive_db(archive, tmp_path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        counts.append(
            conn.execute("SELECT COUNT(*) FROM post WHERE title LIKE 'Busy %'").fetchone()[0]
        )
        # Every post in a snapshot is complete: its revision and search entry are there too.
        assert conn.execute(
            "SELECT COUNT(*) FROM post p WHERE title LIKE 'Busy %' AND NOT EXISTS"
            " (SELECT 1 FROM revision r WHERE r.kind = 'post' AND r.object_id = p.id)"
        ).fetchone()[0] == 0  # fmt: skip
        conn.close()
        assert os.stat(archive).st_mode & 0o077 == 0
    assert counts == sorted(counts) and counts[-1] <= len(written)
    assert manifest(archives[0])["keys"] == "not included"


def test_restore_round_trip(app, tmp_path):
    client = app.test_client()
    with app.app_context():
        db.connect(reuse_if_open=True)
        kept = save_post(
            {"title": "Kept in the backup", "body": "Before", "status": "published"}, actor=SYSTEM
        )
        archive = create_backup(app)
        save_post({"title": "Written after the backup", "status": "published"}, actor=SYSTEM)
        save_post({"body": "Changed after"}, kept, actor=SYSTEM)
    assert "Changed after" in client.get(f"/blog/{kept.slug}").get_data(as_text=True)
    db.close()
    done = restore_backup(app, archive)
    assert done[0].startswith("Restored the database")
    html = client.get(f"/blog/{kept.slug}").get_data(as_text=True)  # the page cache follows
    assert "Before" in html and "Changed after" not in html
    assert client.get("/blog/written-after-the-backup").status_code == 404
    conn = sqlite3.connect(app.config["DATABASE"])
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def _post_count(app) -> int:
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        return conn.execute("SELECT COUNT(*) FROM post").fetchone()[0]
    finally:
        conn.close()


def test_damaged_or_foreign_archives_change_nothing(app, tmp_path):
    before = _post_count(app)
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(BackupError, match="cannot be read"):
        restore_backup(app, str(garbage))
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        tar.add(__file__, "cms.sqlite3")
        tar.add(__file__, "manifest.json")
    with pytest.raises(BackupError):
        restore_backup(app, str(foreign))
    archive = create_backup(app, str(tmp_path / "b"))
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    db_bytes = bytearray(members["cms.sqlite3"])
    db_bytes[len(db_bytes) // 2 : len(db_bytes) // 2 + 4096] = b"\xff" * 4096  # a ruined page
    corrupt = tmp_path / "corrupt.tar.gz"
    with tarfile.open(corrupt, "w:gz") as tar:
        for name, data in (("manifest.json", members["manifest.json"]), ("cms.sqlite3", db_bytes)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(bytes(data)))
    with pytest.raises(BackupError):
        restore_backup(app, str(corrupt))
    assert _post_count(app) == before


def test_archive_from_a_newer_version_is_refused(app, tmp_path):
    archive = create_backup(app, str(tmp_path / "b"))
    conn = archive_db(archive, tmp_path)
    conn.close()
    extracted = tmp_path / f"check-{os.path.basename(archive)}.sqlite3"
    conn = sqlite3.connect(extracted)
    conn.execute(
        "INSERT INTO schema_migration (name, applied) VALUES ('9999_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(newer, "w:gz") as tar:
        tar.add(extracted, "cms.sqlite3")
        add_manifest(tar, archive, extracted)
    with pytest.raises(BackupError, match="newer version"):
        restore_backup(app, str(newer))


def test_keys_travel_only_encrypted(app, tmp_path):
    instance = tmp_path
    (instance / "secret_key").write_text("s" * 64)
    (instance / "message_key").write_text("m" * 44)
    archive = create_backup(app, str(tmp_path / "b"), passphrase="correct horse")
    with tarfile.open(archive) as tar:
        blob = tar.extractfile("keys.enc").read()
    assert b"s" * 64 not in blob and b"m" * 44 not in blob
    assert manifest(archive)["keys"] == "encrypted"
    with pytest.raises(BackupError, match="passphrase"):
        restore_backup(app, archive, passphrase="wrong horse")
    (instance / "secret_key").write_text("new server key")
    os.remove(instance / "message_key")
    done = restore_backup(app, archive, passphrase="correct horse")
    assert (instance / "secret_key").read_text() == "s" * 64
    assert (instance / "message_key").read_text() == "m" * 44
    assert os.stat(instance / "message_key").st_mode & 0o077 == 0
    assert any("message_key" in line for line in done)


def test_cli_backup_keeps_the_last_n_and_restores(app, tmp_path):
    runner = app.test_cli_runner()
    folder = tmp_path / "kept"
    for _ in range(3):
        result = runner.invoke(args=["cms", "backup", str(folder), "--keep", "2"])
        assert result.exit_code == 0, result.output
        assert "not in it" in result.output  # the reminder about the key files
    archives = sorted(folder.glob("cms-backup-*.tar.gz"))
    assert len(archives) == 2
    result = runner.invoke(args=["cms", "restore", str(archives[-1])])
    assert result.exit_code == 0, result.output
    assert "Restored the database" in result.output
    bad = tmp_path / "bad.tar.gz"
    bad.write_text("nope")
    result = runner.invoke(args=["cms", "restore", str(bad)])
    assert result.exit_code == 1
    assert "Nothing was changed" in result.output


def _undo_last_migration(path) -> None:
    """Make a database look one version older: without 0007 and its table."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE imported_item")
    conn.execute("DELETE FROM schema_migration WHERE name = '0007_imports'")
    conn.commit()
    conn.close()


def test_migrate_command_takes_a_backup_first(app, tmp_path):
    db.close()
    _undo_last_migration(app.config["DATABASE"])
    result = app.test_cli_runner().invoke(args=["cms", "migrate"])
    assert result.exit_code == 0, result.output
    assert result.output.index("Backup written to") < result.output.index("Applied 0007_imports")
    (archive,) = (tmp_path / "backups").glob("cms-backup-*.tar.gz")
    assert "0007_imports" not in manifest(str(archive))["migrations"]
    conn = archive_db(str(archive), tmp_path)
    assert conn.execute("SELECT COUNT(*) FROM post").fetchone()[0] == _post_count(app)
    conn.close()


def test_upgrade_at_start_takes_a_backup_first(tmp_path):
    path = str(tmp_path / "cms.sqlite3")
    configure(path)
    db.connect()
    migrate("0001_initial")
    db.close()
    create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t", "TESTING": True})
    (archive,) = (tmp_path / "backups").glob("cms-backup-*.tar.gz")
    assert manifest(str(archive))["migrations"] == ["0001_initial"]
    db.close()


def test_restoring_an_old_backup_upgrades_it(app, tmp_path):
    archive = create_backup(app, str(tmp_path / "b"))
    old = archive_db(archive, tmp_path)
    old.close()
    extracted = tmp_path / f"check-{os.path.basename(archive)}.sqlite3"
    _undo_last_migration(extracted)
    older = tmp_path / "older.tar.gz"
    with tarfile.open(older, "w:gz") as tar:
        tar.add(extracted, "cms.sqlite3")
        add_manifest(tar, archive, extracted)
    done = restore_backup(app, str(older))
    assert "Applied migration 0007_imports" in done
    assert app.test_client().get("/").status_code == 200


def test_a_restore_that_fails_halfway_puts_the_current_database_back(app, tmp_path, monkeypatch):
    with app.app_context():
        db.connect(reuse_if_open=True)
        archive = create_backup(app)
        save_post({"title": "Written after the backup", "status": "published"}, actor=SYSTEM)
    db.close()
    before = _post_count(app)

    def broken_migrate():
        raise RuntimeError("the upgrade failed")

    monkeypatch.setattr("cms.ops.backup.migrate", broken_migrate)
    with pytest.raises(RuntimeError, match="the upgrade failed"):
        restore_backup(app, archive)  # fails after the archive was copied over the live file
    assert _post_count(app) == before
    client = app.test_client()
    assert client.get("/blog/written-after-the-backup").status_code == 200
    conn = sqlite3.connect(app.config["DATABASE"])
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
