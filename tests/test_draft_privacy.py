"""Nothing about unpublished work reaches visitors: old addresses, images, categories, menus."""

import io
from datetime import timedelta

import pytest
from PIL import Image

from cms.accounts.actors import SYSTEM
from cms.audit import WRITES
from cms.content.categories import save_category
from cms.content.models import Page, Post
from cms.content.records import Redirect
from cms.content.service import publish, save_page, save_post, trash, unpublish
from cms.core import clock
from cms.core.db import db
from cms.media.service import process_upload
from cms.site.models import NavItem, Notice, save_settings


@pytest.fixture
def site(app):
    """The demo site."""
    return app


@pytest.fixture
def do(app):
    """Run one service call in its own app context, as the editor's requests do (requests
    made inside a held context would share its `g`, signed-in user included)."""

    def run(function, *args, **kwargs):
        with app.app_context():
            db.connect(reuse_if_open=True)
            if any(write.function is function for write in WRITES.values()):
                kwargs.setdefault("actor", SYSTEM)  # a service write: done as a server command
            return function(*args, **kwargs)

    return run


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1000, 600), (30, 90, 120)).save(out, "PNG")
    return out.getvalue()


def _image_paths(media) -> list[str]:
    return [f"/media/{media.id}", f"/media/{media.id}/{media.filename}", f"/media/{media.id}/w/480"]


def _anonymous(site):
    return site.test_client()


def test_a_renamed_post_that_became_a_draft_again_keeps_its_new_address_private(site, do):
    post = do(save_post, {"title": "Winter hours", "slug": "winter-hours", "status": "published"})
    post = do(save_post, {"slug": "secret-new-name"}, post)
    visitor = _anonymous(site)
    moved = visitor.get("/blog/winter-hours")
    assert (moved.status_code, moved.headers["Location"]) == (301, "/blog/secret-new-name")
    do(unpublish, post)
    gone = visitor.get("/blog/winter-hours")
    assert gone.status_code == 404
    assert "secret-new-name" not in gone.get_data(as_text=True) + str(gone.headers)
    do(publish, post)  # live again: the old address leads to it again
    assert visitor.get("/blog/winter-hours").headers["Location"] == "/blog/secret-new-name"
    do(trash, post)
    assert visitor.get("/blog/winter-hours").status_code == 404


def test_old_addresses_never_lead_to_scheduled_pages_or_elsewhere(site, do):
    page = do(save_page, {"title": "Fees", "slug": "fees", "status": "published"})
    page = do(save_page, {"slug": "fees-2027"}, page)
    do(publish, page, at=clock.utcnow() + timedelta(days=2))  # scheduled: not live yet
    do(Redirect.create, old_path="/elsewhere", new_path="https://evil.example/")
    do(Redirect.create, old_path="/to-admin", new_path="/admin/posts/")
    visitor = _anonymous(site)
    for path in ("/fees", "/elsewhere", "/to-admin"):
        assert visitor.get(path).status_code == 404, path
    clock.advance(timedelta(days=3))
    assert visitor.get("/fees").headers["Location"] == "/fees-2027"


def test_old_wordpress_query_addresses_lead_only_to_live_posts(site, do):
    draft = do(save_post, {"title": "Unfinished thoughts", "slug": "unfinished-thoughts"})
    do(Redirect.create, old_path="/?p=41", new_path="/blog/unfinished-thoughts")
    visitor = _anonymous(site)
    response = visitor.get("/?p=41")
    assert response.status_code == 200  # the home page, as for an id that names nothing
    assert "unfinished-thoughts" not in response.get_data(as_text=True) + str(response.headers)
    do(publish, draft)
    assert visitor.get("/?p=41").headers["Location"] == "/blog/unfinished-thoughts"


def test_images_of_drafts_are_not_public_until_the_post_is(site, do, client, auth):
    media = do(process_upload, _png(), "plan.png", "A floor plan", actor=SYSTEM)
    post = do(
        save_post, {"title": "New office", "body": f"![A floor plan](/media/{media.id}/plan.png)"}
    )
    visitor = _anonymous(site)
    for path in _image_paths(media):
        assert visitor.get(path).status_code == 404, path  # sequential ids find nothing

    auth.login()  # signed-in editors see every image (previews, the library)...
    for path in _image_paths(media):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"].startswith("private")  # ...for them only

    do(publish, post)
    for path in _image_paths(media):
        response = visitor.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    do(unpublish, post)
    assert visitor.get(f"/media/{media.id}").status_code == 404
    do(publish, post)
    do(trash, post)
    assert visitor.get(f"/media/{media.id}").status_code == 404


def test_images_of_scheduled_posts_appear_at_their_time(site, do):
    media = do(process_upload, _png(), "soon.png", "Soon", actor=SYSTEM)
    post = do(save_post, {"title": "Soon", "body": f"![Soon](/media/{media.id}/soon.png)"})
    do(publish, post, at=clock.utcnow() + timedelta(hours=1))
    visitor = _anonymous(site)
    assert visitor.get(f"/media/{media.id}").status_code == 404
    clock.advance(timedelta(hours=2))
    assert visitor.get(f"/media/{media.id}").status_code == 200


def test_images_shown_by_the_site_itself_are_public(site, do):
    """Featured images of published posts, pages, notices, the menu, the logo."""
    featured, logo, in_page, in_notice, in_menu, unused = (
        do(process_upload, _png(), f"{name}.png", name, actor=SYSTEM)
        for name in ("featured", "logo", "page", "notice", "menu", "unused")
    )
    do(save_post, {"title": "Featured", "status": "published", "featured_image": featured.id})
    do(save_post, {"title": "Draft featured", "featured_image": unused.id})
    do(
        save_page,
        {"title": "With image", "status": "published", "body": f"![x](/media/{in_page.id})"},
    )
    do(save_settings, {"logo_media_id": logo.id})
    do(
        Notice.create,
        key="t",
        label="T",
        body="x",
        body_html=f'<img src="/media/{in_notice.id}/n">',
    )
    do(NavItem.create, label="Map", target="url", url=f"/media/{in_menu.id}/menu.png", position=9)
    visitor = _anonymous(site)
    for media in (featured, logo, in_page, in_notice, in_menu):
        assert visitor.get(f"/media/{media.id}").status_code == 200, media.filename
    assert visitor.get(f"/media/{unused.id}").status_code == 404


def test_a_category_with_only_drafts_is_not_public(site, do):
    category = do(save_category, {"name": "Coming soon", "slug": "coming-soon"})
    post = do(save_post, {"title": "Draft in it", "categories": [category.id]})
    scheduled = do(save_post, {"title": "Later", "categories": [category.id]})
    do(publish, scheduled, at=clock.utcnow() + timedelta(days=1))
    visitor = _anonymous(site)

    def public_traces() -> list[str]:
        found = []
        for path in ("/category/coming-soon", "/category/coming-soon/feed.xml",
                     "/api/v1/posts?category=coming-soon"):  # fmt: skip
            if visitor.get(path).status_code != 404:
                found.append(path)
        for path in ("/sitemap-pages.xml", "/archive", "/api/v1/categories", "/"):
            if "coming-soon" in visitor.get(path).get_data(as_text=True):
                found.append(path)
        return found

    assert public_traces() == []
    do(publish, post)
    assert len(public_traces()) == 6  # every place shows it once a post is published


def test_menu_items_and_notice_links_to_draft_pages_are_hidden(site, do):
    draft = do(save_page, {"title": "Group therapy", "slug": "group-therapy-draft"})
    do(NavItem.create, label="Groups (soon)", target="page", page=draft, position=9)
    do(
        Notice.create, key="groups", label="Groups", body="Groups start soon.",
        body_html="<p>Groups soon.</p>", link_label="Read about groups", link_page=draft,
    )  # fmt: skip
    visitor = _anonymous(site)
    for path in ("/", "/api/v1/notices"):
        body = visitor.get(path).get_data(as_text=True)
        assert "group-therapy-draft" not in body and "Groups (soon)" not in body, path
    do(publish, draft)
    home = visitor.get("/").get_data(as_text=True)
    assert 'href="/group-therapy-draft"' in home and "Groups (soon)" in home
    assert 'href="/group-therapy-draft">Read about groups' in home


def test_scheduled_and_trashed_entries_stay_out_of_every_listing(site, do):
    """Feeds, sitemap, search, archive and the Content API (a regression guard)."""
    scheduled = do(save_post, {"title": "Zebrafish scheduled", "slug": "zebrafish-scheduled"})
    do(publish, scheduled, at=clock.utcnow() + timedelta(days=1))
    gone = do(save_post, {"title": "Zebrafish trashed", "slug": "zebrafish-trashed",
                      "status": "published"})  # fmt: skip
    do(trash, gone)
    visitor = _anonymous(site)
    for path in ("/", "/blog/", "/archive", "/feed.xml", "/sitemap-posts-1.xml",
                 "/search?q=zebrafish", "/api/v1/posts", "/api/v1/posts?q=zebrafish"):  # fmt: skip
        assert "zebrafish-" not in visitor.get(path).get_data(as_text=True), path
    for model in (Post, Page):
        assert not model.public_by_slug("zebrafish-scheduled")


def test_images_of_earlier_policy_versions_stay_public(site, do):
    image = do(process_upload, _png(), "old.png", "Old office", actor=SYSTEM)
    page = do(
        save_page,
        {"title": "Privacy", "slug": "privacy-terms", "is_policy": True, "status": "published",
         "effective_date": "2026-01-01", "body": f"![Old office](/media/{image.id}/old.png)"},
    )  # fmt: skip
    do(save_page, {"effective_date": "2026-06-01", "body": "No picture now."}, page)
    visitor = _anonymous(site)
    old = visitor.get("/privacy-terms/versions/2026-01-01").get_data(as_text=True)
    assert f"/media/{image.id}/old.png" in old
    assert visitor.get(f"/media/{image.id}/old.png").status_code == 200
