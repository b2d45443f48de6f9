"""API tokens: stored as hashes, scoped, expiring, revocable; the CLI and the admin screen."""

import hashlib
import sqlite3
from datetime import timedelta

import pytest

from cms import clock
from cms.activity import Activity
from cms.services import ValidationError
from cms.tokens import ApiToken, create_token, parse_scopes, revoke_token, verify_token


@pytest.fixture
def app(empty_app):
    """The app without demo content (quicker to build); URLs under http://localhost."""
    empty_app.config["SITE_URL"] = "http://localhost"
    return empty_app


def test_token_is_stored_only_as_a_hash(ctx):
    token, plain = create_token("deploy", "content:read,content:write")
    assert plain.startswith("pcms_") and len(plain) > 40
    row = ApiToken.get_by_id(token.id)
    assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    dump = "\n".join(sqlite3.connect(ctx.config["DATABASE"]).iterdump())
    assert plain not in dump
    assert row.scope_list == ["content:read", "content:write"]


def test_verify_accepts_the_token_and_records_last_use(ctx):
    token, plain = create_token("script", ["content:read"])
    assert token.last_used_at is None
    assert verify_token(plain).id == token.id
    assert ApiToken.get_by_id(token.id).last_used_at is not None


@pytest.mark.parametrize("guess", ["", "pcms_", "pcms_wrong", "x" * 5000, "\x00"])
def test_verify_refuses_unknown_tokens(ctx, guess):
    create_token("script", ["content:read"])
    assert verify_token(guess) is None


def test_revoked_and_expired_tokens_no_longer_verify(ctx):
    revoked, plain_revoked = create_token("old", ["content:read"])
    revoke_token(revoked)
    assert verify_token(plain_revoked) is None
    expiring, plain_expiring = create_token("short", ["content:read"], expires_days=1)
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
        create_token(name, scopes, expires_days=days)
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
