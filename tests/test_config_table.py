"""The one configuration table: cms/config.py, the README's table, and how both are loaded."""

import re
from pathlib import Path

from flask import Flask

from cms import create_app
from cms.config import DEFAULTS, SETTINGS, shown
from cms.core.db import db

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| (`[A-Z0-9_]+`(?:, `[A-Z0-9_]+`)*) \| ([^|]+) \| [^|]+ \|$")
# Settings read in cms/ by name: config["NAME"], config.get("NAME" ...), config.update(NAME=...)
READ = re.compile(r"config(?:\[|\.get\()[\"']([A-Z][A-Z0-9_]+)[\"']")


def readme_defaults() -> dict[str, str]:
    """{setting: default as written} from the README's configuration table."""
    section = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ")[0]
    table = {}
    for line in section.splitlines():
        match = ROW.match(line)
        if not match:
            continue
        names = re.findall(r"`([A-Z0-9_]+)`", match[1])
        values = match[2].strip().split(", ")
        if len(values) != len(names):  # one default written for all of them
            values = [match[2].strip()] * len(names)
        for name, value in zip(names, values, strict=True):
            assert name not in table, f"{name} is in the README's table twice"
            table[name] = value
    return table


def test_every_setting_is_in_the_readme_with_its_default():
    documented = readme_defaults()
    assert len(documented) > 40  # the table was found and read
    for setting in SETTINGS:
        assert setting.name in documented, f"{setting.name} is missing from the README"
        assert documented[setting.name] == shown(setting), setting.name


def test_every_documented_setting_exists():
    assert set(readme_defaults()) - set(DEFAULTS) == set()


def test_each_setting_once_with_a_meaning():
    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names))
    assert all(setting.meaning.strip() and "\n" not in setting.meaning for setting in SETTINGS)


def test_every_setting_the_code_reads_has_a_default_here():
    flask_own = set(Flask.default_config)
    read = {
        name for path in (ROOT / "cms").rglob("*.py") for name in READ.findall(path.read_text())
    }
    assert len(read) > 30  # the pattern still finds the reads
    assert read - set(DEFAULTS) - flask_own == set()


def test_environment_variables_are_read_as_json_where_they_parse(tmp_path, monkeypatch):
    monkeypatch.setenv("CMS_PAGE_CACHE", "false")
    monkeypatch.setenv("CMS_API_CORS_ORIGINS", '["https://front.example"]')
    monkeypatch.setenv("CMS_SITE_URL", "https://example.org")  # not JSON: kept as text
    monkeypatch.setenv("CMS_BACKUP_KEEP", "3")
    monkeypatch.setenv("CMS_SMTP_PORT", "2525")
    monkeypatch.setenv("CMS_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    app = create_app({"TESTING": True, "DEMO_CONTENT": False, "SMTP_PORT": 25})
    db.close()
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert app.config["DATABASE"] == str(tmp_path / "elsewhere" / "cms.sqlite3")
    assert app.config["PAGE_CACHE"] is False
    assert app.config["API_CORS_ORIGINS"] == ["https://front.example"]
    assert app.config["SITE_URL"] == "https://example.org"
    assert app.config["BACKUP_KEEP"] == 3
    assert app.config["SMTP_PORT"] == 25  # the dictionary given to create_app wins
    assert app.config["IDLE_TIMEOUT"] == DEFAULTS["IDLE_TIMEOUT"]  # untouched: the default
    assert "INSTANCE_PATH" not in app.config  # chooses the folder; no setting of its own


def test_instance_config_file_sits_between_defaults_and_environment(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("MESSAGE_RETENTION_DAYS = 30\nBACKUP_KEEP = 5\n")
    monkeypatch.setenv("CMS_BACKUP_KEEP", "7")
    app = create_app({"TESTING": True, "DEMO_CONTENT": False, "INSTANCE_PATH": str(tmp_path)})
    db.close()
    assert app.config["MESSAGE_RETENTION_DAYS"] == 30
    assert app.config["BACKUP_KEEP"] == 7
