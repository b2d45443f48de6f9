"""The message key is read again whenever its file changes, in every worker.

A worker that kept the key it first read went on sealing messages with it after the key
was put back or restored, and those messages could never be read again. Two app
instances (and a second process) stand in for gunicorn's workers.
"""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet, InvalidToken

from cms import create_app
from cms.core.db import db
from cms.messages import keys as messages
from cms.messages.keys import key_path, unseal
from cms.messages.models import Message
from cms.messages.service import store_message
from cms.ops.backup import create_backup, restore_backup
from tests.helpers.contact import GOOD
from tests.helpers.live import ROOT

PASSPHRASE = "a long backup passphrase"

# Another worker: stores a message for every line it reads, printing its id.
WORKER = r"""
import sys
from cms import create_app, messages
from cms.core.db import db
from cms.messages.service import store_message
app = create_app({"INSTANCE_PATH": sys.argv[1], "SECRET_KEY": "t" * 40, "DEMO_CONTENT": False})
with app.app_context():
    db.connect(reuse_if_open=True)
    for line in sys.stdin:
        message = store_message({"name": line.strip(), "email": "w@example.org", "message": "x"})
        print(message.id, flush=True)
"""


def _start(instance) -> object:
    return create_app(
        {"TESTING": True, "INSTANCE_PATH": str(instance), "SECRET_KEY": "t" * 40,
         "DEMO_CONTENT": False}
    )  # fmt: skip


def _store(app, name: str) -> int:
    with app.app_context():
        db.connect(reuse_if_open=True)
        return store_message({**GOOD, "name": name}).id


def _read(app, message_id: int) -> dict | None:
    """What this app (worker) decrypts of a message."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        return unseal(Message.get_by_id(message_id).sealed)


def _opens(instance, message_id: int) -> bool:
    """True when the key now on disk opens the message: what every worker after a restart
    (and every worker that follows the file) reads it with."""
    with open(os.path.join(instance, "message_key"), "rb") as fh:
        cipher = Fernet(fh.read().strip())
    app = _start(instance)
    with app.app_context():
        db.connect(reuse_if_open=True)
        sealed = Message.get_by_id(message_id).sealed
    try:
        cipher.decrypt(sealed.encode())
        return True
    except InvalidToken:
        return False


def _put_key(path: str, how: str) -> bytes:
    """Put a new key in place as an operator would: a new file renamed over the old one,
    or the old file rewritten in place (pasted without its newline)."""
    key = Fernet.generate_key()
    if how == "replaced":
        with open(path + ".new", "wb") as fh:
            fh.write(key + b"\n")
        os.replace(path + ".new", path)
    else:
        with open(path, "wb") as fh:
            fh.write(key)
    return key


@pytest.mark.parametrize("how", ["replaced", "rewritten"])
def test_a_key_put_in_place_while_two_workers_run_is_used_by_both(tmp_path, how):
    first, second = _start(tmp_path), _start(tmp_path)
    before = _store(first, "before")
    assert _read(second, before)["name"] == "before"  # both workers have read the key
    with first.app_context():
        _put_key(key_path(), how)

    after = [_store(first, "after-first"), _store(second, "after-second")]
    for message_id in after:
        assert _opens(tmp_path, message_id)  # sealed with the key on disk, not a cached one
        assert _read(first, message_id) and _read(second, message_id)
    assert _read(first, before) is None and not _opens(tmp_path, before)
    db.close()


def test_a_worker_process_follows_a_key_changed_under_it(tmp_path):
    _start(tmp_path)
    db.close()
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(tmp_path)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        worker.stdin.write("first\n")
        worker.stdin.flush()
        first = int(worker.stdout.readline())  # the worker has read (created) the key
        _put_key(str(tmp_path / "message_key"), "replaced")
        worker.stdin.write("second\n")
        worker.stdin.flush()
        second = int(worker.stdout.readline())
    finally:
        worker.stdin.close()
        worker.wait(timeout=30)
    assert _opens(tmp_path, second)
    assert not _opens(tmp_path, first)
    db.close()


def test_messages_stay_readable_after_a_restore_with_the_passphrase(tmp_path):
    running, operator = _start(tmp_path), _start(tmp_path)
    kept = _store(running, "kept in the backup")
    archive = create_backup(operator, str(tmp_path / "b"), passphrase=PASSPHRASE)
    os.remove(tmp_path / "message_key")  # the key is lost, the service restarted ...
    messages._keys.clear()
    _store(running, "under a new key")  # ... and its worker made and read a new key

    done = restore_backup(operator, archive, PASSPHRASE)
    assert "Restored instance/message_key (restart the service to use it)" in done
    assert _read(running, kept)["name"] == "kept in the backup"  # no restart needed
    written = _store(running, "after the restore")
    assert _opens(tmp_path, written) and _opens(tmp_path, kept)
    db.close()
