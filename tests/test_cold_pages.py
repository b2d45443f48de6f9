"""Pages rendered without the page cache: the same number of queries however many posts
the site has, and the site chrome (settings, menu, notices, footer) kept once per content
version, in both cache modes, and never older than the last change."""

from datetime import timedelta

import pytest

from cms.accounts.actors import SYSTEM
from cms.content.models import Category, Post
from cms.content.service import save_post
from cms.core import clock
from cms.core.db import db
from cms.site.models import save_settings

PAGES = {
    "home": "/",
    "blog": "/blog/",
    "post": "/blog/small-habits-for-difficult-weeks",
    "category": None,  # filled in: the demo's first category
    "archive": "/archive",
    "search": "/search?q=habits",
    "feed": "/feed.xml",
    "sitemap": "/sitemap.xml",
    "sitemap part": "/sitemap-posts-1.xml",
    "api list": "/api/v1/posts?limit=20",
    "missing post": "/blog/no-such-post",
}


def queries(client, path: str) -> int:
    """SQL statements one request runs (the change check's pragma is not a query)."""
    counted = []
    execute = db.execute_sql
    db.execute_sql = lambda sql, *a, **k: counted.append(sql) or execute(sql, *a, **k)
    try:
        client.get(path)
    finally:
        del db.execute_sql
    return len(counted)


@pytest.fixture
def uncached(app):
    app.config["PAGE_CACHE"] = False
    with app.app_context():
        category = Category.select().order_by(Category.id).first()
    return app, {**PAGES, "category": category.url}


def _add_posts(app, count: int, category) -> None:
    with app.app_context():
        for n in range(count):
            save_post(
                {
                    "title": f"Habits and rest, part {n}",
                    "body": f"Habits for week {n}.",
                    "status": "published",
                    "published_at": clock.utcnow() - timedelta(hours=n + 1),
                    "categories": [category],
                },
                actor=SYSTEM,
            )


def _counts(client, pages) -> dict:
    for path in pages.values():
        client.get(path)  # the chrome of this content version is made once, here
    return {name: queries(client, path) for name, path in pages.items()}


def test_queries_per_page_do_not_grow_with_the_number_of_posts(uncached):
    app, pages = uncached
    client = app.test_client()
    before = _counts(client, pages)
    with app.app_context():
        category = Category.select().order_by(Category.id).first().slug
    _add_posts(app, 45, category)
    after = _counts(client, pages)
    # Search asks how many matches lie past its ranking window only when there is a next
    # page, and reads posts and pages apart: a bounded number, whatever the site's size.
    assert after.pop("search") <= 10 and before.pop("search") <= 10
    assert after == before
    assert before["home"] <= 2 and before["post"] <= 7  # the chrome costs no query


def test_the_chrome_is_kept_without_the_page_cache_and_follows_every_change(uncached):
    app, pages = uncached
    client = app.test_client()
    client.get("/")
    with app.app_context():
        save_settings({"site_title": "Calm Waters Counselling"})
    first = queries(client, "/")
    html = client.get("/").get_data(as_text=True)
    assert "<title>Calm Waters Counselling</title>" in html
    assert queries(client, "/") < first  # made again once, then kept
    with app.app_context():
        save_post(
            {"title": "Due soon", "body": "Soon.", "status": "published",
             "published_at": clock.utcnow() + timedelta(minutes=5)},
            actor=SYSTEM,
        )  # fmt: skip
        (due,) = Post.select().where(Post.slug == "due-soon")
    assert client.get(due.url).status_code == 404
    clock.advance(timedelta(minutes=6))
    assert client.get(due.url).status_code == 200
    assert "Due soon" in client.get("/").get_data(as_text=True)
