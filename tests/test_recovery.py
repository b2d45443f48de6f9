"""A solo administrator locked out: a reset link by e-mail or from the command line, the
warning before the sign-in pause, and the pause page itself."""

import re
from datetime import timedelta

import pytest

from cms.audit import Activity
from cms.core import clock
from tests.helpers.accounts import PASSWORD, enable_two_step, sign_in

NEW_PASSWORD = "a quiet harbour at dawn"
MAIL = {"SMTP_HOST": "127.0.0.1", "SITE_URL": "https://practice.example"}


@pytest.fixture
def outbox(app, monkeypatch):
    """Reset e-mails, captured instead of sent."""
    sent = []
    monkeypatch.setattr("cms.accounts.recovery.deliver_later", lambda mail, kind: sent.append(mail))
    app.config.update(MAIL)
    return sent


def _ask(client, email):
    return client.post("/admin/login/reset", data={"email": email})


def _link(mail) -> str:
    found = re.search(r"https://practice\.example(/admin/set-password/\S+)", mail.get_content())
    assert found, mail.get_content()
    return found[1]


def test_known_and_unknown_addresses_get_the_same_answer(client, users, outbox):
    known = _ask(client, "admin@example.org")
    unknown = _ask(client, "nobody@example.org")
    typed_differently = _ask(client, "ADMIN@example.org ")  # typed differently: the same account
    assert known.status_code == unknown.status_code == 200
    body = known.get_data(as_text=True)
    assert "If an account uses admin@example.org" in body
    other = unknown.get_data(as_text=True).replace("nobody@example.org", "admin@example.org")
    assert re.sub(r'name="csrf_token"[^>]*', "", body) == re.sub(
        r'name="csrf_token"[^>]*', "", other
    )
    assert typed_differently.status_code == 200
    assert [m["To"] for m in outbox] == ["admin@example.org", "admin@example.org"]


def test_a_reset_link_works_once_and_leaves_the_password_until_used(client, users, outbox):
    _ask(client, "admin@example.org")
    link = _link(outbox[0])
    assert sign_in(client).status_code == 302  # asking changed nothing
    client.post("/admin/logout")
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert client.get(link).status_code == 404  # used up
    assert sign_in(client, password=PASSWORD).status_code == 200  # the old one is gone
    assert sign_in(client, password=NEW_PASSWORD).status_code == 302


def test_a_reset_link_expires_and_a_newer_one_replaces_it(client, users, outbox, app):
    _ask(client, "admin@example.org")
    _ask(client, "admin@example.org")
    first, second = _link(outbox[0]), _link(outbox[1])
    assert client.get(first).status_code == 404
    clock.advance(timedelta(minutes=app.config["RESET_LINK_MINUTES"] + 1))
    assert client.get(second).status_code == 404


def test_reset_requests_are_limited_per_account_and_per_address(client, users, outbox, app):
    limit = app.config["RESET_REQUESTS"]
    for n in range(limit + 1):
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        answer = _ask(client, "admin@example.org")
        assert answer.status_code == 200 and b"on its way" in answer.data
    assert len(outbox) == limit  # the extra request looks the same and sends nothing
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for n in range(limit):
        _ask(client, f"someone{n}@example.org")
    paused = _ask(client, "admin@example.org")
    assert paused.status_code == 429 and "Retry-After" in paused.headers
    assert "Too many reset requests from here" in paused.get_data(as_text=True)


def test_without_mail_the_sign_in_page_names_the_command(client, users, app):
    app.config.update(SMTP_HOST="")
    page = client.get("/admin/login").get_data(as_text=True)
    assert "cms reset-password" in page and "Get a link by e-mail" not in page
    app.config.update(MAIL)
    page = client.get("/admin/login").get_data(as_text=True)
    assert "cms reset-password" in page and "Get a link by e-mail" in page


def test_mail_needs_the_site_address_never_the_host_header(client, users, outbox, app):
    app.config.update(SITE_URL="")
    _ask(client, "admin@example.org")
    assert outbox == []


def test_the_command_prints_a_one_time_link(runner, client, users, app):
    app.config.update(SITE_URL="https://practice.example")
    result = runner.invoke(args=["cms", "reset-password", "Admin@Example.org"])
    assert result.exit_code == 0, result.output
    link = re.search(r"https://practice\.example(/admin/set-password/\S+)", result.output)[1]
    assert "30 minutes" in result.output
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get(link).status_code == 404
    unknown = runner.invoke(args=["cms", "reset-password", "nobody@example.org"])
    assert unknown.exit_code == 1 and "No active account" in unknown.output


def test_the_command_can_switch_two_step_off_for_a_lost_phone(runner, client, users, app):
    assert sign_in(client).status_code == 302
    enable_two_step(client)
    client.post("/admin/logout")
    kept = runner.invoke(args=["cms", "reset-password", "admin@example.org"])
    assert kept.exit_code == 0 and "Two-step sign-in is off" not in kept.output
    assert "/admin/login/two-step" in sign_in(client).headers["Location"]  # still asked
    result = runner.invoke(args=["cms", "reset-password", "admin@example.org", "--two-step-off"])
    assert result.exit_code == 0 and "Two-step sign-in is off" in result.output, result.output
    link = re.search(r"(/admin/set-password/\S+)", result.output)[1]
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    signed_in = sign_in(client, password=NEW_PASSWORD)
    assert signed_in.headers["Location"].endswith("/admin/"), signed_in.headers["Location"]
    with app.app_context():
        assert Activity.recent().where(Activity.action == "two_step.disable").count() == 1


def test_the_last_attempts_are_counted_down_then_the_pause_page(client, users, app):
    limit = app.config["LOGIN_THROTTLE_ACCOUNT"]
    said = []
    for _ in range(limit):
        answer = client.post(
            "/admin/login",
            data={"email": "admin@example.org", "password": "wrong password!"},
            follow_redirects=True,
        )
        said.append(answer.get_data(as_text=True))
    assert "2 attempts left" in said[-3] and "1 attempt left" in said[-2]
    assert "attempts left" not in said[0]
    assert "now paused for 15 minutes" in said[-1]
    paused = sign_in(client)  # even the right password now waits
    body = paused.get_data(as_text=True)
    assert paused.status_code == 429 and paused.headers["Retry-After"]
    assert "Signing in is paused for a while" in body and "You can try again at" in body
    assert "css/admin.css" in body  # the editor's design, not the public error page
