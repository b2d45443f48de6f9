"""Fixtures in the flaskr style: app, client, runner, on a temporary instance folder."""

import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.core import clock
from cms.core.db import db


@pytest.fixture
def app(tmp_path):
    """The app on a fresh instance folder, with the demo content loaded."""
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test",
            "SITE_URL": "http://localhost",
            "WTF_CSRF_ENABLED": False,
        }
    )
    yield app
    db.close()


@pytest.fixture
def empty_app(tmp_path):
    """The app on a fresh instance folder without demo content."""
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test",
            "DEMO_CONTENT": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    yield app
    db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An app context with the database open, for calling models and services directly."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        yield app


@pytest.fixture(autouse=True)
def real_clock():
    """Every test starts (and ends) on real time."""
    clock.reset()
    yield
    clock.reset()


class AuthActions:
    """Sign in and out through the real sign-in form."""

    def __init__(self, client):
        self._client = client

    def login(self, email="admin@example.org", password="correct horse battery"):
        return self._client.post("/admin/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/admin/logout")


@pytest.fixture
def users(app):
    """An admin and an editor account (password: 'correct horse battery')."""
    from cms.accounts.users import create_user

    with app.app_context():
        admin = create_user(
            "admin@example.org", "correct horse battery", "admin", "Ada Admin", actor=SYSTEM
        )
        editor = create_user(
            "editor@example.org", "correct horse battery", "editor", "Eddie", actor=SYSTEM
        )
    return {"admin": admin, "editor": editor}


@pytest.fixture
def auth(client, users):
    return AuthActions(client)


FIGURES: list[str] = []  # counts the hostile-input tests measured, shown at the end of the run


@pytest.fixture
def report(record_property):
    """Record a figure (payloads tried, pages crawled, ...) for the end-of-run summary."""

    def add(label: str, value) -> None:
        record_property(label, value)
        FIGURES.append(f"{label}: {value}")
        print(f"{label}: {value}")

    return add


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("figures measured by the tests")
        for line in FIGURES:
            terminalreporter.write_line(line)
