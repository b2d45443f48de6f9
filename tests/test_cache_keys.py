"""The page cache keys on the query arguments each view declares, keeps to its byte
budget, and keeps no images."""

import re

from flask import Response

from cms.accounts.actors import SYSTEM
from cms.content.models import Post
from cms.content.records import Redirect
from cms.content.service import save_post
from cms.core import cache
from cms.core.cache import page_cache
from cms.core.db import db


def _entries(path: str) -> list[str]:
    return [key for key in page_cache.entries if key.split("?")[0] == path]


def test_junk_query_strings_make_no_new_entries(client):
    first = client.get("/blog/")
    size = page_cache.size
    junk = [f"utm_source=news{n}" for n in range(250)] + [f"v={n}" for n in range(250)]
    for query in junk:
        response = client.get(f"/blog/?{query}&fbclid=x{query}")
        assert response.headers["X-Cache"] == "hit" and response.data == first.data
    assert _entries("/blog/") == ["/blog/"]
    assert page_cache.size == size


def test_declared_arguments_still_make_their_own_pages(app, client):
    with app.app_context():
        for n in range(25):  # a second page of the blog
            save_post(
                {"title": f"Paged post {n}", "body": "Text", "status": "published"}, actor=SYSTEM
            )
    first = client.get("/blog/").get_data(as_text=True)
    older = re.search(r'href="(/blog/\?before=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older)
    assert second.headers["X-Cache"] == "miss" and second.data != first.encode()
    again = client.get(older + "&utm_medium=mail")
    assert again.headers["X-Cache"] == "hit" and again.data == second.data
    assert client.get("/search?q=therapy").headers["X-Cache"] == "miss"
    assert client.get("/search?q=therapy&ref=x").headers["X-Cache"] == "hit"
    assert sorted(_entries("/blog/")) == ["/blog/", older.split("&")[0]]


def test_views_see_only_their_arguments(client):
    """What is kept for a key is what any request with that key would get: the view does
    not see the other arguments (the Content API's next link used to copy them)."""
    data = client.get("/api/v1/posts?limit=1&utm_source=x&limit=7").get_json()
    assert data["next"] and "utm_source" not in data["next"] and "limit=1" in data["next"]
    canonical = client.get("/search?q=therapy&page=1&gclid=z").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/search?q=therapy&amp;page=1">' in (
        canonical
    )


def test_old_wordpress_addresses_are_left_to_their_hook(app, client):
    with app.app_context():
        db.connect(reuse_if_open=True)
        slug = Post.select().where(Post.status == "published").first().slug
        Redirect.create(old_path="/?p=41", new_path=f"/blog/{slug}")
    assert client.get("/").headers["X-Cache"] == "miss"
    assert client.get("/?p=41").headers["Location"] == f"/blog/{slug}"
    entries = len(page_cache.entries)
    for n in range(100, 150):  # unknown old numbers: the home page, not kept again
        assert client.get(f"/?p={n}").status_code == 200
    assert len(page_cache.entries) == entries


def test_the_byte_budget_holds_however_keys_vary(client, monkeypatch):
    assert cache.PageCache().max_bytes == 32 * 2**20  # the documented default per worker
    monkeypatch.setattr(page_cache, "max_bytes", 60_000)
    for n in range(120):
        client.get(f"/search?q=session{n}")
        client.get(f"/category/no-such-{n}")
        assert page_cache.size <= 60_000
    assert page_cache.size == sum(len(entry.body) for entry in page_cache.entries.values())


def test_images_are_not_kept(app):
    with app.test_request_context("/media/1/photo.jpg"):
        from flask import request

        request.environ["cms.cache_key"] = "/media/1/photo.jpg"
        cache.store(Response(b"\xff\xd8" + b"x" * 5000, mimetype="image/jpeg"))
        cache.store(Response(b"<p>page</p>", mimetype="text/html"))
    assert list(page_cache.entries) == ["/media/1/photo.jpg"]
    assert page_cache.entries["/media/1/photo.jpg"].mimetype == "text/html"
