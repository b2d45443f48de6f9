"""Fixtures in the flaskr style: app, client, runner, on a temporary instance folder.

The demo site is built once per run by the real first start (schema, default notices,
demo content) and copied, files and all, into each test's own instance folder, so every
test still gets a fresh and independent site without paying for the first start again.
"""

import shutil
from unittest.mock import patch

import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.core import clock
from cms.core.db import configure, db

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test",
    "WTF_CSRF_ENABLED": False,
}
DEMO_CONFIG = {"SITE_URL": "http://localhost"}
PASSWORD = "correct horse battery"  # the test accounts'


@pytest.fixture(autouse=True)
def database_left_as_found():
    """Every test leaves the shared database handle pointing where it found it.

    Peewee's database object is one per process: without this, a test that calls the
    models without an app would read whatever file an earlier test configured, and pass
    or fail by the order the tests ran in. Outside a fixture's app it points nowhere, so
    such a test fails at once, in any order.
    """
    found = db.database
    yield
    if not db.deferred:
        db.close()
    if db.database != found:
        if found is None:
            db.init(None)
        else:
            configure(found)


def _start(path, **config):
    return create_app({**TEST_CONFIG, "INSTANCE_PATH": str(path), **config})


@pytest.fixture(scope="session")
def demo_instance(tmp_path_factory):
    """An instance folder after a real first start with the demo content, built once."""
    path = tmp_path_factory.mktemp("demo-instance")
    _start(path, **DEMO_CONFIG)
    db.close()
    db.init(None)
    return path


@pytest.fixture
def app(tmp_path, demo_instance):
    """The app on a fresh instance folder, with the demo content loaded."""
    shutil.copytree(demo_instance, tmp_path, dirs_exist_ok=True)
    app = _start(tmp_path, **DEMO_CONFIG)
    yield app
    db.close()


@pytest.fixture
def empty_app(tmp_path):
    """The app on a fresh instance folder without demo content."""
    app = _start(tmp_path, DEMO_CONTENT=False)
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

    def login(self, email="admin@example.org", password=PASSWORD):
        return self._client.post("/admin/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/admin/logout")


@pytest.fixture(scope="session")
def password_hash():
    """The scrypt hash of PASSWORD, made once: each one costs about a third of a second."""
    from cms.accounts.passwords import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def users(app, password_hash):
    """An admin and an editor account (password: 'correct horse battery')."""
    from cms.accounts import users as accounts

    real = accounts.hash_password

    def known(password):  # the same scrypt hash, made once per run rather than per account
        return password_hash if password == PASSWORD else real(password)

    with app.app_context(), patch.object(accounts, "hash_password", known):
        admin = accounts.create_user(
            "admin@example.org", PASSWORD, "admin", "Ada Admin", actor=SYSTEM
        )
        editor = accounts.create_user(
            "editor@example.org", PASSWORD, "editor", "Eddie", actor=SYSTEM
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


def _test_order(config) -> str:
    """How this run ordered the tests, with what replays it (pytest-random-order)."""
    from random_order.config import Config

    order = Config(config)
    if order.bucket_type == "none":
        return "test order: as written (--random-order-bucket=none)"
    return (
        f"test order: shuffled by {order.bucket_type}, seed {order.seed}; replay with "
        f"--random-order-seed={order.seed}, keep file order with --random-order-bucket=none"
    )


def pytest_terminal_summary(terminalreporter, config):
    terminalreporter.write_line(_test_order(config))
    if FIGURES:
        terminalreporter.section("figures measured by the tests")
        for line in FIGURES:
            terminalreporter.write_line(line)
