"""The Content API: published content only, JSON shape, keyset paging, caching, CORS."""

import json
from datetime import datetime, timedelta

import pytest

from cms.accounts.actors import SYSTEM
from cms.content import service as services
from cms.content.categories import save_category
from cms.content.models import Post
from cms.core import clock
from cms.site.models import save_settings


@pytest.fixture
def app(empty_app):
    """The app without demo content (quicker to build); URLs under http://localhost."""
    empty_app.config["SITE_URL"] = "http://localhost"
    return empty_app


def _json(response):
    assert response.mimetype in ("application/json", "application/problem+json")
    return json.loads(response.get_data(as_text=True))


def _all_items(client, url):
    """Follow `next` links to the end; return every item."""
    items = []
    while url:
        data = _json(client.get(url))
        items += data["items"]
        url = data["next"] and data["next"].replace("http://localhost", "")
    return items


@pytest.fixture
def site(ctx):
    """A published post in a category, plus a draft, a scheduled and a trashed post."""
    cat = save_category({"name": "Grief"}, actor=SYSTEM)
    live = services.save_post(
        {"title": "On grief", "body": "Grief *comes* in waves.", "status": "published",
         "categories": ["grief"]}, actor=SYSTEM
    )  # fmt: skip
    services.save_post({"title": "Secret draft", "body": "Not yet"}, actor=SYSTEM)
    future = clock.utcnow() + timedelta(days=3)
    services.save_post(
        {"title": "Scheduled one", "status": "published", "published_at": future}, actor=SYSTEM
    )
    gone = services.save_post({"title": "Trashed one", "status": "published"}, actor=SYSTEM)
    services.trash(gone, actor=SYSTEM)
    services.save_page(
        {"title": "Fees", "body": "Sliding scale.", "status": "published"}, actor=SYSTEM
    )
    services.save_page({"title": "Draft page", "body": "Not yet."}, actor=SYSTEM)
    return {"category": cat, "post": live}


def test_post_object_has_markdown_html_iso_dates_and_public_url(client, site):
    data = _json(client.get("/api/v1/posts/on-grief"))
    assert data["body"] == "Grief *comes* in waves."
    assert data["body_html"].strip() == "<p>Grief <em>comes</em> in waves.</p>"
    assert data["url"] == "http://localhost/blog/on-grief"
    assert data["categories"] == ["grief"] and data["status"] == "published"
    for field in ("published_at", "created_at", "updated_at"):
        assert datetime.fromisoformat(data[field]).utcoffset() == timedelta(0)
    assert "author" not in data and "email" not in json.dumps(data)


def test_drafts_scheduled_and_trashed_posts_are_invisible(client, site):
    titles = {item["title"] for item in _all_items(client, "/api/v1/posts?limit=100")}
    assert "On grief" in titles
    assert not titles & {"Secret draft", "Scheduled one", "Trashed one"}
    for slug in ("secret-draft", "scheduled-one", "trashed-one"):
        response = client.get(f"/api/v1/posts/{slug}")
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert client.get("/api/v1/posts?q=secret").get_json()["items"] == []


def test_scheduled_post_appears_when_its_time_comes(client, site):
    clock.advance(timedelta(days=4))
    assert client.get("/api/v1/posts/scheduled-one").status_code == 200


def test_keyset_paging_walks_every_post_once_in_order(client, ctx):
    base = clock.utcnow() - timedelta(days=100)
    for n in range(45):  # some share a publication time, so the id breaks ties
        services.save_post({"title": f"Note {n}", "status": "published",
                            "published_at": base + timedelta(hours=n // 3)},
                           actor=SYSTEM)  # fmt: skip
    expected = [(p.published_at, p.id) for p in Post.live()]
    first = _json(client.get("/api/v1/posts?limit=20"))
    assert len(first["items"]) == 20 and first["next"].startswith("http://localhost/api/v1/posts?")
    items = _all_items(client, "/api/v1/posts?limit=20")
    assert [i["id"] for i in items] == [pid for _, pid in expected]


def test_category_filter_and_search(client, site):
    in_cat = _json(client.get("/api/v1/posts?category=grief"))["items"]
    assert [i["slug"] for i in in_cat] == ["on-grief"]
    found = _json(client.get("/api/v1/posts?q=wave"))["items"]
    assert [i["slug"] for i in found] == ["on-grief"]
    missing = client.get("/api/v1/posts?category=nope")
    assert missing.status_code == 404 and "category" in _json(missing)["detail"]


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "limit=abc", "cursor=%%%", "cursor=bm90LWEta2V5", "q=" + "x" * 201],
)
def test_bad_parameters_get_a_clear_400(client, query):
    response = client.get(f"/api/v1/posts?{query}")
    assert response.status_code == 400
    body = _json(response)
    assert response.mimetype == "application/problem+json" and body["status"] == 400
    assert body["detail"]


def test_pages_categories_notices_and_settings(client, site):
    pages = _all_items(client, "/api/v1/pages")
    assert [p["url"] for p in pages] == ["http://localhost/fees"]
    assert client.get("/api/v1/pages/draft-page").status_code == 404
    one = _json(client.get(f"/api/v1/pages/{pages[0]['slug']}"))
    assert one["id"] == pages[0]["id"] and "is_policy" in one
    cats = {c["slug"]: c for c in _json(client.get("/api/v1/categories"))["items"]}
    assert cats["grief"]["post_count"] == 1
    assert cats["grief"]["url"] == "http://localhost/category/grief"
    settings = _json(client.get("/api/v1/settings"))
    assert "site_title" in settings and "demo_content" not in settings
    assert "editors_can_read_messages" not in settings


def test_notices_follow_the_availability_state(client, ctx):
    save_settings({"availability": "accepting"})
    data = _json(client.get("/api/v1/notices"))
    assert data["availability"]["state"] == "accepting"
    keys = {n["key"] for n in data["items"]}
    assert "availability-accepting" in keys and "availability-not-accepting" not in keys
    save_settings({"availability": "waitlist"})
    keys = {n["key"] for n in _json(client.get("/api/v1/notices"))["items"]}
    assert "availability-waitlist" in keys and "availability-accepting" not in keys


def test_hidden_office_address_stays_hidden(client, ctx):
    save_settings({"office_address": "12 Quiet Lane", "show_office_address": False})
    assert _json(client.get("/api/v1/settings"))["office_address"] == ""
    save_settings({"show_office_address": True})
    assert _json(client.get("/api/v1/settings"))["office_address"] == "12 Quiet Lane"


def test_etag_and_304_and_public_caching(client, site):
    first = client.get("/api/v1/posts")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/posts", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    services.save_post({"title": "Fresh", "status": "published"}, actor=SYSTEM)
    changed = client.get("/api/v1/posts", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_content_api_sets_no_cookie_even_for_a_signed_in_editor(client, auth):
    auth.login()
    response = client.get("/api/v1/posts")
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_cors_only_for_configured_origins(app, client):
    app.config["API_CORS_ORIGINS"] = ["https://front.example"]
    allowed = client.get("/api/v1/posts", headers={"Origin": "https://front.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://front.example"
    other = client.get("/api/v1/posts", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options(
        "/api/v1/posts",
        headers={"Origin": "https://front.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    admin = client.get("/api/v1/admin/posts", headers={"Origin": "https://front.example"})
    assert "Access-Control-Allow-Origin" not in admin.headers


def test_unknown_api_address_and_method_are_problem_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.post("/api/v1/posts")
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"


def test_a_crafted_cursor_from_the_future_reveals_no_scheduled_post(client, site):
    future = (clock.utcnow() + timedelta(days=30)).strftime("%Y%m%d%H%M%S")
    cursor = f"{future}-1"
    titles = {i["title"] for i in _json(client.get(f"/api/v1/posts?cursor={cursor}"))["items"]}
    assert "On grief" in titles and "Scheduled one" not in titles
