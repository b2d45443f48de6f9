"""Security headers on every response, proxy handling, production checks, request limits."""

import pytest
from flask import request

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.content.models import Post
from cms.core.db import db
from cms.core.security import CSP, ProductionConfigError
from cms.media.models import Media
from cms.site.models import save_settings

PUBLIC = [
    "/", "/blog/", "/archive", "/search?q=therapy", "/contact", "/feed.xml", "/sitemap.xml",
    "/robots.txt", "/theme.css", "/static/css/site.css", "/healthz", "/api/v1/posts",
]  # fmt: skip
ERRORS = ["/no-such-page", "/blog/?page=abc", "/api/v1/posts/no-such-post"]


def assert_security_headers(response):
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    if not response.request.path.startswith("/media/"):
        assert csp == CSP
        for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
            assert directive in csp


def _first(model, client):
    with client.application.app_context():
        db.connect(reuse_if_open=True)
        return model.live().first()


def test_public_pages_api_static_and_errors_carry_the_headers(client):
    post = _first(Post, client)
    category = client.get("/archive").get_data(as_text=True).split('href="/category/')[1]
    paths = PUBLIC + ERRORS + [f"/blog/{post.slug}", "/category/" + category.split('"')[0]]
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, path
        assert_security_headers(response)
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP
    for path in ("/", "/blog/", f"/blog/{post.slug}"):  # cacheable for readers
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path


def test_cached_page_hits_carry_the_headers(client):
    client.get("/")
    response = client.get("/")
    assert response.headers.get("X-Cache") == "hit"
    assert_security_headers(response)


def test_editor_and_admin_api_are_never_stored(client, auth):
    for path in ("/admin/login", "/admin/", "/api/v1/admin/posts"):
        response = client.get(path)
        assert_security_headers(response)
        assert response.headers["Cache-Control"] == "private, no-store", path
    auth.login()
    response = client.get("/admin/")
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "private, no-store"


def test_media_keeps_its_stricter_policy(client):
    with client.application.app_context():
        db.connect(reuse_if_open=True)
        item = Media.create(filename="x.png", mime="image/png", data=b"\x89PNG", sha256="ab")
        save_settings({"logo_media_id": item.id})  # shown on the site, so served to visitors
    response = client.get(f"/media/{item.id}/x.png")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers
    assert "Strict-Transport-Security" not in client.get("/").headers


def _address_app(tmp_path, **config):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t", **config})
    app.add_url_rule("/_address", "address", lambda: request.remote_addr)
    return app


FORWARDED = {"X-Forwarded-For": "6.6.6.6, 203.0.113.9", "X-Forwarded-Proto": "https"}


def test_without_a_proxy_forwarded_headers_are_ignored(tmp_path):
    client = _address_app(tmp_path).test_client()
    response = client.get("/_address", headers=FORWARDED)
    assert response.get_data(as_text=True) == "127.0.0.1"
    assert "Strict-Transport-Security" not in response.headers
    db.close()


def test_behind_one_proxy_only_its_own_entry_counts(tmp_path):
    client = _address_app(tmp_path, BEHIND_PROXY=True).test_client()
    # The client sent 6.6.6.6 itself; the proxy appended the real address last.
    response = client.get("/_address", headers=FORWARDED)
    assert response.get_data(as_text=True) == "203.0.113.9"
    assert "Strict-Transport-Security" in response.headers  # the proxy said https
    db.close()


@pytest.mark.parametrize(
    "config",
    [{"SECRET_KEY": "test"}, {"SECRET_KEY": "dev"}, {"SECRET_KEY": "short-but-not-demo"},
     {"SECRET_KEY": "x" * 64, "DEBUG": True}],
)  # fmt: skip
def test_production_refuses_demo_keys_and_debug(tmp_path, config):
    with pytest.raises(ProductionConfigError):
        create_app({"INSTANCE_PATH": str(tmp_path), "ENV": "production", **config})


def test_production_with_the_generated_key_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("CMS_ENV", "production")
    monkeypatch.setenv("CMS_SITE_URL", "https://practice.example")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert len(app.config["SECRET_KEY"]) >= 32
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    db.close()


def test_development_allows_any_key(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "dev", "DEBUG": True})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    db.close()


def _limited_client(tmp_path, **config):
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t",
         "WTF_CSRF_ENABLED": False, **config}
    )  # fmt: skip
    return app.test_client()


def test_too_large_body_gets_a_clear_413(tmp_path):
    client = _limited_client(tmp_path, MAX_CONTENT_LENGTH=1024 * 1024)
    response = client.post("/admin/login", data={"email": "a@b.c", "password": "x" * 2_000_000})
    assert response.status_code == 413
    assert "limited to 1 MB" in response.get_data(as_text=True)
    assert_security_headers(response)
    from cms.accounts.tokens import SCOPES, create_token

    with client.application.app_context():
        db.connect(reuse_if_open=True)
        _, token = create_token("test", list(SCOPES), actor=SYSTEM)
    api = client.post(
        "/api/v1/admin/posts", data=b" " * 1_200_000, content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert api.status_code == 413
    assert api.mimetype == "application/problem+json"
    assert "too large" in api.get_json()["detail"]
    db.close()


def test_too_many_form_parts_and_too_large_field_get_413(tmp_path):
    client = _limited_client(tmp_path, MAX_FORM_PARTS=50, MAX_FORM_MEMORY_SIZE=10_000)
    parts = {f"field{i}": "x" for i in range(60)}
    response = client.post("/admin/login", data=parts, content_type="multipart/form-data")
    assert response.status_code == 413
    big = {"email": "a@b.c", "password": "x" * 20_000}
    response = client.post("/admin/login", data=big, content_type="multipart/form-data")
    assert response.status_code == 413
    db.close()
