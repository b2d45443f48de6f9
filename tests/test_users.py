"""Accounts: password rules, user management by administrators, the activity screen."""

import re

import pytest

from cms.accounts import passwords
from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.accounts.passwords import password_problem
from cms.audit import Activity, log_activity
from cms.core.db import db

PASSWORD = "correct horse battery"


@pytest.mark.parametrize(
    "weak",
    [
        "short",
        "x" * 257,
        "password1234",
        "Password 1234!",
        "P@ssw0rd2024!!",
        "iloveyouiloveyou",
        "abcabcabcabc",
        "qwertyuiopasdf",
        "987654321098",
        "aaaaaaaaaaab",
        "Summer2024!!!",
    ],
)
def test_weak_passwords_are_refused(weak):
    assert password_problem(weak) is not None


@pytest.mark.parametrize(
    "good",
    [
        PASSWORD,
        "my dog likes cheese",
        "x7#kQ!p2Lm9z",
        "Ünïcødé pässphrase",
        "a" * 200 + "b c d e",
    ],
)
def test_good_passwords_need_no_special_characters(good):
    assert password_problem(good) is None


def test_password_may_not_be_the_email():
    assert "e-mail" in password_problem("ada.lovelace99", "ada.lovelace@example.org")
    assert password_problem("ada.lovelace99", "someone@example.org") is None


def test_unknown_account_costs_a_password_check(app, client, users, monkeypatch):
    calls = []
    real = passwords.check_password_hash
    monkeypatch.setattr(
        passwords, "check_password_hash", lambda h, p: calls.append(h) or real(h, p)
    )
    client.post("/admin/login", data={"email": "nobody@example.org", "password": PASSWORD})
    client.post("/admin/login", data={"email": "admin@example.org", "password": "wrong one, sorry"})
    assert len(calls) == 2
    assert all(h.startswith("scrypt:") for h in calls)


# User management


def _user(app, email):
    with app.app_context():
        return User.get_or_none(User.email == email)


def test_admin_creates_an_account_with_a_one_time_link(app, client, auth):
    auth.login()
    page = client.post(
        "/admin/users/new",
        data={"name": "Robin", "email": "Robin@Example.org", "role": "editor", "start": "link"},
    )
    assert page.status_code == 200
    url = re.search(
        r'value="(http://localhost/admin/set-password/[\w-]+)"', page.get_data(as_text=True)
    )[1]
    robin = _user(app, "robin@example.org")
    assert robin.role == "editor" and robin.password_hash == ""
    client.post("/admin/logout")

    newcomer = app.test_client()
    path = url.removeprefix("http://localhost")
    assert b"robin@example.org" in newcomer.get(path).data
    mismatch = newcomer.post(path, data={"password": "my own passphrase", "confirm": "other"})
    assert b"The two passwords differ." in mismatch.data
    done = newcomer.post(
        path, data={"password": "my own passphrase", "confirm": "my own passphrase"}
    )
    assert done.headers["Location"] == "/admin/login"
    assert newcomer.get(path).status_code == 404  # single use
    signed_in = newcomer.post(
        "/admin/login", data={"email": "robin@example.org", "password": "my own passphrase"}
    )
    assert signed_in.headers["Location"] == "/admin/"
    assert newcomer.get("/admin/users").status_code == 403


def test_temporary_password_must_be_replaced_at_first_sign_in(app, client, auth):
    auth.login()
    client.post(
        "/admin/users/new",
        data={
            "name": "Kim",
            "email": "kim@example.org",
            "role": "admin",
            "start": "password",
            "temporary_password": "temporary pass phrase",
        },
    )
    client.post("/admin/logout")
    client.post(
        "/admin/login", data={"email": "kim@example.org", "password": "temporary pass phrase"}
    )
    forced = client.get("/admin/users")
    assert forced.status_code == 302 and forced.headers["Location"] == "/admin/account"
    client.post(
        "/admin/account/password",
        data={
            "current_password": "temporary pass phrase",
            "new_password": "kims own passphrase",
            "confirm": "kims own passphrase",
        },
    )
    assert client.get("/admin/users").status_code == 200
    assert not _user(app, "kim@example.org").must_change_password


def test_create_shows_errors_next_to_fields_and_saves_nothing(app, client, auth):
    auth.login()
    cases = [
        ({"email": "admin@example.org", "start": "link"}, "already exists"),
        ({"email": "not-an-email", "start": "link"}, "e-mail address such as"),
        ({"email": "new@example.org", "start": "password"}, "Enter a temporary password"),
        (
            {"email": "new@example.org", "start": "password", "temporary_password": "password1234"},
            "too common",
        ),
        ({"email": "new@example.org", "start": "link", "role": "owner"}, "Not a valid choice"),
    ]
    for data, message in cases:
        response = client.post("/admin/users/new", data={"name": "X", "role": "editor", **data})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), message
    with app.app_context():
        assert User.select().count() == 2


def test_change_role_and_disable(app, client, auth):
    editor_client = app.test_client()
    editor_client.post("/admin/login", data={"email": "editor@example.org", "password": PASSWORD})
    assert editor_client.get("/admin/").status_code == 200
    auth.login()
    editor = _user(app, "editor@example.org")
    data = {"name": "Eddie", "email": "editor@example.org", "role": "admin", "active": "y"}
    assert client.post(f"/admin/users/{editor.id}", data=data).status_code == 302
    assert _user(app, "editor@example.org").role == "admin"
    assert editor_client.get("/admin/users").status_code == 200  # new role applies at once
    client.post(f"/admin/users/{editor.id}", data={**data, "active": ""})
    assert editor_client.get("/admin/").status_code == 302  # disabled: signed out at once
    login = editor_client.post(
        "/admin/login", data={"email": "editor@example.org", "password": PASSWORD}
    )
    assert login.status_code == 200
    with app.app_context():
        assert Activity.select().where(Activity.action == "user.update").count() == 2


def test_disabling_an_account_stops_its_api_tokens(app, client, auth):
    from cms.accounts.tokens import create_token

    with app.app_context():
        editor = User.get(User.email == "editor@example.org")
        plain = create_token("script", ["content:read"], user=editor, actor=SYSTEM)[1]
    api = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    assert api.get("/api/v1/admin/posts", headers=headers).status_code == 200
    auth.login()
    data = {"name": "Eddie", "email": "editor@example.org", "role": "editor", "active": ""}
    assert client.post(f"/admin/users/{editor.id}", data=data).status_code == 302
    refused = api.get("/api/v1/admin/posts", headers=headers)
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert "Not working: Eddie’s account is disabled." in client.get("/admin/tokens").text


def test_the_last_active_admin_stays(app, client, auth, users):
    auth.login()
    admin = _user(app, "admin@example.org")
    own = client.post(
        f"/admin/users/{admin.id}",
        data={"name": "Ada", "email": "admin@example.org", "role": "editor", "active": "y"},
    )
    assert b"cannot change your own role" in own.data
    # Another admin cannot take the last one away either.
    with app.app_context():
        db.execute_sql("UPDATE user SET role = 'admin' WHERE email = 'editor@example.org'")
    other = app.test_client()
    other.post("/admin/login", data={"email": "editor@example.org", "password": PASSWORD})
    ok = other.post(
        f"/admin/users/{admin.id}",
        data={"name": "Ada", "email": "admin@example.org", "role": "editor", "active": "y"},
    )
    assert ok.status_code == 302  # two admins: demoting one is fine
    with app.app_context():
        from cms.accounts.users import LAST_ADMIN, update_user
        from cms.core.validation import ValidationError

        db.connect(reuse_if_open=True)
        last = User.get(User.email == "editor@example.org")
        with pytest.raises(ValidationError) as refused:
            update_user(last, "Eddie", last.email, "admin", False, actor=SYSTEM)
        assert LAST_ADMIN in refused.value.errors.values()
        assert User.get(User.email == "editor@example.org").active


def test_reset_password_signs_the_account_out(app, client, auth):
    victim = app.test_client()
    victim.post("/admin/login", data={"email": "editor@example.org", "password": PASSWORD})
    auth.login()
    editor = _user(app, "editor@example.org")
    page = client.post(f"/admin/users/{editor.id}/reset", data={"start": "link"})
    assert b"/admin/set-password/" in page.data
    assert victim.get("/admin/").status_code == 302
    old = victim.post("/admin/login", data={"email": "editor@example.org", "password": PASSWORD})
    assert old.status_code == 200  # the old password stopped working
    client.post(
        f"/admin/users/{editor.id}/reset",
        data={"start": "password", "temporary_password": "a new temporary one"},
    )
    assert _user(app, "editor@example.org").must_change_password
    assert "user.password" in [e.action for e in _entries(app)]


def test_unknown_user_is_404(client, auth):
    auth.login()
    assert client.get("/admin/users/999").status_code == 404
    assert client.post("/admin/users/999/reset", data={"start": "link"}).status_code == 404


# Activity screen


def _entries(app):
    with app.app_context():
        return list(Activity.recent())


def test_activity_screen_lists_and_pages(app, client, auth):
    with app.app_context():
        db.connect(reuse_if_open=True)
        with db.atomic():
            for n in range(60):
                log_activity("post.publish", f"post {n}: Test {n}")
    auth.login()
    first = client.get("/admin/activity").get_data(as_text=True)
    assert "login" in first and "Ada Admin" in first and "Older" in first
    second = client.get("/admin/activity?page=2").get_data(as_text=True)
    assert "Published the post “Test 0”" in second and "Newer" in second
    assert client.get("/admin/activity?page=abc").status_code == 400
