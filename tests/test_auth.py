"""Signing in: throttling, sessions that end, two-step sign-in, the setup link, cookies."""

import logging
import re
from datetime import timedelta

import pytest

from cms.accounts.models import User
from cms.accounts.signin import SIGN_IN_FAILED
from cms.audit import Activity
from cms.core import clock
from cms.core.db import db
from tests.helpers.accounts import PASSWORD, sign_in
from tests.helpers.accounts import enable_two_step as _enable_two_step
from tests.helpers.accounts import totp_code as _code

ONE = {"REMOTE_ADDR": "198.51.100.7"}
OTHER = {"REMOTE_ADDR": "203.0.113.9"}


def actions(app) -> list[str]:
    with app.app_context():
        return [entry.action for entry in Activity.recent()]


# Throttling


def test_account_is_throttled_from_the_failing_address(app, client, users):
    for _ in range(app.config["LOGIN_THROTTLE_ACCOUNT"]):
        assert sign_in(client, password="wrong password!!", environ=ONE).status_code == 200
    blocked = sign_in(client, environ=ONE)  # even the right password waits now, from here
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many unsuccessful sign-in attempts" in blocked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_a_stranger_cannot_lock_the_owner_out_from_another_address(app, client, users):
    for _ in range(app.config["LOGIN_THROTTLE_ACCOUNT"]):
        sign_in(client, password="wrong password!!", environ=ONE)
    assert sign_in(client, environ=ONE).status_code == 429
    owner = app.test_client()
    assert sign_in(owner, environ=OTHER).headers["Location"] == "/admin/"
    assert sign_in(client, environ=ONE).status_code == 429  # the owner's sign-in frees no one


def test_the_account_wide_ceiling_stops_guessing_from_many_addresses(app, client, users):
    app.config["LOGIN_THROTTLE_ACCOUNT_GLOBAL"] = 6  # keeps the test quick; the rule is the same
    for n in range(3):
        for _ in range(2):
            address = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}
            assert sign_in(client, password="wrong password!!", environ=address).status_code == 200
    blocked = sign_in(app.test_client(), environ=OTHER)  # a fresh address, the right password
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert sign_in(app.test_client(), email="editor@example.org", environ=OTHER).status_code == 302
    clock.advance(timedelta(seconds=app.config["LOGIN_THROTTLE_WINDOW"] + 1))
    assert sign_in(app.test_client(), environ=OTHER).status_code == 302


def test_signing_in_forgets_the_failures_from_that_address(app, client, users):
    limit = app.config["LOGIN_THROTTLE_ACCOUNT"]
    for _ in range(limit - 1):
        sign_in(client, password="wrong password!!", environ=ONE)
    assert sign_in(client, environ=ONE).status_code == 302
    client.post("/admin/logout")
    for _ in range(limit - 1):
        sign_in(client, password="wrong password!!", environ=ONE)
    assert sign_in(client, environ=ONE).status_code == 302


def test_the_account_wide_ceiling_defaults_to_ten_times_the_pair_limit(app, client, users):
    from cms.accounts.throttle import ACCOUNT, PAIR

    with app.test_request_context():
        limits = {"account": ACCOUNT.count(), "pair": PAIR.count()}
    assert limits["account"] == 10 * app.config["LOGIN_THROTTLE_ACCOUNT"] == 10 * limits["pair"]


def test_throttle_ends_after_the_window(app, client, users):
    for _ in range(app.config["LOGIN_THROTTLE_ACCOUNT"]):
        sign_in(client, password="wrong password!!")
    assert sign_in(client).status_code == 429
    clock.advance(timedelta(seconds=app.config["LOGIN_THROTTLE_WINDOW"] + 1))
    assert sign_in(client).status_code == 302


def test_address_is_throttled_but_other_addresses_are_not(app, client, users):
    app.config["LOGIN_THROTTLE_ADDRESS"] = 4  # keeps the test quick; the rule is the same
    for n in range(4):
        sign_in(client, email=f"nobody{n}@example.org", password="wrong password!!", environ=ONE)
    assert sign_in(client, environ=ONE).status_code == 429
    other = app.test_client()
    assert sign_in(other, environ=OTHER).status_code == 302


def test_unknown_account_and_wrong_password_look_the_same(app, client, users):
    unknown = sign_in(client, email="nobody@example.org")
    wrong = sign_in(client, password="not the password")
    assert unknown.status_code == wrong.status_code == 200
    assert SIGN_IN_FAILED in unknown.get_data(as_text=True)
    assert SIGN_IN_FAILED in wrong.get_data(as_text=True)
    with app.app_context():
        db.execute_sql("UPDATE user SET active = 0 WHERE email = 'editor@example.org'")
    disabled = sign_in(client, email="editor@example.org")
    assert SIGN_IN_FAILED in disabled.get_data(as_text=True)


def test_failed_sign_ins_are_logged_without_the_password(app, client, users):
    sign_in(client, password="hunter2hunter2")
    sign_in(client, email="nobody@example.org", password="hunter3hunter3")
    with app.app_context():
        entries = list(Activity.recent().where(Activity.action == "login.failed"))
        assert len(entries) == 2
        text = " ".join(f"{e.actor} {e.target}" for e in entries)
    assert "hunter" not in text
    assert "unknown e-mail" in text and "admin@example.org" in text


# Sessions


def _copy_session(source, target):
    cookie = source.get_cookie("session")
    target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def test_sign_in_renews_the_session(app, client, users):
    client.get("/admin/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by someone else"
    sign_in(client)
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_sign_out_ends_copied_sessions(app, client, users):
    sign_in(client)
    thief = app.test_client()
    _copy_session(client, thief)
    assert thief.get("/admin/").status_code == 200  # the copy works while signed in
    client.post("/admin/logout")
    assert thief.get("/admin/").status_code == 302
    assert client.get("/admin/").status_code == 302
    assert actions(app)[:2] == ["logout", "login"]


def test_password_change_ends_other_sessions_but_not_this_one(app, client, users):
    sign_in(client)
    other_device = app.test_client()
    _copy_session(client, other_device)
    response = client.post(
        "/admin/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert other_device.get("/admin/").status_code == 302
    client.post("/admin/logout")
    assert sign_in(client, password=PASSWORD).status_code == 200
    assert sign_in(client, password="a brand new passphrase").status_code == 302
    assert "user.password" in actions(app)


def test_password_change_needs_the_current_password(app, client, users):
    sign_in(client)
    response = client.post(
        "/admin/account/password",
        data={"current_password": "not it at all", "new_password": "x" * 3, "confirm": "x" * 3},
    )
    assert response.status_code == 400
    assert "This is not your current password." in response.get_data(as_text=True)
    weak = client.post(
        "/admin/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "password1234",
            "confirm": "password1234",
        },
    )
    assert "too common" in weak.get_data(as_text=True)
    client.post("/admin/logout")
    assert sign_in(client).status_code == 302


def test_idle_session_ends(app, client, users):
    sign_in(client)
    clock.advance(timedelta(seconds=app.config["IDLE_TIMEOUT"] - 60))
    assert client.get("/admin/").status_code == 200  # activity keeps it alive
    clock.advance(timedelta(seconds=app.config["IDLE_TIMEOUT"] - 60))
    assert client.get("/admin/").status_code == 200
    clock.advance(timedelta(seconds=app.config["IDLE_TIMEOUT"] + 1))
    response = client.get("/admin/account")
    assert response.status_code == 302
    assert "next=/admin/account" in response.headers["Location"]
    assert b"not used for a while" in client.get(response.headers["Location"]).data


def test_remember_cookie_obeys_the_session_token(app, client, users):
    response = sign_in(client, remember="y")
    cookie = re.search(r"remember_token=([^;]+)", " ".join(response.headers.getlist("Set-Cookie")))
    assert cookie, response.headers.getlist("Set-Cookie")
    returning = app.test_client()  # the browser was closed: only the remember cookie is left
    returning.set_cookie("remember_token", cookie[1])
    assert returning.get("/admin/").status_code == 200
    client.post("/admin/logout")
    stolen = app.test_client()
    stolen.set_cookie("remember_token", cookie[1])
    assert stolen.get("/admin/").status_code == 302


def test_session_cookie_flags(app, client, users):
    response = sign_in(client)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = app.test_client()
    over_https = secure.post(
        "/admin/login",
        data={"email": "admin@example.org", "password": PASSWORD, "remember": "y"},
        base_url="https://localhost",
    )
    cookies = over_https.headers.getlist("Set-Cookie")
    assert all("; Secure" in c for c in cookies), cookies
    assert any(c.startswith("remember_token=") for c in cookies)


def test_disabled_account_is_signed_out_at_once(app, client, users):
    sign_in(client, email="editor@example.org")
    with app.app_context():
        db.execute_sql("UPDATE user SET active = 0 WHERE email = 'editor@example.org'")
    assert client.get("/admin/").status_code == 302


# Two-step sign-in


def test_two_step_sign_in(app, client, users):
    sign_in(client)
    secret, _ = _enable_two_step(client)
    client.post("/admin/logout")

    first = sign_in(client)
    assert first.headers["Location"] == "/admin/login/two-step"
    assert client.get("/admin/").status_code == 302  # the password alone is not enough
    wrong = client.post("/admin/login/two-step", data={"code": "000000"})
    assert "This code is not correct" in wrong.get_data(as_text=True)
    ok = client.post("/admin/login/two-step", data={"code": _code(secret, 1)})
    assert ok.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert "login.two_step_failed" in actions(app)


def test_two_step_code_cannot_be_replayed(app, client, users):
    sign_in(client)
    secret, _ = _enable_two_step(client)
    client.post("/admin/logout")
    code = _code(secret, 1)
    sign_in(client)
    assert client.post("/admin/login/two-step", data={"code": code}).status_code == 302
    client.post("/admin/logout")
    sign_in(client)
    again = client.post("/admin/login/two-step", data={"code": code})
    assert again.status_code == 200 and client.get("/admin/").status_code == 302


def test_recovery_code_works_once(app, client, users):
    sign_in(client)
    _, codes = _enable_two_step(client)
    client.post("/admin/logout")
    sign_in(client)
    assert client.post("/admin/login/two-step", data={"code": codes[0].upper()}).status_code == 302
    client.post("/admin/logout")
    sign_in(client)
    assert client.post("/admin/login/two-step", data={"code": codes[0]}).status_code == 200
    assert b"8 unused recovery codes left" in _signed_in_page(client, codes[1], "/admin/account")


def _signed_in_page(client, code, path):
    client.post("/admin/login/two-step", data={"code": code})
    return client.get(path).data


def test_two_step_pending_state_expires(app, client, users):
    sign_in(client)
    secret, _ = _enable_two_step(client)
    client.post("/admin/logout")
    sign_in(client)
    clock.advance(timedelta(minutes=6))
    late = client.post("/admin/login/two-step", data={"code": _code(secret)})
    assert late.headers["Location"] == "/admin/login"
    assert client.get("/admin/").status_code == 302


def test_two_step_codes_are_throttled_too(app, client, users):
    sign_in(client)
    _enable_two_step(client)
    client.post("/admin/logout")
    sign_in(client)
    for _ in range(app.config["LOGIN_THROTTLE_ACCOUNT"]):
        client.post("/admin/login/two-step", data={"code": "123456"}, environ_base=ONE)
    blocked = client.post("/admin/login/two-step", data={"code": "123456"}, environ_base=ONE)
    assert blocked.status_code == 429


def test_two_step_can_be_switched_off_with_the_password(app, client, users):
    sign_in(client)
    _enable_two_step(client)
    refused = client.post("/admin/account/two-step/off", data={"off-current_password": "nope nope"})
    assert refused.status_code == 302
    with app.app_context():
        assert User.get(User.email == "admin@example.org").totp_secret
    client.post("/admin/account/two-step/off", data={"off-current_password": PASSWORD})
    with app.app_context():
        assert User.get(User.email == "admin@example.org").totp_secret == ""
    client.post("/admin/logout")
    assert sign_in(client).headers["Location"] == "/admin/"


# First start


def _setup_token(caplog) -> str:
    text = " ".join(r.getMessage() for r in caplog.get_records("setup") + caplog.records)
    links = re.findall(r"/admin/setup/([\w-]+)", text)
    assert links, text
    return links[-1]


@pytest.fixture
def fresh_app(tmp_path, caplog):
    from cms import create_app

    caplog.set_level(logging.WARNING)
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "t",
            "DEMO_CONTENT": False,
            "WTF_CSRF_ENABLED": False,
            "SITE_URL": "https://therapist.example",
        }
    )
    yield app
    db.close()


def test_setup_link_creates_the_first_admin_once(fresh_app, caplog):
    token = _setup_token(caplog)
    assert "https://therapist.example/admin/setup/" in caplog.get_records("setup")[-1].getMessage()
    client = fresh_app.test_client()
    wrong = token[:-1] + ("B" if token.endswith("A") else "A")
    assert client.get("/admin/setup/" + wrong).status_code == 404
    assert client.get("/admin/setup/" + token).status_code == 200
    bad = client.post(
        "/admin/setup/" + token,
        data={"name": "Sam", "email": "sam@example.org", "password": "short", "confirm": "short"},
    )
    assert "at least 12 characters" in bad.get_data(as_text=True)
    data = {"name": "Sam", "email": "sam@example.org", "password": PASSWORD, "confirm": PASSWORD}
    done = client.post("/admin/setup/" + token, data=data)
    assert done.headers["Location"] == "/admin/"
    assert client.get("/admin/users").status_code == 200  # signed in, as an administrator
    assert fresh_app.test_client().get("/admin/setup/" + token).status_code == 404
    with fresh_app.app_context():
        assert [u.email for u in User.select()] == ["sam@example.org"]
        assert Activity.select().where(Activity.action == "user.create").count() == 1


def test_setup_link_expires_and_is_never_stored_in_the_clear(fresh_app, caplog):
    token = _setup_token(caplog)
    with fresh_app.app_context():
        stored = [r[0] for r in db.execute_sql("SELECT token_hash FROM one_time_link")]
    assert token not in stored and len(stored) == 1
    clock.advance(timedelta(hours=fresh_app.config["SETUP_LINK_HOURS"], seconds=1))
    assert fresh_app.test_client().get("/admin/setup/" + token).status_code == 404


def test_setup_page_is_gone_once_an_account_exists(fresh_app, caplog, tmp_path):
    token = _setup_token(caplog)
    runner = fresh_app.test_cli_runner()
    created = runner.invoke(args=["cms", "create-user", "sam@example.org"], input=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    assert fresh_app.test_client().get("/admin/setup/" + token).status_code == 404
    client = fresh_app.test_client()
    assert sign_in(client, email="sam@example.org").headers["Location"] == "/admin/"


def test_no_setup_link_when_accounts_exist(tmp_path, caplog, users, app):
    from cms import create_app

    caplog.clear()
    caplog.set_level(logging.WARNING)
    create_app({"TESTING": True, "INSTANCE_PATH": app.instance_path, "SECRET_KEY": "test"})
    assert "/admin/setup/" not in caplog.text
