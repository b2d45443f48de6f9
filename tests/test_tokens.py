"""API tokens: stored as hashes, scoped, expiring, revocable; the CLI and the admin screen."""

import hashlib
import sqlite3
from datetime import timedelta

import pytest

from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.accounts.tokens import ApiToken, create_token, parse_scopes, revoke_token, verify_token
from cms.audit import Activity
from cms.core import clock
from cms.core.validation import ValidationError


@pytest.fixture
def app(empty_app):
    """The app without demo content (quicker to build); URLs under http://localhost."""
    empty_app.config["SITE_URL"] = "http://localhost"
    return empty_app


def test_token_is_stored_only_as_a_hash(ctx):
    token, plain = create_token("deploy", "content:read,content:write", actor=SYSTEM)
    assert plain.startswith("pcms_") and len(plain) > 40
    row = ApiToken.get_by_id(token.id)
    assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    dump = "\n".join(sqlite3.connect(ctx.config["DATABASE"]).iterdump())
    assert plain not in dump
    assert row.scope_list == ["content:read", "content:write"]


def test_verify_accepts_the_token_and_records_last_use(ctx):
    token, plain = create_token("script", ["content:read"], actor=SYSTEM)
    assert token.last_used_at is None
    assert verify_token(plain).id == token.id
    assert ApiToken.get_by_id(token.id).last_used_at is not None


@pytest.mark.parametrize("guess", ["", "pcms_", "pcms_wrong", "x" * 5000, "\x00"])
def test_verify_refuses_unknown_tokens(ctx, guess):
    create_token("script", ["content:read"], actor=SYSTEM)
    assert verify_token(guess) is None


def test_revoked_and_expired_tokens_no_longer_verify(ctx):
    revoked, plain_revoked = create_token("old", ["content:read"], actor=SYSTEM)
    revoke_token(revoked, actor=SYSTEM)
    assert verify_token(plain_revoked) is None
    expiring, plain_expiring = create_token("short", ["content:read"], expires_days=1, actor=SYSTEM)
    assert verify_token(plain_expiring) is not None
    clock.advance(timedelta(days=1, seconds=1))
    assert verify_token(plain_expiring) is None
    assert ApiToken.get_by_id(expiring.id).is_expired


@pytest.mark.parametrize(
    "name, scopes, days, field",
    [
        ("", "content:read", None, "name"),
        ("x" * 81, "content:read", None, "name"),
        ("ok", "", None, "scopes"),
        ("ok", "content:read,root", None, "scopes"),
        ("ok", "content:read", 0, "expires"),
        ("ok", "content:read", 10_000, "expires"),
    ],
)
def test_bad_token_requests_are_refused(ctx, name, scopes, days, field):
    with pytest.raises(ValidationError) as info:
        create_token(name, scopes, expires_days=days, actor=SYSTEM)
    assert field in info.value.errors
    assert ApiToken.select().count() == 0


def test_parse_scopes_keeps_a_fixed_order_without_duplicates(ctx):
    assert parse_scopes("media:write content:read,media:write") == ["content:read", "media:write"]


def test_cli_prints_the_token_alone_on_the_last_line(app, runner, users):
    result = runner.invoke(
        args=["cms", "create-token", "deploy", "--scopes", "content:read,content:write",
              "--user", "admin@example.org", "--expires", "30"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plain = result.output.strip().splitlines()[-1]
    assert plain.startswith("pcms_") and " " not in plain
    with app.app_context():
        token = verify_token(plain)
        assert token.name == "deploy" and token.user.email == "admin@example.org"
        assert token.expires_at is not None
        assert Activity.select().where(Activity.action == "token.create").exists()


def test_cli_refuses_unknown_scopes_and_users(runner, users):
    result = runner.invoke(args=["cms", "create-token", "x", "--scopes", "everything"])
    assert result.exit_code != 0 and "Unknown scopes" in result.output
    result = runner.invoke(
        args=["cms", "create-token", "x", "--scopes", "content:read", "--user", "no@x.org"]
    )
    assert result.exit_code != 0 and "no@x.org" in result.output


def test_admin_creates_sees_once_and_revokes_a_token(app, client, auth):
    auth.login()
    page = client.get("/admin/tokens")
    assert page.status_code == 200 and "No tokens yet." in page.get_data(as_text=True)
    created = client.post(
        "/admin/tokens",
        data={"name": "newsletter", "scopes": ["content:read", "notices:write"], "expires": "7"},
    )
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and "shown only this once" in html
    with app.app_context():
        token = ApiToken.get(ApiToken.name == "newsletter")
        plain = html.split('id="new-token" class="link-box" type="text" readonly value="')[1]
        plain = plain.split('"')[0]
        assert verify_token(plain).id == token.id
        assert token.scope_list == ["content:read", "notices:write"]
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert "newsletter" in listing and plain not in listing and token.prefix in listing
    client.post(f"/admin/tokens/{token.id}/revoke")
    with app.app_context():
        assert verify_token(plain) is None
        actions = [a.action for a in Activity.select()]
        assert "token.create" in actions and "token.revoke" in actions
    assert "Revoked" in client.get("/admin/tokens").get_data(as_text=True)


def test_token_form_errors_are_shown_next_to_the_fields(client, auth):
    auth.login()
    response = client.post("/admin/tokens", data={"name": "", "expires": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose at least one scope." in html and 'class="error"' in html
    assert ApiToken.select().count() == 0


def test_editors_cannot_manage_tokens(client, auth):
    auth.login("editor@example.org")
    assert client.get("/admin/tokens").status_code == 403
    assert (
        client.post("/admin/tokens", data={"name": "x", "scopes": ["content:read"]}).status_code
        == 403
    )


def _call(client, plain, method="GET", path="posts", body=None):
    headers = {"Authorization": f"Bearer {plain}"}
    return client.open(f"/api/v1/admin/{path}", method=method, headers=headers, json=body)


def test_a_disabled_accounts_tokens_get_401_until_it_is_enabled_again(app, client, users):
    from cms.accounts.users import update_user

    with app.app_context():
        editor = users["editor"]
        plain = create_token("script", ["content:read"], user=editor, actor=SYSTEM)[1]
        assert _call(client, plain).status_code == 200
        update_user(editor, editor.name, editor.email, "editor", active=False, actor=SYSTEM)
        assert verify_token(plain) is None
    refused = _call(client, plain)
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert "account is disabled" in refused.json["detail"]
    with app.app_context():
        update_user(editor, editor.name, editor.email, "editor", active=True, actor=SYSTEM)
    assert _call(client, plain).status_code == 200


def test_a_demoted_accounts_token_keeps_only_what_the_new_role_allows(app, client, users):
    from cms.accounts.users import create_user, update_user

    with app.app_context():
        admin = create_user(
            "second@example.org", "correct horse battery", "admin", "Bo", actor=SYSTEM
        )
        plain = create_token(
            "site script", ["content:read", "settings:write"], user=admin, actor=SYSTEM
        )[1]
        assert _call(client, plain, "PATCH", "settings", {"tagline": "New"}).status_code == 200
        update_user(admin, admin.name, admin.email, "editor", active=True, actor=SYSTEM)
    refused = _call(client, plain, "PATCH", "settings", {"tagline": "Newer"})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert "editor" in refused.json["detail"]
    assert _call(client, plain, "GET", "settings").status_code == 403  # editors never read them


def test_an_editors_token_may_do_content_but_not_settings(ctx, users):
    editor = users["editor"]
    editor_scopes = "content:read,content:write,notices:write,media:write"
    assert create_token("editor script", editor_scopes, user=editor, actor=SYSTEM)[0].allows(
        "notices:write"
    )
    with pytest.raises(ValidationError) as info:
        create_token("too much", "content:read,settings:write", user=editor, actor=SYSTEM)
    assert "settings:write" in info.value.errors["scopes"]
    gone = User.create(email="gone@example.org", name="Gone", role="admin", active=False)
    with pytest.raises(ValidationError) as info:
        create_token("x", "content:read", user=gone, actor=SYSTEM)
    assert "disabled" in info.value.errors["user"]
    assert ApiToken.select().count() == 1


def test_cli_refuses_scopes_beyond_the_accounts_role(app, runner, users):
    result = runner.invoke(
        args=["cms", "create-token", "x", "--scopes", "content:read,settings:write",
              "--user", "editor@example.org"]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "may not use settings:write" in result.output and "pcms_" not in result.output
    with app.app_context():
        assert ApiToken.select().count() == 0
