"""Two-step secrets at rest: sealed in the database and backups, never in the session cookie."""

import json
import re
import sqlite3
import subprocess
import sys
import tarfile
from datetime import UTC, timedelta

import pyotp

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.accounts.two_step import SEALED, SETUP_MINUTES, PendingSecret, RecoveryCode, reseal_secrets
from cms.core import clock
from cms.core.db import configure, db, migrate

PASSWORD = "correct horse battery"
BASE32_SECRET = re.compile(rb"[A-Z2-7]{32}")
LEGACY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # a plain secret as stored before sealing


def _sign_in(client, email="admin@example.org"):
    return client.post("/admin/login", data={"email": email, "password": PASSWORD})


def _setup_page_secret(client) -> str:
    page = client.get("/admin/account/two-step").get_data(as_text=True)
    return re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)[1]


def _enable(client, password=PASSWORD):
    secret = _setup_page_secret(client)
    done = client.post(
        "/admin/account/two-step",
        data={"code": pyotp.TOTP(secret).now(), "current_password": password},
    )
    return secret, done


def _code(secret: str, steps_ahead: int = 1) -> str:
    moment = clock.utcnow().replace(tzinfo=UTC) + timedelta(seconds=30 * steps_ahead)
    return pyotp.TOTP(secret).at(moment)


def _stored(app, email="admin@example.org") -> str:
    with app.app_context():
        return User.get(User.email == email).totp_secret


def _session(app, client) -> dict:
    cookie = client.get_cookie("session")
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_the_secret_column_holds_no_secret(app, client, users):
    _sign_in(client)
    secret, done = _enable(client)
    assert done.status_code == 200 and b"recovery-codes" in done.data
    stored = _stored(app)
    assert stored.startswith(SEALED) and secret not in stored
    assert not BASE32_SECRET.search(stored.encode())
    client.post("/admin/logout")
    _sign_in(client)
    assert client.post("/admin/login/two-step", data={"code": _code(secret)}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_backup_and_an_export_carry_no_secret(app, client, users, tmp_path, runner):
    from cms.ops.backup import create_backup

    _sign_in(client)
    secret, done = _enable(client)
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.get_data(True))
    assert len(codes) == 10
    archive = create_backup(app, str(tmp_path / "backups"))
    with tarfile.open(archive) as tar:
        raw = tar.extractfile("cms.sqlite3").read()
    assert secret.encode() not in raw
    assert not any(code.encode() in raw for code in codes)  # recovery codes: hashes only
    assert b"totp" not in raw.replace(b"totp_secret", b"").replace(b"totp_last_step", b"")
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(raw)
    conn = sqlite3.connect(copy)
    stored = [row[0] for row in conn.execute("SELECT totp_secret FROM user")]
    conn.close()
    assert any(value.startswith(SEALED) for value in stored)
    assert not any(BASE32_SECRET.search(value.encode()) for value in stored)

    assert runner.invoke(args=["cms", "export", str(tmp_path / "export")]).exit_code == 0
    exported = (tmp_path / "export" / "content.json").read_text()
    assert secret not in exported and "totp" not in exported and SEALED not in exported


def test_a_plain_secret_from_before_still_works_and_gets_sealed(app, client, users):
    with app.app_context():
        User.update(totp_secret=LEGACY).where(User.email == "admin@example.org").execute()
    assert _sign_in(client).headers["Location"] == "/admin/login/two-step"
    assert client.post("/admin/login/two-step", data={"code": _code(LEGACY)}).status_code == 302
    stored = _stored(app)
    assert stored.startswith(SEALED) and LEGACY not in stored
    client.post("/admin/logout")
    clock.advance(timedelta(seconds=60))  # the next code, after the one just used
    _sign_in(client)
    assert client.post("/admin/login/two-step", data={"code": _code(LEGACY)}).status_code == 302


def test_upgrading_a_site_seals_its_plain_secrets_at_start(tmp_path):
    path = str(tmp_path / "cms.sqlite3")
    configure(path)
    db.connect()
    migrate("0008_search_rowids")  # a site from before migration 0009
    db.execute_sql(
        "INSERT INTO user (email, name, password_hash, role, active, created_at, session_token,"
        " totp_secret, totp_last_step, must_change_password) VALUES ('old@example.org', 'Old',"
        " '', 'admin', 1, '2024-01-01 00:00:00', 'x', ?, 0, 0)",
        (LEGACY,),
    )
    db.close()
    config = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "up", "WTF_CSRF_ENABLED": False}
    app = create_app({**config, "TESTING": True})
    from cms.accounts.users import set_password

    with app.app_context():
        db.connect(reuse_if_open=True)
        user = User.get(User.email == "old@example.org")
        assert user.totp_secret.startswith(SEALED) and LEGACY not in user.totp_secret
        set_password(user, PASSWORD, actor=SYSTEM)
    db.close()
    client = app.test_client()
    assert _sign_in(client, "old@example.org").headers["Location"] == "/admin/login/two-step"
    assert client.post("/admin/login/two-step", data={"code": _code(LEGACY)}).status_code == 302
    files = [tmp_path / "cms.sqlite3", tmp_path / "cms.sqlite3-wal"]
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    assert LEGACY.encode() not in raw  # secure_delete: the plain text is gone from the file too


def test_the_session_cookie_never_carries_the_pending_secret(app, client, users):
    _sign_in(client)
    secret = _setup_page_secret(client)
    assert secret not in json.dumps(_session(app, client))
    wrong = client.post(
        "/admin/account/two-step", data={"code": "000000", "current_password": PASSWORD}
    )
    assert b"This code is not correct" in wrong.data
    assert secret not in json.dumps(_session(app, client))
    assert _setup_page_secret(client) == secret  # the same secret, kept server-side
    with app.app_context():
        pending = PendingSecret.get()
        assert pending.sealed.startswith(SEALED) and secret not in pending.sealed
    clock.advance(timedelta(minutes=SETUP_MINUTES + 1))
    assert _setup_page_secret(client) != secret  # an abandoned setup expires
    clock.reset()
    _secret, done = _enable(client)
    assert done.status_code == 200
    with app.app_context():
        assert PendingSecret.select().count() == 0


def test_two_step_changes_need_the_right_password(app, client, users):
    _sign_in(client)
    for password in ("wrong password!!", ""):
        _secret, refused = _enable(client, password)
        assert b"recovery-codes" not in refused.data
        assert _stored(app) == ""
    secret, done = _enable(client)
    assert b"recovery-codes" in done.data
    with app.app_context():
        hashes = sorted(code.code_hash for code in RecoveryCode.select())

    client.post("/admin/account/two-step/codes", data={"codes-current_password": "wrong!!wrong"})
    client.post("/admin/account/two-step/off", data={"off-current_password": "wrong!!wrong"})
    with app.app_context():
        assert sorted(code.code_hash for code in RecoveryCode.select()) == hashes
    assert _stored(app).startswith(SEALED)

    new = client.post("/admin/account/two-step/codes", data={"codes-current_password": PASSWORD})
    assert new.status_code == 200 and b"recovery-codes" in new.data
    client.post("/admin/account/two-step/off", data={"off-current_password": PASSWORD})
    assert _stored(app) == ""


def test_a_new_secret_key_with_the_old_one_as_fallback_reseals(app, client, users):
    _sign_in(client)
    secret, done = _enable(client)
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.get_data(True))
    old = _stored(app)
    db.close()
    moving = {"INSTANCE_PATH": app.instance_path, "TESTING": True, "WTF_CSRF_ENABLED": False}
    create_app({**moving, "SECRET_KEY": "new key", "SECRET_KEY_FALLBACKS": ["test"]})
    db.close()
    rotated = create_app({**moving, "SECRET_KEY": "new key"})
    assert _stored(rotated) != old
    owner = rotated.test_client()
    _sign_in(owner)
    assert owner.post("/admin/login/two-step", data={"code": _code(secret)}).status_code == 302
    db.close()

    lost = create_app({**moving, "SECRET_KEY": "another key"})  # changed without a fallback
    clock.advance(timedelta(seconds=60))  # a code that would be valid now
    owner = lost.test_client()
    _sign_in(owner)
    assert owner.post("/admin/login/two-step", data={"code": _code(secret)}).status_code == 200
    assert owner.post("/admin/login/two-step", data={"code": codes[0]}).status_code == 302
    assert b"can no longer be checked" in owner.get("/admin/account").data
    with lost.app_context():
        assert reseal_secrets() == 0  # nothing it can open is left to seal
    db.close()


def test_readers_never_load_cryptography(app, client, users):
    _sign_in(client)
    _enable(client)
    db.close()
    script = (
        "import sys\n"
        "from cms import create_app\n"
        f"app = create_app({{'INSTANCE_PATH': {app.instance_path!r}, 'SECRET_KEY': 'test'}})\n"
        "for path in ('/', '/blog/', '/contact'):\n"
        "    assert app.test_client().get(path).status_code == 200, path\n"
        "print('cryptography' in sys.modules)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert run.stdout.strip() == "False", run.stderr
