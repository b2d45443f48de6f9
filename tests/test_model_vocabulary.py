"""The models carry their queries (drafts, scheduled, live, trashed, with_counts) and URLs."""

import re
from datetime import timedelta
from pathlib import Path

from cms.content.models import Category, Page, Post, PostCategory
from cms.core import clock
from cms.core.templating import site_url
from cms.media.models import Media

ROOT = Path(__file__).resolve().parent.parent
# Where public addresses are built: none of them spells a URL shape itself.
URL_USERS = [
    ROOT / "cms/core/templating.py",
    ROOT / "cms/api/serializers.py",
    *(ROOT / "cms/public").glob("*.py"),
    *(ROOT / "templates/public").glob("*"),
    ROOT / "templates/_macros.html",
]
SHAPES = re.compile(
    r"f\"/(?:blog|category|media)/\{|url_for\('public\.(?:post_detail|page_detail|category|"
    r"category_feed|media)', (?:slug|media_id)=\w+\.(?:slug|id)\)"
)


def _entries(model):
    now = clock.utcnow()
    rows = {
        "draft": model.create(title="Draft", slug="a-draft"),
        "live": model.create(
            title="Live", slug="a-live", status="published", published_at=now - timedelta(1)
        ),
        "scheduled": model.create(
            title="Later", slug="a-later", status="published", published_at=now + timedelta(1)
        ),
        "trashed": model.create(
            title="Gone", slug="a-gone", status="published", published_at=now, deleted_at=now
        ),
    }
    return {name: row.id for name, row in rows.items()}


def _ids(query) -> set[int]:
    return {row.id for row in query}


def test_entries_fall_in_the_lists_their_state_says(empty_app):
    with empty_app.app_context():
        for model in (Post, Page):
            ids = _entries(model)
            assert _ids(model.drafts()) == {ids["draft"]}
            assert _ids(model.live()) == {ids["live"]}
            assert _ids(model.scheduled()) == {ids["scheduled"]}
            assert _ids(model.trashed()) == {ids["trashed"]}
            assert _ids(model.current()) == {ids["draft"], ids["live"], ids["scheduled"]}
            clock.advance(timedelta(days=2))  # the scheduled one goes live by itself
            assert _ids(model.live()) == {ids["live"], ids["scheduled"]}
            assert _ids(model.scheduled()) == set()
            clock.reset()


def test_categories_with_counts_count_live_posts_only(empty_app):
    with empty_app.app_context():
        ids = _entries(Post)
        category = Category.create(name="FAQ", slug="faq")
        Category.create(name="Empty", slug="empty")
        for post_id in ids.values():
            PostCategory.create(post=post_id, category=category)
        assert [(c.slug, c.post_count) for c in Category.with_counts()] == [("faq", 1)]


def test_one_url_helper_per_kind(empty_app):
    with empty_app.test_request_context():
        post = Post(slug="small-habits")
        page = Page(slug="fees")
        category = Category(slug="faq")
        image = Media(id=7)
        assert post.url == "/blog/small-habits" == Post.url_of("small-habits")
        assert page.url == "/fees" and category.url == "/category/faq"
        assert category.feed_url == "/category/faq/feed.xml"
        assert image.url == "/media/7" == Media.url_of(7)
        assert Post(slug="odd slug?").url == "/blog/odd%20slug%3F"  # encoded like url_for
        assert site_url(post.url) == "http://localhost/blog/small-habits"


def test_public_code_and_templates_spell_no_url_shape():
    found = {path.name: SHAPES.findall(path.read_text()) for path in URL_USERS if path.is_file()}
    assert len(found) > 10  # the files were read
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_served_links_come_from_the_models(app, client):
    with app.app_context():
        post = Post.live().first()
        category = Category.with_counts().first()
    assert f'href="{post.url}"' in client.get("/blog/").get_data(as_text=True)
    assert f'href="{category.url}"' in client.get("/archive").get_data(as_text=True)
    api = client.get(f"/api/v1/posts/{post.slug}").json
    assert api["url"] == "http://localhost" + post.url
    feed = client.get("/feed.xml").get_data(as_text=True)
    assert f'href="http://localhost{post.url}"' in feed
