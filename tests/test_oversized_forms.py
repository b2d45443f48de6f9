"""Oversized forms get the documented 413 with the limits spelled out, before the CSRF check
could call them "expired", whatever their encoding (CSRF protection on, as in production)."""

import re
from datetime import timedelta
from io import BytesIO
from urllib.parse import urlencode

import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.accounts.stash import FormStash
from cms.accounts.tokens import create_token
from cms.accounts.users import create_user
from cms.content.models import Post
from cms.core import clock
from cms.core.db import db
from cms.messages.models import Message

PASSWORD = "correct horse battery"
KB, MB = 2**10, 2**20
LIMITS = {"MAX_CONTENT_LENGTH": MB, "MAX_FORM_MEMORY_SIZE": 64 * KB, "MAX_FORM_PARTS": 50}
SPELLED_OUT = "requests are limited to 1 MB, one form field to 64 KB and a form to 50 fields"
OWN_PAGE = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
FORMS = {  # the form, and whether one signs in to use it
    "writing form": ("/admin/posts/new", True),
    "contact form": ("/contact", False),
    "sign-in form": ("/admin/login", False),
}
ENCODINGS = ("multipart/form-data", "application/x-www-form-urlencoded")
URLENCODED = ENCODINGS[1]


@pytest.fixture
def limited_app(tmp_path):
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test",
         "SITE_URL": "http://localhost", "WTF_CSRF_ENABLED": True, **LIMITS}
    )  # fmt: skip
    with app.app_context():
        create_user("admin@example.org", PASSWORD, "admin", "Ada Admin", actor=SYSTEM)
    yield app
    db.close()


def csrf_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def open_form(client, path: str, signed_in: bool) -> str:
    """Sign in if the form needs it; the form's CSRF token."""
    if signed_in:
        data = {"email": "admin@example.org", "password": PASSWORD}
        data["csrf_token"] = csrf_token(client, "/admin/login")
        assert client.post("/admin/login", data=data).status_code == 302
    return csrf_token(client, path)


def oversized(what: str, token: str) -> dict:
    """A form over one limit, its CSRF token last (a form read short loses it)."""
    fields = {"title": "Too much", "name": "Too much", "email": "a@example.org"}
    if what == "one field":
        fields["body"] = fields["message"] = "x" * (65 * KB)
    elif what == "many fields":
        fields.update({f"field{n}": "x" for n in range(60)})
    else:  # the whole request
        fields.update({f"part{n}": "x" * (60 * KB) for n in range(18)})
    return {**fields, "csrf_token": token}


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return Post.select().count(), Message.select().count(), FormStash.select().count()


def assert_clear_413(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 413, page[-600:]
    assert SPELLED_OUT in page and "brings back what you typed" in page
    assert "expired" not in page and "cms_stash" not in str(response.headers)


@pytest.mark.parametrize("what", ["one field", "many fields", "the whole request"])
@pytest.mark.parametrize("encoding", ENCODINGS, ids=["multipart", "urlencoded"])
@pytest.mark.parametrize("form", FORMS)
def test_an_oversized_form_gets_413_with_the_limits(limited_app, form, encoding, what):
    client = limited_app.test_client()
    path, signed_in = FORMS[form]
    token = open_form(client, path, signed_in)
    before = counts(limited_app)
    response = client.post(path, data=oversized(what, token), content_type=encoding,
                           headers=OWN_PAGE)  # fmt: skip
    assert_clear_413(response)
    assert counts(limited_app) == before
    if signed_in:
        assert client.get("/admin/").status_code == 200  # still signed in


@pytest.mark.parametrize("form", FORMS)
def test_a_streamed_form_past_the_limit_is_413_not_expired(limited_app, form):
    client = limited_app.test_client()
    path, signed_in = FORMS[form]
    body = urlencode(oversized("the whole request", open_form(client, path, signed_in)))
    response = client.post(
        path, input_stream=BytesIO(body.encode()), content_type=URLENCODED,
        headers={**OWN_PAGE, "Transfer-Encoding": "chunked"},  # no Content-Length
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn streams it
    )  # fmt: skip
    assert_clear_413(response)


def test_oversized_text_after_the_session_ended_is_413_not_a_sign_in_page(limited_app):
    client = limited_app.test_client()
    token = open_form(client, "/admin/posts/new", signed_in=True)
    clock.advance(timedelta(seconds=limited_app.config["IDLE_TIMEOUT"] + 1))
    response = client.post("/admin/posts/new", data=oversized("one field", token),
                           content_type=URLENCODED, headers=OWN_PAGE)  # fmt: skip
    assert_clear_413(response)
    assert counts(limited_app)[2] == 0  # nothing half-read was stashed


def test_forms_within_the_limits_still_work(limited_app):
    client = limited_app.test_client()
    token = open_form(client, "/admin/posts/new", signed_in=True)
    data = {"title": "Just fits", "body": "x" * (60 * KB), "status": "draft", "action": "save",
            "csrf_token": token, **{f"field{n}": "" for n in range(40)}}  # fmt: skip
    for encoding in ENCODINGS:
        assert client.post("/admin/posts/new", data=data, content_type=encoding).status_code == 302
    with limited_app.app_context():
        assert Post.select().where(Post.title == "Just fits").count() == 2


def test_an_oversized_upload_to_the_admin_api_is_a_413_problem(limited_app):
    with limited_app.app_context():
        _, token = create_token("uploads", ["media:write"], actor=SYSTEM)
    client = limited_app.test_client()
    response = client.post(
        "/api/v1/admin/media", data={f"field{n}": "x" for n in range(60)},
        content_type="multipart/form-data", headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    detail = response.get_json()["detail"]
    assert SPELLED_OUT in detail and "browser" not in detail
