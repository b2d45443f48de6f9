"""Schema migrations: numbered, recorded, and upgrading a version-1 database in place."""

import sqlite3

from playhouse.migrations import Migration

from cms import create_app
from cms.core.db import MIGRATIONS_DIR, configure, db, migrate, pending_migrations


def test_fresh_database_records_every_migration(app):
    names = [m.name for m in Migration.load_directory(MIGRATIONS_DIR)]
    conn = sqlite3.connect(app.config["DATABASE"])
    recorded = [r[0] for r in conn.execute("SELECT name FROM schema_migration ORDER BY id")]
    conn.close()
    assert recorded == names
    assert names[0] == "0001_initial"


def test_version_1_database_upgrades_with_content_intact(tmp_path):
    path = str(tmp_path / "cms.sqlite3")
    configure(path)
    db.connect()
    assert migrate("0001_initial") == ["0001_initial"]
    db.execute_sql(
        "INSERT INTO post (title, slug, body, body_html, excerpt, meta_description, status,"
        " published_at, created_at, updated_at) VALUES ('Old post', 'old-post', 'Kept *text*',"
        " '<p>Kept <em>text</em></p>', '', '', 'published', '2020-01-01 00:00:00',"
        " '2020-01-01 00:00:00', '2020-01-01 00:00:00')"
    )
    db.execute_sql("INSERT INTO setting (key, value) VALUES ('site_title', '\"Old site\"')")
    db.execute_sql(
        "INSERT INTO search_entry (title, body, kind, ref) "
        "VALUES ('Old post', 'Kept text', 'post', 1)"
    )
    assert pending_migrations()  # there is something to upgrade
    db.close()

    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t", "TESTING": True})
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert pending_migrations() == []
        html = app.test_client().get("/blog/old-post").get_data(as_text=True)
        assert "Kept <em>text</em>" in html
        assert "Old site" in html
        found = app.test_client().get("/search?q=kept").get_data(as_text=True)
        assert 'href="/blog/old-post"' in found
        rowids = db.execute_sql("SELECT rowid, ref FROM search_entry").fetchall()
        assert rowids == [(2, 1)]  # re-keyed by migration 0008
    db.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_migrate_command_reports_up_to_date(runner):
    result = runner.invoke(args=["cms", "migrate"])
    assert result.exit_code == 0
    assert "up to date" in result.output
