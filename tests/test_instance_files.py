"""The instance folder is the service user's alone: 0700, and every file in it 0600.

It holds the database (the inbox, account hashes), its -wal and -shm, both keys, the lock
and the backups, so the modes must not depend on the umask the site was started with.
"""

import logging
import os
import re
import stat
from datetime import timedelta

import pytest

from cms import create_app
from cms.core import clock
from cms.core.db import db
from cms.ops.backup import create_backup, restore_backup
from tests.helpers.contact import GOOD

MESSAGE = GOOD
TIGHTENED = "Removed group and other access"


@pytest.fixture
def set_umask():
    """Set the process umask for one test (and put the old one back)."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def _start(instance):
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "WTF_CSRF_ENABLED": False,
            "SITE_URL": "http://localhost",
        }
    )


def _modes(instance) -> dict[str, int]:
    """Every folder and file under instance (relative name) with its permission bits."""
    modes = {".": stat.S_IMODE(os.stat(instance).st_mode)}
    for folder, dirs, files in os.walk(instance):
        for name in dirs + files:
            path = os.path.join(folder, name)
            modes[os.path.relpath(path, instance)] = stat.S_IMODE(os.lstat(path).st_mode)
    return modes


def _send_message(client) -> None:
    html = client.get("/contact").get_data(as_text=True)
    opened = re.search(r'name="opened" type="hidden" value="([^"]+)"', html).group(1)
    clock.advance(timedelta(seconds=10))  # a person takes a while to write
    assert client.post("/contact", data={**MESSAGE, "opened": opened}).status_code == 303


@pytest.mark.parametrize("mask", [0o022, 0o000])
def test_instance_is_private_whatever_the_umask(tmp_path, set_umask, mask):
    set_umask(mask)
    instance = tmp_path / "instance"  # does not exist yet: the first start makes it
    app = _start(instance)
    try:
        _send_message(app.test_client())  # creates message_key; the connection stays open
        archive = create_backup(app)
        modes = _modes(instance)
    finally:
        db.close()
    names = set(modes)
    folders = {n for n in names if os.path.isdir(instance / n)}
    assert {n: modes[n] for n in folders} == dict.fromkeys(folders, 0o700)
    assert {n: modes[n] for n in names - folders} == dict.fromkeys(names - folders, 0o600)
    assert {"cms.sqlite3", "cms.sqlite3-wal", "cms.sqlite3-shm", "secret_key"} <= names
    assert {"message_key", "bootstrap.lock", "backups", os.path.relpath(archive, instance)} <= names


def test_a_loose_instance_folder_is_tightened_once_at_start(tmp_path, caplog, set_umask):
    instance = tmp_path / "instance"
    app = _start(instance)
    create_backup(app)
    db.close()
    for name in _modes(instance):  # as an older version under umask 022 left them
        path = instance / name
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    (instance / "config.py").write_text("PAGE_CACHE = True\n")  # written by the owner
    caplog.set_level(logging.WARNING)

    _start(instance)
    db.close()
    modes = _modes(instance)
    assert modes["."] == modes["backups"] == 0o700
    assert {n for n, mode in modes.items() if mode & 0o077} == set()
    assert modes["config.py"] == modes["secret_key"] == modes["cms.sqlite3"] == 0o600
    tightened = [r.getMessage() for r in caplog.records if TIGHTENED in r.getMessage()]
    assert len(tightened) == 1 and "secret_key" in tightened[0] and "backups" in tightened[0]

    caplog.clear()
    _start(instance)
    db.close()
    assert TIGHTENED not in caplog.text  # said once, when it changed something


def test_restored_key_files_are_private_even_over_loose_ones(tmp_path, set_umask):
    instance = tmp_path / "instance"
    app = _start(instance)
    with app.app_context():
        from cms.messages.keys import fernet

        fernet()  # creates message_key
    archive = create_backup(app, passphrase="a backup passphrase")
    db.close()
    for name in ("secret_key", "message_key"):
        os.chmod(instance / name, 0o644)

    done = restore_backup(app, archive, "a backup passphrase")
    db.close()
    assert "Restored instance/secret_key (restart the service to use it)" in done
    assert stat.S_IMODE(os.stat(instance / "secret_key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(instance / "message_key").st_mode) == 0o600
