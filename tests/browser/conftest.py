"""Browser tests: the app served by gunicorn on 127.0.0.1, driven by Debian's Chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.core.db import db

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ADMIN = ("admin@example.org", "correct horse battery")
EDITOR = ("editor@example.org", "correct horse battery")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Launch Debian's Chromium (playwright cannot download browsers here)."""
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_instance(path: Path, **config) -> None:
    """Create the database (demo content and two accounts) before the server starts."""
    from cms.accounts.users import create_user

    app = create_app({"INSTANCE_PATH": str(path), "SECRET_KEY": "browser-tests", **config})
    with app.app_context():
        db.connect(reuse_if_open=True)
        create_user(ADMIN[0], ADMIN[1], "admin", "Ada Admin", actor=SYSTEM)
        create_user(EDITOR[0], EDITOR[1], "editor", "Eddie Editor", actor=SYSTEM)
    db.close()


class LiveServer:
    """gunicorn serving the app from its own instance folder."""

    def __init__(self, instance: Path, env: dict | None = None):
        self.instance = instance
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = dict(
            os.environ,
            CMS_INSTANCE_PATH=str(instance),
            CMS_SECRET_KEY="browser-tests",
            CMS_SITE_URL=self.url,  # as a deployment sets it (notification mails need it)
            **(env or {}),
        )
        self.log = open(instance / "server.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "60",
                "app:app",
            ],
            cwd=ROOT,
            env=environ,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.instance / "server.log").read_text())
            try:
                urllib.request.urlopen(self.url + "/robots.txt", timeout=2)  # noqa: S310
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start in 30 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One server for the browser tests, with the demo site and two accounts."""
    instance = tmp_path_factory.mktemp("live-instance")
    prepare_instance(instance)
    server = LiveServer(instance)
    yield server
    server.stop()


@pytest.fixture
def site(live_server):
    return live_server.url


@pytest.fixture
def external_requests(page, live_server):
    """Block and record every request that is not to the site under test."""
    blocked = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(live_server.url) or url.startswith("data:") or url == "about:blank":
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    return blocked


@pytest.fixture
def console_errors(page):
    """Console errors and uncaught page errors seen during the test."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def sign_in(page, site, who=ADMIN):
    """Sign in through the form."""
    page.goto(f"{site}/admin/login")
    page.get_by_label("E-mail").fill(who[0])
    page.get_by_label("Password", exact=True).fill(who[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/admin/**")


def screenshot(page, name: str) -> None:
    """Save a screenshot for people to look at (test-artifacts/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
