"""The app served by gunicorn on 127.0.0.1 from its own instance folder."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.core.db import db

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("admin@example.org", "correct horse battery")
EDITOR = ("editor@example.org", "correct horse battery")


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
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
        self.port = free_port()
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
