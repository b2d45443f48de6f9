"""The Admin API described once: the document's request schemas are what a body is checked
against, their patterns come from the text rule, and the API answers only statuses the
document lists. Also the one paging codec and the one search at every door."""

import json
import re

import pytest

from cms.accounts.actors import SYSTEM
from cms.accounts.tokens import create_token
from cms.api import fields
from cms.api.openapi import document
from cms.content import service as services
from cms.content.fields import MAX_CATEGORIES, MAX_CATEGORY_NAME, MAX_TITLE
from cms.core import paging
from cms.core.validation import single_line

ALL = "content:read,content:write"


@pytest.fixture
def app(empty_app):
    empty_app.config["SITE_URL"] = "http://localhost"
    return empty_app


@pytest.fixture
def api(app, client):
    with app.app_context():
        token = create_token("described", ALL, actor=SYSTEM)[1]
    headers = {"Authorization": f"Bearer {token}"}

    def call(method, path, body=None):
        data = None if body is None else json.dumps(body)
        return client.open(f"/api/v1/admin/{path}", method=method, headers=headers, data=data,
                           content_type="application/json")  # fmt: skip

    return call


def _schema(name: str) -> dict:
    return document()["components"]["schemas"][name]


@pytest.mark.parametrize(
    "path, body",
    [
        ("posts", {"title": "T", "slug": ""}),
        ("pages", {"title": "T", "slug": ""}),
        ("categories", {"name": "N", "slug": ""}),
        ("posts", {"title": "T", "slug": " spaced "}),
        ("posts", {"title": "T", "published_at": ""}),
        ("pages", {"title": "T", "effective_date": " 2026-01-01"}),
    ],
)
def test_values_that_break_the_documented_schema_are_refused(api, path, body):
    answer = api("POST", path, body)
    assert answer.status_code == 422, answer.json
    assert {e["field"] for e in answer.json["errors"]} == set(body) - {"title", "name"}


CHARACTERS = ["a", "é", "日", "\U0001f600", " ", "\t", "\n", "\x00", "\x07", "\x7f", "\x86",
              "\u200b", "\u0301", "\ufeff", "\u3164", "\u2028"]  # fmt: skip


@pytest.mark.parametrize("char", CHARACTERS)
def test_the_documented_text_patterns_are_the_text_rule(char):
    any_text, shown = (re.compile(p) for p in fields.text_patterns())
    for text in (char, "x" + char + "y"):
        errors = {}
        single_line(text, "t", errors, required="Required.")
        assert bool(shown.search(text)) == ("t" not in errors), repr(text)
        errors = {}
        single_line(text, "t", errors)
        assert bool(any_text.search(text)) == ("t" not in errors), repr(text)
    title = _schema("PostCreate")["properties"]["title"]
    assert title["pattern"] == shown.pattern and title["maxLength"] == MAX_TITLE


def test_request_schemas_are_the_fields_the_api_checks():
    post = _schema("PostPatch")["properties"]
    assert post == {name: field.published for name, field in fields.POST.items()}
    assert _schema("PostCreate")["required"] == list(fields.CREATE_REQUIRED)
    assert _schema("CategoryCreate")["properties"]["name"]["maxLength"] == MAX_CATEGORY_NAME
    assert post["categories"]["maxItems"] == MAX_CATEGORIES


def test_references_to_what_is_missing_are_conflicts_the_document_lists(api):
    image = api("POST", "posts", {"title": "T", "featured_image": 999})
    category = api("POST", "posts", {"title": "T", "categories": ["no-such-category"]})
    assert (image.status_code, category.status_code) == (409, 409)
    assert image.json["errors"][0]["field"] == "featured_image"
    assert "409" in document()["paths"]["/api/v1/admin/posts"]["post"]["responses"]


def test_an_id_written_as_1_0_is_the_id_1(api):
    # JSON Schema counts 1.0 as an integer: the API looks for image 1 (there is none).
    answer = api("POST", "posts", {"title": "T", "featured_image": 1.0})
    assert answer.status_code == 409 and answer.json["errors"][0]["detail"] == "No such image."


def test_restoring_a_category_that_is_not_in_the_trash_is_a_conflict(api):
    created = api("POST", "categories", {"name": "Live"}).json
    assert api("POST", f"categories/{created['id']}/restore").status_code == 409
    assert api("POST", "categories/99999/restore").status_code == 404


@pytest.mark.parametrize(
    "url", ["/api/v1/posts?cursor=", "/api/v1/pages?cursor=", "/blog/?before=", "/?after="]
)
def test_an_empty_cursor_is_the_first_page(client, url):
    assert client.get(url).status_code == 200


def test_one_cursor_text_at_every_door(app, client, api):
    with app.app_context():
        for n in range(3):
            services.save_post({"title": f"P{n}", "body": "x", "status": "published"}, actor=SYSTEM)
    listing = client.get("/api/v1/posts?limit=1").json
    cursor = listing["next"].split("cursor=")[1]
    assert re.fullmatch(paging.CURSORS["dated"], cursor)
    assert client.get(f"/blog/?before={cursor}").status_code == 200
    admin = api("GET", "posts?limit=1").json["next"].split("cursor=")[1]
    assert re.fullmatch(paging.CURSORS["id"], admin)
    for pattern in (paging.CURSORS["dated"], paging.CURSORS["id"]):
        documented = [p["schema"]["pattern"] for p in _list_parameters() if p["name"] == "cursor"]
        assert pattern in documented


def _list_parameters():
    for operations in document()["paths"].values():
        for operation in operations.values():
            yield from operation.get("parameters", [])


@pytest.mark.parametrize("url", ["/admin/posts/?page=abc", "/admin/media?page=1001"])
def test_the_editor_lists_read_page_numbers_by_the_one_rule(client, auth, url):
    auth.login()
    answer = client.get(url)
    assert answer.status_code == 400
    assert b"The page number must be a whole number from 1 to 1000." in answer.data


def test_one_search_for_the_site_and_the_api(client, monkeypatch):
    monkeypatch.setattr("cms.content.search.MAX_QUERY", 5)
    assert client.get("/search?q=abcdef").status_code == 400
    assert client.get("/api/v1/posts?q=abcdef").status_code == 400
    assert client.get("/api/v1/posts?q=abcde").status_code == 200
