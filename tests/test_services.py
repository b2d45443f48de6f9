"""The service layer: validation, slugs, scheduling, revisions, redirects, trash."""

from datetime import UTC, datetime, timedelta

import pytest

from cms.accounts.actors import SYSTEM
from cms.content import service as services
from cms.content.categories import save_category
from cms.content.fields import SLUG_TAKEN
from cms.content.models import Category, Post
from cms.content.records import Redirect, Revision
from cms.content.search_index import SearchEntry
from cms.content.service import publish, restore, save_page, save_post, trash, unpublish
from cms.content.slugs import make_slug
from cms.core import clock
from cms.core.validation import ConflictError, ValidationError


def test_slug_is_generated_unique_and_ascii(ctx):
    first = save_post({"title": "Café & Thérapie: été 2026!"}, actor=SYSTEM)
    second = save_post({"title": "Café & Thérapie: été 2026!"}, actor=SYSTEM)
    assert first.slug == "cafe-therapie-ete-2026"
    assert second.slug == "cafe-therapie-ete-2026-2"
    assert make_slug("日本語") != "" and make_slug("") == "untitled"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "body": "x" * 200_001}, "body"),
        ({"title": "ok", "slug": "has spaces"}, "slug"),
        ({"title": "ok", "slug": "ünïcode"}, "slug"),
        ({"title": "ok", "status": "pending"}, "status"),
        ({"title": "ok", "published_at": "yesterday"}, "published_at"),
        ({"title": "ok", "categories": ["no-such-category"]}, "categories"),
        ({"title": "ok", "meta_description": "m" * 301}, "meta_description"),
        ({"title": "nul\x00byte"}, "title"),
    ],
)
def test_bad_input_is_refused_with_field_errors(ctx, data, field):
    count = Post.select().count()
    with pytest.raises(ValidationError) as caught:
        save_post(data, actor=SYSTEM)
    assert field in caught.value.errors
    assert Post.select().count() == count


def test_duplicate_slug_is_a_conflict_and_changes_nothing(ctx):
    post = Post.get(Post.slug == "small-habits-for-difficult-weeks")
    with pytest.raises(ConflictError):
        save_post(
            {"title": "Changed", "slug": "understanding-anxiety-a-short-guide"}, post, actor=SYSTEM
        )
    assert Post.get_by_id(post.id).title == "Small habits for difficult weeks"


def test_reserved_page_slugs_are_refused(ctx):
    with pytest.raises(ValidationError):
        save_page({"title": "Admin", "slug": "admin"}, actor=SYSTEM)
    assert save_page({"title": "Search"}, actor=SYSTEM).slug == "search-page"


def test_timezone_aware_publish_time_is_stored_as_utc(ctx):
    aware = datetime(2026, 6, 1, 9, 0, tzinfo=UTC) + timedelta(hours=0)
    post = save_post(
        {"title": "Aware", "status": "published", "published_at": "2026-06-01T05:00:00-04:00"},
        actor=SYSTEM,
    )
    assert post.published_at == aware.replace(tzinfo=None)


def test_schedule_publish_unpublish_and_revisions(ctx):
    post = save_post({"title": "Draft", "body": "One"}, actor=SYSTEM)
    assert not post.is_visible
    publish(post, at=clock.utcnow() + timedelta(hours=1), actor=SYSTEM)
    assert post.is_scheduled and Post.public_by_slug("draft") is None
    clock.advance(timedelta(hours=1))
    assert Post.public_by_slug("draft") is not None
    unpublish(post, actor=SYSTEM)
    assert Post.public_by_slug("draft") is None
    notes = [r.note for r in Revision.history("post", post.id)]
    assert notes == ["unpublished", "scheduled", ""]


def test_slug_change_redirect_chain_points_to_newest(ctx):
    post = save_post({"title": "First name", "status": "published"}, actor=SYSTEM)
    save_post({"slug": "second-name"}, post, actor=SYSTEM)
    save_post({"slug": "third-name"}, post, actor=SYSTEM)
    targets = {r.old_path: r.new_path for r in Redirect.select()}
    assert targets["/blog/first-name"] == "/blog/third-name"
    assert targets["/blog/second-name"] == "/blog/third-name"
    save_post({"slug": "first-name"}, post, actor=SYSTEM)  # back to the first: no redirect loop
    assert not Redirect.select().where(Redirect.old_path == "/blog/first-name").exists()


def test_trash_and_restore_keep_search_in_step(ctx):
    post = save_post(
        {"title": "Quokka facts", "body": "Quokka", "status": "published"}, actor=SYSTEM
    )
    assert SearchEntry.select().where(SearchEntry.match("quokka")).count() == 1
    trash(post, actor=SYSTEM)
    assert Post.public_by_slug(post.slug) is None
    assert SearchEntry.select().where(SearchEntry.match("quokka")).count() == 0
    restore(post, actor=SYSTEM)
    assert Post.public_by_slug(post.slug) is not None
    assert SearchEntry.select().where(SearchEntry.match("quokka")).count() == 1


def test_categories_rename_redirects(ctx):
    cat = save_category({"name": "Grief"}, actor=SYSTEM)
    assert cat.slug == "grief"
    with pytest.raises(ConflictError):
        save_category({"name": "FAQ again", "slug": "faq"}, actor=SYSTEM)
    save_category({"name": "Grief and loss", "slug": "grief-and-loss"}, cat, actor=SYSTEM)
    assert Category.get_by_id(cat.id).name == "Grief and loss"
    moved = Redirect.get(Redirect.old_path == "/category/grief")
    assert moved.new_path == "/category/grief-and-loss"


def test_body_html_is_rendered_and_sanitized_at_save(ctx):
    body = "<img src=x onerror=alert(1)>[a](javascript:alert(1))"
    post = save_post({"title": "Hostile", "body": body}, actor=SYSTEM)
    assert "onerror" not in post.body_html and "javascript" not in post.body_html
    assert post.excerpt == "a"


@pytest.fixture
def rival_takes(monkeypatch):
    """rival_takes(slug): another worker saves a post with `slug` just after validation."""

    def arrange(slug: str) -> None:
        validate = services.validate_entry

        def validate_then_lose_the_race(model, data, entry):
            clean = validate(model, data, entry)
            Post.create(title="Rival", slug=slug)  # committed before our write begins
            return clean

        monkeypatch.setattr(services, "validate_entry", validate_then_lose_the_race)

    return arrange


def test_concurrent_save_of_a_chosen_slug_is_a_conflict_not_a_crash(ctx, rival_takes):
    rival_takes("winter-hours")
    count = Post.select().count()
    with pytest.raises(ConflictError) as caught:
        save_post({"title": "Winter hours", "slug": "winter-hours"}, actor=SYSTEM)
    assert caught.value.errors == {"slug": SLUG_TAKEN}
    assert Post.select().count() == count + 1  # only the rival's post
    assert not Revision.select().where(Revision.title == "Winter hours").exists()


def test_concurrent_save_of_a_generated_slug_takes_the_next_free_one(ctx, rival_takes):
    rival_takes("winter-hours")
    assert save_post({"title": "Winter hours"}, actor=SYSTEM).slug == "winter-hours-2"
