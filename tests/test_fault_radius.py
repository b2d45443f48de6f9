"""Faults keep their blast radius small: a damaged message key, a read-only or full disk.

The disks are real: a read-only bind mount of the instance folder, and small tmpfs mounts
filled to the last byte (the tests run as root, which file modes do not stop). Each mount
is removed when its test ends; without the right to mount, those tests are skipped.
"""

import errno
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest
from cryptography.fernet import Fernet

from cms import create_app
from cms.core import db as db_module
from cms.core import errors
from cms.core.db import db
from cms.messages.keys import key_path
from cms.messages.models import Message
from cms.messages.service import store_message
from tests.helpers.contact import GOOD, contact_form, send
from tests.helpers.live import ROOT, free_port, prepare_instance

DAMAGE = {
    "garbage": b"this is not a key at all\n",
    "truncated": Fernet.generate_key()[:20],
    "empty": b"",
    "binary": bytes(range(256)),
}


@pytest.fixture(autouse=True)
def fresh_fault_state(monkeypatch):
    """Each test starts a new incident (the log-once state is per process)."""
    monkeypatch.setattr(errors, "_logged", {}, raising=False)
    monkeypatch.setattr(db_module, "_incident", {"reason": None}, raising=False)


def html(response) -> str:
    return response.get_data(as_text=True)


# --- the message key -------------------------------------------------------------------


def _bytes(path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _damage(app, content: bytes) -> str:
    with app.app_context():
        path = key_path()
    with open(path, "wb") as fh:
        fh.write(content)
    return path


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_key_is_set_aside_and_the_contact_form_still_works(
    app, client, auth, damage, caplog
):
    app.config.update(CONTACT_MIN_SECONDS=0)
    with app.app_context():
        old = store_message({**GOOD, "name": "Before the damage"}).id
        original = _bytes(key_path())
    path = _damage(app, DAMAGE[damage])
    auth.login()

    listing = client.get("/admin/inbox")  # reading lists what it cannot open ...
    assert listing.status_code == 200
    assert "(cannot be decrypted)" in html(listing) and "1 message" in html(listing)
    assert client.get(f"/admin/inbox/{old}").status_code == 200
    assert _bytes(path) == DAMAGE[damage]  # ... and changes no file
    assert not [n for n in os.listdir(app.instance_path) if ".damaged-" in n]

    sent = send(client, name="After the damage")
    assert sent.status_code == 303
    (aside,) = [n for n in os.listdir(app.instance_path) if n.startswith("message_key.damaged-")]
    assert _bytes(os.path.join(app.instance_path, aside)) == DAMAGE[damage]
    assert os.stat(os.path.join(app.instance_path, aside)).st_mode & 0o077 == 0
    assert f"kept as {os.path.join(app.instance_path, aside)}" in caplog.text
    Fernet(_bytes(path).strip())  # a new, valid key
    listing = html(client.get("/admin/inbox"))
    assert "After the damage" in listing and aside in listing

    with open(path, "wb") as fh:  # the original key put back: the old message reads again
        fh.write(original)
    listing = html(client.get("/admin/inbox"))
    assert "Before the damage" in listing and "After the damage" not in listing


def test_a_valid_key_that_is_not_the_messages_one(app, client, auth):
    app.config.update(CONTACT_MIN_SECONDS=0)
    with app.app_context():
        old = store_message({**GOOD, "name": "Under the first key"}).id
    path = _damage(app, Fernet.generate_key() + b"\n")
    auth.login()
    assert send(client, name="Under the second key").status_code == 303
    listing = client.get("/admin/inbox")
    assert listing.status_code == 200
    assert "(cannot be decrypted)" in html(listing) and "Under the second key" in html(listing)
    assert client.get(f"/admin/inbox/{old}").status_code == 200
    assert not [n for n in os.listdir(app.instance_path) if ".damaged-" in n]
    assert os.path.exists(path)


def test_a_key_that_cannot_be_read_is_never_set_aside(app, client, auth, caplog):
    """Unreadable is not damaged (a permission, say; here a folder in its place): the
    inbox lists what it cannot open, and the form answers 503 rather than a new key."""
    app.config.update(CONTACT_MIN_SECONDS=0)
    with app.app_context():
        store_message(dict(GOOD))
        path = key_path()
    os.remove(path)
    os.mkdir(path)
    auth.login()
    listing = client.get("/admin/inbox")
    assert listing.status_code == 200 and "(cannot be decrypted)" in html(listing)
    assert send(client).status_code == 503
    assert os.path.isdir(path) and not [n for n in os.listdir(app.instance_path) if ".dam" in n]
    assert "cannot be read" in caplog.text


def test_workers_finding_the_same_damage_set_it_aside_once(app):
    with app.app_context():
        store_message(dict(GOOD))
    _damage(app, b"garbage")
    start, ids, failures = threading.Barrier(4), [], []

    def worker():
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                start.wait(timeout=10)
                ids.append(store_message(dict(GOOD)).id)
            except Exception as exc:  # reported below
                failures.append(exc)
            finally:
                db.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures and len(ids) == 4
    assert len([n for n in os.listdir(app.instance_path) if ".damaged-" in n]) == 1
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert all(Message.get_by_id(i).contents for i in ids)  # all under the one new key


# --- real read-only and full disks ---------------------------------------------------------


@pytest.fixture
def mounts():
    """Mount helpers whose mounts are all removed at the end of the test."""
    made = []

    def mount(*args, target):
        result = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
        if result.returncode:
            pytest.skip(f"cannot mount here: {result.stderr.strip()}")
        made.append(str(target))

    yield mount
    for target in reversed(made):
        if not db.deferred:  # a test that started no app in this process opened nothing
            db.close()
        subprocess.run(["umount", target], check=False)
        if os.path.ismount(target):
            subprocess.run(["umount", "-l", target], check=False)


def read_only(mount, folder) -> None:
    mount("--bind", str(folder), target=folder)
    mount("-o", "remount,bind,ro", target=folder)


def fill(folder, leave: int = 0) -> None:
    """Fill a (tmpfs) disk to the last byte, then free `leave` bytes."""
    filler = os.path.join(folder, "filler")
    # Unbuffered: a write cut short by the full disk leaves nothing for close() to retry.
    with open(filler, "wb", buffering=0) as fh:
        try:
            for _ in range(100_000):
                fh.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    for _ in range(1000):  # the last partial page
        try:
            with open(filler, "ab") as fh:
                fh.write(b"\0" * 512)
        except OSError:
            break
    if leave:
        os.truncate(filler, os.path.getsize(filler) - leave)


def _start(instance, **config):
    return create_app(
        {"TESTING": True, "INSTANCE_PATH": str(instance), "SECRET_KEY": "t" * 40,
         "CONTACT_MIN_SECONDS": 0, "WTF_CSRF_ENABLED": False, **config}
    )  # fmt: skip


def _post_contact(client, marker="m"):
    return client.post("/contact", data=contact_form(html(client.get("/contact")), marker))


def _files(folder) -> dict:
    return {name: os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder)}


def test_a_read_only_instance_folder_serves_readers_and_refuses_writes(tmp_path, mounts, caplog):
    instance = tmp_path / "instance"
    prepare_instance(instance)
    db.close()
    read_only(mounts, instance)
    before = _files(instance)

    with caplog.at_level(logging.INFO):
        app = _start(instance)  # no lock file can be made, no bootstrap write done
        client = app.test_client()
        assert client.get("/").status_code == 200
        assert client.get("/blog/").status_code == 200
        refused = [_post_contact(client, f"m{n}") for n in range(3)]
    assert {r.status_code for r in refused} == {503}
    assert "what you sent was not saved" in html(refused[0])
    assert client.get("/healthz").get_json()["storage"] == "database is read-only"
    faults = [r.getMessage() for r in caplog.records if "answered 503" in r.getMessage()]
    assert len(faults) == 1 and faults[0].startswith("database is read-only: POST /contact")
    assert "started without the start-up writes" in caplog.text
    assert _files(instance) == before


def test_a_read_only_database_file_serves_readers(tmp_path, caplog):
    """chattr +i: the file cannot be written even by root, in a writable folder."""
    instance = tmp_path / "instance"
    prepare_instance(instance)
    db.close()
    database = instance / "cms.sqlite3"
    if subprocess.run(["chattr", "+i", str(database)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available on this file system")
    try:
        app = _start(instance)
        client = app.test_client()
        assert client.get("/").status_code == 200
        assert _post_contact(client).status_code == 503
        assert client.get("/healthz").get_json()["status"] == "degraded"
        db.close()
    finally:
        subprocess.run(["chattr", "-i", str(database)], check=True)
    assert "database is read-only: POST /contact answered 503" in caplog.text


def test_a_full_disk_at_start_serves_readers_then_recovers(tmp_path, mounts, caplog):
    instance = tmp_path / "instance"
    instance.mkdir()
    mounts("-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", target=instance)
    prepare_instance(instance)
    db.close()
    fill(instance)

    app = _start(instance)
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/blog/").status_code == 200
    assert _post_contact(client).status_code == 503
    assert _post_contact(client).status_code == 503
    assert client.get("/healthz").get_json()["storage"] == "disk is full"
    faults = [r.getMessage() for r in caplog.records if "answered 503" in r.getMessage()]
    assert len(faults) == 1 and faults[0].startswith("disk is full: POST /contact")
    assert "cannot rollback" not in caplog.text

    os.remove(instance / "filler")  # space is freed: the same worker writes again
    assert _post_contact(client, "after").status_code == 303
    assert client.get("/healthz").get_json()["status"] == "ok"
    assert "is writable again" in caplog.text


def test_a_full_disk_is_logged_as_full_not_as_a_failed_rollback(app, client, caplog):
    """SQLITE_FULL rolls back by itself; peewee's own rollback then fails and hid it."""
    app.config.update(CONTACT_MIN_SECONDS=0)
    with app.app_context():
        db.connect(reuse_if_open=True)
        db.execute_sql("VACUUM")  # no free pages left: the message must grow the file
        pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
        db.execute_sql(f"PRAGMA max_page_count = {pages}")
    for n in range(3):
        assert _post_contact(client, f"full{n}").status_code == 503
    faults = [r for r in caplog.records if "answered 503" in r.getMessage()]
    assert len(faults) == 1  # once per incident, not once per request
    assert faults[0].levelno == logging.ERROR
    assert faults[0].getMessage().startswith("disk is full: POST /contact answered 503")
    assert "database or disk is full" in faults[0].getMessage()
    assert "cannot rollback" not in faults[0].getMessage()

    with app.app_context():
        db.execute_sql("PRAGMA max_page_count = 1073741823")
    assert _post_contact(client, "saved").status_code == 303  # the incident is over
    with app.app_context():
        db.execute_sql(f"PRAGMA max_page_count = {pages}")
    caplog.clear()
    assert _post_contact(client, "again").status_code == 503
    assert "disk is full: POST /contact" in caplog.text  # a new incident is logged


@pytest.mark.parametrize("leave", ["nothing", "room for the snapshot only"])
def test_backup_on_a_full_disk_says_so_and_leaves_nothing(app, tmp_path, mounts, leave):
    folder = tmp_path / "backups"
    folder.mkdir()
    mounts("-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", target=folder)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["cms", "backup", str(folder)]).exit_code == 0
    size = os.path.getsize(app.config["DATABASE"])
    fill(folder, 0 if leave == "nothing" else size + 16 * 1024)
    before = sorted(os.listdir(folder))

    result = runner.invoke(args=["cms", "backup", str(folder), "--keep", "1"])
    assert result.exit_code == 1, result.output
    assert "disk is full" in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert sorted(os.listdir(folder)) == before  # no partial archive, the old one kept


# --- gunicorn ----------------------------------------------------------------------------


def _gunicorn(instance, log_path, port):
    env = dict(os.environ, CMS_INSTANCE_PATH=str(instance), CMS_SECRET_KEY="t" * 40,
               CMS_CONTACT_MIN_SECONDS="0")  # fmt: skip
    log = open(log_path, "w")  # noqa: SIM115  (closed by the caller through the process)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "app:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    return process, log


def _request(opener, url, data=None) -> tuple[int, str]:
    body = urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, body, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.slow
def test_gunicorn_on_a_read_only_instance_serves_readers_and_keeps_running(tmp_path, mounts):
    instance = tmp_path / "instance"
    prepare_instance(instance)
    db.close()
    read_only(mounts, instance)
    port, log_path = free_port(), tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    process, log = _gunicorn(instance, log_path, port)
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status, _ = _request(opener, url + "/robots.txt")
                break
            except OSError:
                time.sleep(0.2)
        assert process.poll() is None, log_path.read_text()
        assert _request(opener, url + "/")[0] == 200
        status, page = _request(opener, url + "/contact")
        assert status == 200
        status, body = _request(opener, url + "/contact", contact_form(page, "ro"))
        assert status == 503 and "not saved" in body
        assert process.poll() is None  # still serving
        assert _request(opener, url + "/blog/")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    text = log_path.read_text()
    assert re.search(r"database is read-only: POST /contact answered 503", text), text[-3000:]
    assert "Traceback" not in text, text[-3000:]


def test_a_filled_disk_really_refuses_writes(tmp_path, mounts):
    """Negative control for the fill helper: a filled tmpfs refuses the next write."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounts("-t", "tmpfs", "-o", "size=1m", "tmpfs", target=folder)
    fill(folder)
    with pytest.raises(OSError) as full, open(folder / "more", "wb") as fh:
        fh.write(b"x" * 8192)
        fh.flush()
    assert full.value.errno == errno.ENOSPC
    assert shutil.disk_usage(folder).free < 4096
