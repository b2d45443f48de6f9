"""HTML stored under older sanitizer rules is made again at the next start."""

import sqlite3

from cms import create_app
from cms.content.rerender import HTML_RULES
from cms.core.db import db


def _start(path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(path), "SECRET_KEY": "test"})
    db.close()
    return app


def test_html_from_before_the_image_rule_is_cleaned_at_start(tmp_path):
    _start(tmp_path)
    database = tmp_path / "cms.sqlite3"
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == HTML_RULES
        # What an older version stored: an image that makes a preview call the editor.
        conn.execute(
            "UPDATE post SET body = ?, body_html = ? WHERE id = (SELECT MIN(id) FROM post)",
            ("![x](/admin/inbox/1)", '<p><img src="/admin/inbox/1" alt="x"></p>'),
        )
        conn.execute("PRAGMA user_version = 0")
    _start(tmp_path)
    with sqlite3.connect(database) as conn:
        html = conn.execute("SELECT body_html FROM post ORDER BY id LIMIT 1").fetchone()[0]
        assert "/admin/inbox" not in html
        assert conn.execute("PRAGMA user_version").fetchone()[0] == HTML_RULES


def test_current_html_is_left_alone(tmp_path):
    _start(tmp_path)
    database = tmp_path / "cms.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE post SET body_html = 'kept as is' WHERE id = 1")
    _start(tmp_path)
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT body_html FROM post WHERE id = 1").fetchone()[0] == "kept as is"
