"""Migrations are frozen: none imports the application, whose code moves on after them.

A migration runs on databases years old, long after the modules it would import have
changed or gone, so each keeps its own copy of what it needs as it stood at its version.
"""

import ast
from pathlib import Path

from cms import create_app
from cms.core.db import MIGRATIONS_DIR, configure, db, migrate

# cms modules a migration may import: none. Nothing in the application is promised to
# stay as it is for every past version, so every migration carries its own copies.
STABLE = frozenset()
DYNAMIC = {"import_module", "__import__"}


def application_imports(source: str) -> list[str]:
    """The cms modules (and relative imports) a migration's source imports, at any depth,
    including importlib.import_module("cms...") and __import__("cms...")."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in DYNAMIC
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names = [str(node.args[0].value)]
        else:
            continue
        found += [
            (node.lineno, name)
            for name in names
            if (name == "cms" or name.startswith(("cms.", "."))) and name not in STABLE
        ]
    return [f"line {line}: {name}" for line, name in sorted(found)]


def migrations() -> list[Path]:
    return sorted(Path(MIGRATIONS_DIR).glob("[0-9]*.py"))


def test_no_migration_imports_the_application():
    assert len(migrations()) >= 11
    found = {path.name: application_imports(path.read_text()) for path in migrations()}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_check_finds_every_way_of_importing():
    """Negative control: what migration 0006 did until it was frozen, and the other forms."""
    source = """
import re
from html.parser import HTMLParser
import cms.content.render
from playhouse.migrate import SchemaMigrator


def up(migrator, db):
    from cms.content.render import render_markdown
    from cms.ops.bootstrap import DEFAULT_NOTICES
    from ..core import cache
    import importlib
    importlib.import_module("cms.site.models")
    __import__("cms")
"""
    assert application_imports(source) == [
        "line 4: cms.content.render",
        "line 9: cms.content.render",
        "line 10: cms.ops.bootstrap",
        "line 11: ..core",
        "line 13: cms.site.models",
        "line 14: cms",
    ]


def test_a_version_5_site_gets_the_crisis_notice_from_the_frozen_copy(tmp_path):
    configure(str(tmp_path / "cms.sqlite3"))
    db.connect()
    migrate("0005_api_tokens")
    assert migrate("0006_messages") == ["0006_messages"]
    [(body_html,)] = db.execute_sql(
        "SELECT body_html FROM notice WHERE key = 'contact-crisis'"
    ).fetchall()
    assert body_html.startswith("<p><strong>If you are in crisis or in danger")
    db.close()
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t", "TESTING": True})
    page = app.test_client().get("/contact").get_data(as_text=True)
    assert "<strong>If you are in crisis or in danger, do not use this form.</strong>" in page
    db.close()
