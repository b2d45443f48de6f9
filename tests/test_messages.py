"""Message storage: encryption at rest, the key file, retention, rate limits, notification."""

import base64
import gzip
import logging
import os
import socket
import sqlite3
import stat
import tarfile
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from cms import create_app
from cms.config import DEFAULTS
from cms.core import clock, ratelimit
from cms.core.db import db
from cms.core.ratelimit import RateHit
from cms.messages import mailer
from cms.messages.keys import key_path, seal, unseal
from cms.messages.models import Housekeeping, Message
from cms.messages.retention import purge_expired
from cms.messages.service import store_message
from cms.ops.backup import DB_MEMBER, create_backup
from tests.helpers.contact import GOOD, opened_token, raw_bytes, send, stored

MARKER = "Zq7MarkerPlaintext"


def checkpoint(app) -> None:
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def personal(marker: str) -> dict:
    return {
        "name": f"{marker} Name",
        "email": f"{marker.lower()}@example.org",
        "phone": "+1 416 555 0142",
        "message": f"{marker} the message text",
    }


def test_key_is_created_on_first_use_with_owner_only_permissions(ctx):
    path = key_path()
    assert not os.path.exists(path)
    token = seal({"message": "hello"})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert unseal(token) == {"message": "hello"}
    assert path == os.path.join(ctx.instance_path, "message_key")


def test_database_file_holds_no_plaintext(app, client):
    details = personal(MARKER)
    assert send(client, **details).status_code == 303
    assert stored(app)[0]["message"] == details["message"]
    before_checkpoint = raw_bytes(app)
    checkpoint(app)
    after_checkpoint = raw_bytes(app)
    assert b"message" in after_checkpoint  # the table is there, so we did read the file
    for data in (before_checkpoint, after_checkpoint):
        assert MARKER.encode() not in data
        assert MARKER.lower().encode() not in data
        assert b"416 555 0142" not in data


def archive_database(archive: str) -> bytes:
    """The database member of a backup archive, as raw bytes."""
    with tarfile.open(archive, "r:gz") as tar:
        return tar.extractfile(DB_MEMBER).read()


@pytest.mark.parametrize("passphrase", [None, "a long backup passphrase"])
def test_backup_archive_holds_no_plaintext_and_no_clear_key(app, client, tmp_path, passphrase):
    assert send(client, **personal(MARKER)).status_code == 303
    with app.app_context():
        db.connect(reuse_if_open=True)
        sealed = Message.get().sealed
    archive = create_backup(app, str(tmp_path / "backups"), passphrase=passphrase)
    database, compressed = archive_database(archive), Path(archive).read_bytes()
    whole = gzip.decompress(compressed)  # the tar stream: every member, unpacked
    assert sealed.encode() in database  # the message is in the snapshot, sealed
    for data in (database, whole):
        assert MARKER.encode() not in data
        assert MARKER.lower().encode() not in data
        assert b"416 555 0142" not in data
    key = (Path(app.instance_path) / "message_key").read_bytes().strip()
    for data in (whole, compressed):
        assert key not in data and base64.urlsafe_b64decode(key) not in data


def test_a_message_under_another_key_reads_as_undecryptable(ctx):
    message = store_message({"name": "A", "email": "a@example.org", "message": "B"})
    os.remove(key_path())
    from cms.messages import keys as messages

    messages._keys.clear()
    assert Message.get_by_id(message.id).contents is None  # a new key cannot open it
    assert unseal(seal({"x": 1})) == {"x": 1}  # and new messages work with the new key


def test_retention_purge_with_a_controlled_clock(app, client):
    assert send(client, **personal("OldMarker")).status_code == 303
    with app.app_context():
        db.connect(reuse_if_open=True)
        sealed = Message.get().sealed
    clock.advance(timedelta(days=45))
    assert send(client, **personal("NewMarker")).status_code == 303
    clock.advance(timedelta(days=45, seconds=1))  # the first is now 90 days old
    client.get("/")  # any request runs the hourly purge; no cron involved
    names = [m["name"] for m in stored(app)]
    assert names == ["NewMarker Name"]
    data = raw_bytes(app)
    assert sealed.encode() not in data
    assert b"OldMarker" not in data


def test_purge_runs_at_most_once_an_hour(app, client):
    client.get("/")
    with app.app_context():
        db.connect(reuse_if_open=True)
        first = Housekeeping.get().ran_at
        clock.advance(timedelta(minutes=30))
        client.get("/")
        assert Housekeeping.get().ran_at == first
        clock.advance(timedelta(minutes=31))
        client.get("/")
        assert Housekeeping.get().ran_at > first


def test_purge_command(app, runner):
    with app.app_context():
        db.connect(reuse_if_open=True)
        store_message(GOOD)
        clock.advance(timedelta(days=30))
        store_message(GOOD)
    app.config["MESSAGE_RETENTION_DAYS"] = 7
    result = runner.invoke(args=["cms", "purge"])
    assert result.exit_code == 0
    assert "Deleted 1 message(s) older than 7 days." in result.output
    assert len(stored(app)) == 1


def test_purge_keeps_what_is_not_yet_due(ctx):
    store_message(GOOD)
    clock.advance(timedelta(days=89, hours=23))
    assert purge_expired() == 0
    clock.advance(timedelta(hours=1))
    assert purge_expired() == 1


def test_rate_limiter_counts_per_address_and_keeps_no_address(ctx):
    for _ in range(3):
        assert ratelimit.hit("test", "192.0.2.7", 3, 60).allowed
    refused = ratelimit.hit("test", "192.0.2.7", 3, 60)
    assert not refused.allowed and 1 <= refused.retry_after <= 61
    assert ratelimit.hit("test", "192.0.2.8", 3, 60).allowed
    assert ratelimit.hit("other", "192.0.2.7", 3, 60).allowed  # buckets are separate
    keys = [row.key for row in RateHit.select()]
    assert all("192.0.2" not in key for key in keys)
    clock.advance(timedelta(seconds=61))
    assert ratelimit.hit("test", "192.0.2.7", 3, 60).allowed
    assert RateHit.select().where(RateHit.bucket == "test").count() == 1  # old rows pruned


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        self.arrived.set()
        return "250 OK"


def free_port() -> int:
    """A local port nothing listens on (yet)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_notification_says_only_that_a_message_waits(app, client, smtp_server):
    controller, handler = smtp_server
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        SMTP_STARTTLS=False,
        NOTIFY_EMAIL="therapist@example.org",
    )
    details = personal("MailMarker")
    assert send(client, **details).status_code == 303
    assert handler.arrived.wait(10)
    [envelope] = handler.messages
    assert envelope.rcpt_tos == ["therapist@example.org"]
    mail = envelope.content.decode()
    assert "http://localhost/admin/inbox" in mail
    for value in details.values():
        assert value not in mail
    assert "MailMarker" not in mail and "mailmarker" not in mail


def send_with_host(client, host: str):
    """Send the form with a forged Host header, as anyone on the internet can."""
    data = {**GOOD, "opened": opened_token(client)}
    clock.advance(timedelta(seconds=10))
    return client.post("/contact", data=data, headers={"Host": host})


@pytest.mark.parametrize("site_url", ["https://practice.example", ""])
def test_notification_link_never_comes_from_the_host_header(app, client, smtp_server, site_url):
    controller, handler = smtp_server
    app.config.update(
        SITE_URL=site_url,
        TRUSTED_HOSTS=None,  # any Host reaches the form: the link must still not follow it
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        SMTP_STARTTLS=False,
        NOTIFY_EMAIL="therapist@example.org",
    )
    assert send_with_host(client, "evil.example").status_code == 303
    assert handler.arrived.wait(10)
    mail = handler.messages[0].content.decode()
    assert "evil.example" not in mail
    if site_url:
        assert "https://practice.example/admin/inbox" in mail
    else:
        assert mailer.WITHOUT_LINK in mail and "://" not in mail


def test_a_missing_site_url_is_warned_about_at_start(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test",
              "SMTP_HOST": "127.0.0.1", "NOTIFY_EMAIL": "therapist@example.org"}  # fmt: skip
    create_app({**config, "SITE_URL": "https://practice.example"})
    db.close()
    assert mailer.NO_SITE_URL not in caplog.text
    create_app(config)
    db.close()
    assert caplog.text.count(mailer.NO_SITE_URL) == 1
    assert "therapist@example.org" not in caplog.text


def test_a_failing_mail_server_loses_nothing_and_shows_no_error(app, client, caplog):
    port = free_port()
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_STARTTLS=False,
        NOTIFY_EMAIL="therapist@example.org",
        SMTP_TIMEOUT=2,
    )
    response = send(client)
    assert response.status_code == 303
    assert len(stored(app)) == 1
    assert (
        mailer.send(
            {
                **{name: DEFAULTS[name] for name in mailer.MAIL_SETTINGS},
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": port,
                "SMTP_STARTTLS": False,
                "NOTIFY_EMAIL": "therapist@example.org",
            },
            "http://localhost/admin/inbox",
        )
        is False
    )
    assert "notification e-mail not sent: ConnectionRefusedError" in caplog.text
    assert "therapist@example.org" not in caplog.text
