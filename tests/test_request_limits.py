"""Request limits at every door: the contact message's length (shown on the form, kept by
the service, never echoed back in megabytes), categories per entry, JSON values, and the
form limits for both encodings."""

import re
from datetime import timedelta
from io import BytesIO
from urllib.parse import urlencode

import pytest

from cms.accounts.actors import SYSTEM
from cms.accounts.tokens import create_token
from cms.content.categories import save_category
from cms.content.fields import MAX_BODY, MAX_CATEGORIES
from cms.content.models import Category, Post
from cms.content.service import save_post
from cms.core import clock
from cms.core.db import db
from cms.core.validation import ValidationError
from cms.messages.models import Message
from cms.messages.service import MAX_MESSAGE, store_message
from tests.helpers.contact import GOOD

OWN_PAGE = {"Origin": "http://localhost"}


def send(client, **changes):
    html = client.get("/contact").get_data(as_text=True)
    opened = re.search(r'name="opened" type="hidden" value="([^"]+)"', html).group(1)
    clock.advance(timedelta(seconds=10))
    return client.post("/contact", data={**GOOD, "opened": opened, **changes})


def test_the_form_shows_the_message_limit(client):
    html = client.get("/contact").get_data(as_text=True)
    field = re.search(r"<textarea[^>]*>", html).group(0)
    assert f'maxlength="{MAX_MESSAGE}"' in field and 'aria-describedby="message-hint"' in field
    assert f'id="message-hint">Up to {MAX_MESSAGE:,} characters.' in html
    assert 'maxlength="100"' in re.search(r'<input[^>]*name="name"[^>]*>', html).group(0)


def test_a_huge_message_is_not_echoed_back_in_full(app, client):
    huge = "word " * 300_000  # 1.5 MB: under the 2 MB field limit, so the form reads it
    response = send(client, message=huge, name="N" * 50_000)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and len(page) < 60_000
    assert "under 5,000 characters (it has 1,499,999)" in page
    assert "Only its first 10,000 characters are shown below" in page
    assert "word word" in page  # what was typed comes back, cut to a page to shorten
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert Message.select().count() == 0


def test_the_service_keeps_the_limits_whatever_the_door(ctx):
    with pytest.raises(ValidationError) as refused:
        store_message({**GOOD, "message": "x" * (MAX_MESSAGE + 1), "name": "n" * 101})
    assert set(refused.value.errors) == {"message", "name"}
    store_message({**GOOD, "message": "x" * MAX_MESSAGE})
    assert Message.select().count() == 1


@pytest.fixture
def many_categories(ctx):
    return [save_category({"name": f"Topic {n}"}, actor=SYSTEM) for n in range(MAX_CATEGORIES + 1)]


def test_categories_per_entry_are_bounded(many_categories):
    slugs = [c.slug for c in many_categories]
    with pytest.raises(ValidationError, match=f"at most {MAX_CATEGORIES}"):
        save_post({"title": "Everything", "body": "x", "categories": slugs}, actor=SYSTEM)
    with pytest.raises(ValidationError, match=f"at most {MAX_CATEGORIES}"):
        save_post(
            {"title": "The same one", "body": "x", "categories": [slugs[0]] * 10_000}, actor=SYSTEM
        )
    post = save_post(
        {"title": "Enough", "body": "x", "categories": slugs[:MAX_CATEGORIES]}, actor=SYSTEM
    )
    assert len(post.category_list) == MAX_CATEGORIES
    assert not Post.select().where(Post.title.in_(["Everything", "The same one"])).exists()


def test_the_editor_form_and_the_api_are_bounded_too(app, client, auth, users, many_categories):
    ids = [str(c.id) for c in many_categories]
    auth.login()
    form = {"title": "Crowded", "body": "x", "status": "draft", "action": "save"}
    page = client.post("/admin/posts/new", data={**form, "categories": ids}, headers=OWN_PAGE)
    assert page.status_code == 200
    assert f"Choose at most {MAX_CATEGORIES} categories." in page.get_data(as_text=True)
    token = create_token("script", "content:read,content:write", user=users["admin"], actor=SYSTEM)[
        1
    ]
    api = client.post(
        "/api/v1/admin/posts",
        json={"title": "Crowded", "categories": [c.slug for c in many_categories]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 422 and "categories" in api.get_data(as_text=True)
    assert not Post.select().where(Post.title == "Crowded").exists()
    assert Category.select().count() >= MAX_CATEGORIES + 1


def test_oversized_values_inside_an_accepted_json_body_are_422(client, users, ctx):
    token = create_token("script", "content:read,content:write", user=users["admin"], actor=SYSTEM)[
        1
    ]
    headers = {"Authorization": f"Bearer {token}"}
    for body, field in (
        ({"title": "Long", "body": "x" * (MAX_BODY + 1)}, "body"),
        ({"title": "t" * 10_000}, "title"),
        ({"title": "Many", "categories": ["a"] * 10_000}, "categories"),
    ):
        response = client.post("/api/v1/admin/posts", json=body, headers=headers)
        assert response.status_code == 422, response.json
        assert field in response.get_data(as_text=True)
    too_big = client.post(
        "/api/v1/admin/posts",
        data='{"title": "' + "x" * (client.application.config["API_MAX_JSON"]) + '"}',
        content_type="application/json",
        headers=headers,
    )
    assert too_big.status_code == 413


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_the_contact_form_limits_hold_for_both_encodings(app, client, encoding):
    """The issue's 1.5 million fields, scaled to just past MAX_FORM_PARTS (default config)."""
    fields = [(f"f{n}", "x") for n in range(app.config["MAX_FORM_PARTS"] + 1)]
    if encoding == "urlencoded":
        kwargs = {
            "data": urlencode(fields),
            "content_type": "application/x-www-form-urlencoded",
        }
    else:
        data = dict(fields)
        data["attachment"] = (BytesIO(b"x"), "a.txt")
        kwargs = {"data": data, "content_type": "multipart/form-data"}
    assert client.post("/contact", **kwargs).status_code == 413
    one_big = "x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1)
    assert send(client, message=one_big).status_code == 413
