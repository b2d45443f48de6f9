"""Links printed on the server (the first start's setup link, `cms reset-password`) can be
opened with a click: absolute with SITE_URL, or with the address gunicorn listens on."""

import importlib.util
import re
from pathlib import Path

from cms import create_app
from cms.core.db import db

ROOT = Path(__file__).resolve().parents[1]


def _gunicorn_conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_passes_its_first_tcp_address():
    listen_url = _gunicorn_conf()._listen_url
    assert listen_url(["127.0.0.1:8000"]) == "http://127.0.0.1:8000"
    assert listen_url(["unix:/run/cms.sock", "[::1]:8001"]) == "http://[::1]:8001"
    assert listen_url(["unix:/run/cms.sock"]) == ""


def _setup_line(tmp_path, caplog, **config) -> str:
    caplog.clear()
    create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t", "DEMO_CONTENT": False, **config})
    db.close()
    return next(r.getMessage() for r in caplog.records if "/admin/setup/" in r.getMessage())


def test_the_setup_link_is_absolute_with_the_listen_address(tmp_path, caplog):
    line = _setup_line(tmp_path, caplog, LISTEN_URL="http://127.0.0.1:8000")
    assert re.search(r"link: http://127\.0\.0\.1:8000/admin/setup/[\w-]{40,} ", line), line
    assert "after this site's address" not in line


def test_site_url_comes_first_and_without_either_it_says_so(tmp_path, caplog):
    line = _setup_line(tmp_path / "a", caplog, SITE_URL="https://practice.example/",
                       LISTEN_URL="http://127.0.0.1:8000")  # fmt: skip
    assert "https://practice.example/admin/setup/" in line
    line = _setup_line(tmp_path / "b", caplog)
    assert "(after this site's address): /admin/setup/" in line


def test_reset_password_prints_the_listen_address_without_site_url(runner, users, app):
    app.config.update(SITE_URL="", LISTEN_URL="http://127.0.0.1:8000")
    result = runner.invoke(args=["cms", "reset-password", "admin@example.org"])
    assert "http://127.0.0.1:8000/admin/set-password/" in result.output, result.output
