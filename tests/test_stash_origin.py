"""The "unsent work" stash keeps only text from the editor's own page, for the account that
wrote it, and no page elsewhere can sign an editor out (CSRF protection on, as in
production)."""

import re
from datetime import timedelta

import pytest
from flask import url_for

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.accounts.guard import same_origin
from cms.accounts.models import User
from cms.accounts.stash import FormStash
from cms.accounts.users import create_user, end_sessions
from cms.content.models import Post
from cms.core import clock
from cms.core.db import db

PASSWORD = "correct horse battery"
ADMIN, EDITOR = "admin@example.org", "editor@example.org"
PLANTED = "Our practice has moved: book and pay at evil.example."
TYPED = "A long, careful paragraph written before the session ended."
OWN_PAGE = {
    "fetch metadata": {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    "origin": {"Origin": "http://localhost"},
    "referer": {"Referer": "http://localhost/admin/posts/1/edit"},
}
OTHER_SITE = {
    "cross-site": {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    "sibling host": {"Sec-Fetch-Site": "same-site", "Origin": "http://blog.localhost"},
    "origin": {"Origin": "https://evil.example"},
    "opaque origin": {"Origin": "null"},
    "referer": {"Referer": "https://evil.example/prize.html"},
    "says nothing": {},
}
CROSS_SITE = OTHER_SITE["cross-site"]
# The cookies a browser holds for the site, and their paths.
COOKIES = (("session", "/"), ("remember_token", "/"), ("cms_stash", "/admin/"))


@pytest.fixture
def csrf_app(tmp_path):
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test",
         "SITE_URL": "http://localhost", "WTF_CSRF_ENABLED": True}
    )  # fmt: skip
    with app.app_context():
        create_user(ADMIN, PASSWORD, "admin", "Ada Admin", actor=SYSTEM)
        create_user(EDITOR, PASSWORD, "editor", "Eddie", actor=SYSTEM)
    yield app
    db.close()


def csrf_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign_in(client, email=ADMIN, remember=False) -> None:
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/admin/login")}
    if remember:
        data["remember"] = "y"
    assert client.post("/admin/login", data=data).status_code == 302


def sign_out(client) -> None:
    token = csrf_token(client, "/admin/")
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302


def edit_path(app) -> str:
    with app.app_context():
        return f"/admin/posts/{Post.select().order_by(Post.id).first().id}/edit"


def edit_form(body: str, token: str = "") -> dict:
    return {"title": "Social media", "slug": "", "body": body, "status": "draft",
            "action": "save", "csrf_token": token}  # fmt: skip


def stashes(app) -> int:
    with app.app_context():
        return FormStash.select().count()


def from_other_site(client, path: str, data: dict, headers: dict):
    """POST as a browser does when a page elsewhere submits a form to the site: its
    SameSite=Lax cookies stay behind, and the cookies the answer sets are kept."""
    held = [(name, where, client.get_cookie(name, path=where)) for name, where in COOKIES]
    for name, where, _ in held:
        client.delete_cookie(name, path=where)
    response = client.post(path, data=data, headers=headers)
    answered = {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}
    for name, where, cookie in held:
        if cookie is not None and name not in answered:
            client.set_cookie(name, cookie.value, path=where)
    return response


def end_session(app, client, how: str) -> None:
    if how == "idle":
        clock.advance(timedelta(seconds=app.config["IDLE_TIMEOUT"] + 1))
    else:  # signed out on another device: this browser's session token is stale
        with app.app_context():
            end_sessions(User.get(User.email == ADMIN))
    # The editor page's live preview notices first; the writer presses Save after that.
    assert client.post("/admin/preview", data={"body": "x"}).status_code == 302


@pytest.mark.parametrize("headers", OTHER_SITE.values(), ids=OTHER_SITE)
def test_text_from_another_site_is_never_kept_or_offered(csrf_app, headers):
    client = csrf_app.test_client()
    path = edit_path(csrf_app)
    sign_in(client)
    # A page elsewhere posts a text: the browser sends no cookies with it (SameSite=Lax)...
    refused = from_other_site(client, path, edit_form(PLANTED), headers)
    assert refused.status_code == 302 and not refused.headers.getlist("Set-Cookie")
    # ... nor when it sends them (a sibling host, an old browser), to the signed-in editor
    refused = client.post(path, data=edit_form(PLANTED), headers=headers)
    assert refused.status_code == 400 and PLANTED not in refused.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200  # and the editor is still signed in
    # ... nor after the editor's session ended
    end_session(csrf_app, client, "idle")
    client.post(path, data=edit_form(PLANTED), headers=headers)
    assert stashes(csrf_app) == 0
    sign_in(client)
    page = client.get(path).get_data(as_text=True)
    assert PLANTED not in page and "unsaved text" not in page


@pytest.mark.parametrize("how", ["idle", "signed out elsewhere"])
@pytest.mark.parametrize("headers", OWN_PAGE.values(), ids=OWN_PAGE)
def test_own_unsent_text_comes_back_to_its_writer_only(csrf_app, headers, how):
    client = csrf_app.test_client()
    path = edit_path(csrf_app)
    sign_in(client)
    form = edit_form(TYPED, csrf_token(client, path))
    end_session(csrf_app, client, how)
    refused = client.post(path, data=form, headers=headers)
    assert refused.status_code == 302 and "/admin/login" in refused.headers["Location"]
    assert stashes(csrf_app) == 1
    sign_in(client, EDITOR)  # someone else signs in on this browser: not their text
    page = client.get(path).get_data(as_text=True)
    assert TYPED not in page and "unsaved text" not in page
    assert stashes(csrf_app) == 1  # still waiting for its writer
    sign_out(client)
    sign_in(client, ADMIN)
    page = client.get(path).get_data(as_text=True)
    assert TYPED in page and "unsaved text was kept" in page
    assert stashes(csrf_app) == 1  # opening the form changes nothing: a reload shows it again
    assert TYPED in client.get(path).get_data(as_text=True)
    saved = client.post(path, data=edit_form(TYPED, csrf_token(client, path)), headers=headers)
    assert saved.status_code == 302
    assert stashes(csrf_app) == 0  # saved: the kept text is done with


def test_own_text_with_a_stale_token_comes_back_at_once(csrf_app):
    client = csrf_app.test_client()
    path = edit_path(csrf_app)
    sign_in(client)
    refused = client.post(path, data=edit_form(TYPED, "stale"), headers=OWN_PAGE["origin"])
    assert refused.status_code == 302 and refused.headers["Location"].endswith(path)
    assert TYPED in client.get(path).get_data(as_text=True)


def post_urls(app) -> list[str]:
    """Every URL that takes a POST from a browser (the Admin API takes tokens, not cookies)."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "POST" in rule.methods and not rule.rule.startswith("/api/"):
                values = {arg: "posts" if arg == "kind" else 1 for arg in rule.arguments}
                urls.append(url_for(rule.endpoint, **values))
    return urls


@pytest.mark.parametrize("cookies", ["held back", "sent"])
@pytest.mark.parametrize("kept", ["session", "session and remember", "remember only"])
def test_no_post_from_another_site_signs_the_editor_out(csrf_app, kept, cookies):
    client = csrf_app.test_client()
    sign_in(client, remember=kept != "session")
    if kept == "remember only":
        client.delete_cookie("session")  # the browser was closed and opened again
    urls = post_urls(csrf_app)
    assert "/admin/logout" in urls and "/admin/login" in urls and "/contact" in urls
    for url in urls:
        data = {"title": PLANTED, "body": PLANTED, "message": PLANTED, "email": ADMIN}
        if cookies == "sent":  # a sibling host's page, or a browser without SameSite
            response = client.post(url, data=data, headers=CROSS_SITE)
        else:
            response = from_other_site(client, url, data, CROSS_SITE)
        assert response.status_code in (302, 400), (url, response.status_code)
        assert not response.headers.getlist("Set-Cookie"), url
    for _ in range(3):  # still signed in, and not just for one request
        assert client.get("/admin/").status_code == 200
    assert (client.get_cookie("remember_token") is not None) is (kept != "session")
    assert stashes(csrf_app) == 0
    with csrf_app.app_context():
        assert not Post.select().where(Post.title == PLANTED).exists()


def test_keep_me_signed_in_outlasts_the_first_request_and_the_contact_page(csrf_app):
    client = csrf_app.test_client()
    sign_in(client, remember=True)
    client.delete_cookie("session")  # the browser was closed and opened again
    assert client.get("/contact").status_code == 200  # it starts a session (a CSRF token)
    for _ in range(3):
        assert client.get("/admin/").status_code == 200
    assert client.get_cookie("remember_token") is not None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Sec-Fetch-Site": "same-origin"}, True),
        ({"Sec-Fetch-Site": "same-site", "Origin": "https://example.org"}, False),
        ({"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"}, False),
        ({"Sec-Fetch-Site": "none"}, None),
        ({"Origin": "https://example.org"}, True),  # SITE_URL
        ({"Origin": "https://EXAMPLE.org:443"}, True),
        ({"Origin": "http://example.org"}, False),
        ({"Origin": "http://localhost"}, True),  # the host the request was sent to
        ({"Origin": "https://localhost"}, True),  # ... by a proxy that did not say HTTPS
        ({"Origin": "http://localhost:8080"}, False),
        ({"Origin": "https://example.org.evil.example"}, False),
        ({"Origin": "null"}, False),
        ({"Origin": "https://example.org:99999"}, False),
        ({"Referer": "https://example.org/admin/posts/1/edit"}, True),
        ({"Referer": "https://evil.example/?https://example.org/"}, False),
        ({}, None),
    ],
)
def test_same_origin_reads_what_the_browser_says(tmp_path, headers, expected):
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test",
         "SITE_URL": "https://example.org", "DEMO_CONTENT": False}
    )  # fmt: skip
    with app.test_request_context("/admin/posts/new", method="POST", headers=headers):
        assert same_origin() is expected
    db.close()
