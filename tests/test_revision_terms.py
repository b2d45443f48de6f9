"""Revisions keep a post's tags and categories and an entry's SEO title and social image
(migration 0017): a restore brings them back, leaving out and naming those gone since; a
revision made before they were recorded keeps today's; the compare screen lists their
changes; the portable export keeps them; an older site's revisions survive the upgrade."""

import io
import json
import re
import sqlite3

from PIL import Image

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.content.categories import save_category, trash_category
from cms.content.imported import import_revision
from cms.content.models import Category, Page, Post, Tag
from cms.content.records import Revision
from cms.content.service import restore_revision, save_page, save_post
from cms.content.tags import delete_tag
from cms.core.db import configure, db, migrate
from cms.media.service import delete_media, process_upload
from cms.ops.portable import export_site

TERMS = ("seo_title", "social_image_id", "tags", "categories")


def _image(name: str, alt: str):
    out = io.BytesIO()
    Image.new("RGB", (120, 63), (60, 100, 80)).save(out, "PNG")
    return process_upload(out.getvalue(), name, alt, actor=SYSTEM)


def _tags(post) -> list[str]:
    return [t.name for t in Post.get_by_id(post.id).tag_list]


def _categories(post) -> list[str]:
    return [c.name for c in Post.get_by_id(post.id).category_list]


def _first_and_changed(image=None, other=None):
    """A post saved with tags A and B, a category, an SEO title (and image); then changed."""
    faq = save_category({"name": "Questions asked"}, actor=SYSTEM)
    news = save_category({"name": "Practice news"}, actor=SYSTEM)
    post = save_post(
        {"title": "Terms", "body": "Text.", "tags": ["A", "B"], "categories": [faq.id],
         "seo_title": "First SEO title", "social_image": image and image.id},
        actor=SYSTEM,
    )  # fmt: skip
    first = Revision.history("post", post.id).first()
    save_post(
        {"tags": ["C"], "categories": [news.id], "seo_title": "Second SEO title",
         "social_image": other and other.id},
        post, actor=SYSTEM,
    )  # fmt: skip
    return post, first


def test_restoring_the_first_revision_brings_its_tags_categories_and_seo_back(ctx):
    image, other = _image("first.png", "A path"), _image("second.png", "A lake")
    post, first = _first_and_changed(image, other)
    assert _tags(post) == ["C"] and _categories(post) == ["Practice news"]
    restored = restore_revision(first, actor=SYSTEM)
    assert _tags(post) == ["A", "B"]
    assert _categories(post) == ["Questions asked"]
    assert restored.seo_title == "First SEO title"
    assert Post.get_by_id(post.id).social_image_id == image.id
    newest = Revision.history("post", post.id).first()
    assert [t["name"] for t in json.loads(newest.tags)] == ["A", "B"]  # the restore is recorded
    assert newest.seo_title == "First SEO title" and newest.social_image_id == image.id


def test_a_revision_from_before_they_were_recorded_keeps_todays(ctx):
    post, first = _first_and_changed()
    Revision.update({getattr(Revision, name): None for name in TERMS}).where(
        Revision.id == first.id
    ).execute()  # as migration 0017 leaves a revision made before it
    restore_revision(Revision.get_by_id(first.id), actor=SYSTEM)
    assert _tags(post) == ["C"] and _categories(post) == ["Practice news"]
    assert Post.get_by_id(post.id).seo_title == "Second SEO title"
    assert Post.get_by_id(post.id).title == "Terms"


def test_a_recorded_empty_list_clears_todays_tags(ctx):
    post = save_post({"title": "Bare", "body": "Text."}, actor=SYSTEM)
    bare = Revision.history("post", post.id).first()
    assert (bare.tags, bare.categories, bare.seo_title) == ("[]", "[]", "")  # none, recorded
    save_post({"tags": ["Later"], "seo_title": "Later title"}, post, actor=SYSTEM)
    restore_revision(bare, actor=SYSTEM)
    assert _tags(post) == [] and Post.get_by_id(post.id).seo_title == ""


def test_a_page_revision_keeps_its_seo_title_and_no_taxonomy(ctx):
    page = save_page({"title": "About", "body": "Text.", "seo_title": "About me"}, actor=SYSTEM)
    first = Revision.history("page", page.id).first()
    assert (first.seo_title, first.tags, first.categories) == ("About me", None, None)
    save_page({"seo_title": "Changed"}, page, actor=SYSTEM)
    restore_revision(first, actor=SYSTEM)
    assert Page.get_by_id(page.id).seo_title == "About me"


def test_a_tag_category_or_image_gone_since_is_left_out_and_named(client, auth, app):
    with app.app_context():
        image, other = _image("gone.png", "Gone"), _image("kept.png", "Kept")
        post, first = _first_and_changed(image, other)
        delete_tag(Tag.get(Tag.name == "B"), actor=SYSTEM)
        trash_category(Category.get(Category.slug == "questions-asked"), actor=SYSTEM)
        delete_media(image, actor=SYSTEM)
    auth.login()
    url = f"/admin/posts/{post.id}/revisions/{first.id}/restore"
    page = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "The earlier version was restored (as a new revision)." in page
    assert "the social image, the tag “B”, the category “Questions asked”" in page
    with app.app_context():
        assert _tags(post) == ["A"] and _categories(post) == []
        restored = Post.get_by_id(post.id)
        assert restored.seo_title == "First SEO title"
        assert restored.social_image_id == other.id  # the deleted one is not put back


def test_the_compare_screen_lists_tag_category_and_seo_changes(client, auth, app):
    with app.app_context():
        image = _image("share.png", "A path through a forest")
        post, first = _first_and_changed(image)
        second = Revision.history("post", post.id).first()
    auth.login("editor@example.org")
    html = client.get(f"/admin/posts/{post.id}/revisions/diff?a={first.id}&b={second.id}").text
    rows = _rows(html)
    assert rows["Tags"] == ("A, B", "C")
    assert rows["Categories"] == ("Questions asked", "Practice news")
    assert rows["SEO title"] == ("First SEO title", "Second SEO title")
    assert rows["Social image"] == ("A path through a forest (share.png)", "none")
    assert "Title" not in rows  # unchanged fields stay out


def test_the_compare_screen_says_when_they_were_not_recorded(client, auth, app):
    with app.app_context():
        post, first = _first_and_changed()
        second = Revision.history("post", post.id).first()
        Revision.update(tags=None).where(Revision.id == first.id).execute()
    auth.login()
    html = client.get(f"/admin/posts/{post.id}/revisions/diff?a={first.id}&b={second.id}").text
    assert _rows(html)["Tags"] == ("not recorded", "C")


def _rows(html: str) -> dict[str, tuple[str, str]]:
    """The compare screen's table of changed fields: label -> (before, after)."""
    pattern = r'<th scope="row">([^<]*)</th><td><del>([^<]*)</del></td><td><ins>([^<]*)</ins>'
    return {label: (old, new) for label, old, new in re.findall(pattern, html)}


def test_the_portable_export_keeps_them_and_an_older_export_records_none(ctx, tmp_path):
    post, first = _first_and_changed()
    export_site(str(tmp_path / "out"))
    content = json.loads((tmp_path / "out" / "content.json").read_text())
    exported = [r for r in content["revisions"] if r["entry"] == post.slug]
    assert exported[0]["tags"] == ["A", "B"] and exported[0]["categories"] == ["questions-asked"]
    assert exported[0]["seo_title"] == "First SEO title" and exported[-1]["tags"] == ["C"]
    older = ("seo_title", "social_image", "tags", "categories")  # what 0017 added
    old = {k: v for k, v in exported[0].items() if k not in older}
    made = import_revision("post", post.id, old, None, first.created_at, actor=SYSTEM)
    assert [getattr(made, name) for name in TERMS] == [None] * 4  # an export made before 0017
    full = import_revision("post", post.id, exported[0], None, first.created_at, actor=SYSTEM)
    assert [t["name"] for t in json.loads(full.tags)] == ["A", "B"]
    asked = Category.get(Category.slug == "questions-asked")
    assert json.loads(full.categories)[0]["id"] == asked.id


def test_migration_0017_keeps_an_older_sites_revisions(tmp_path):
    path = str(tmp_path / "cms.sqlite3")
    configure(path)
    db.connect()
    migrate("0016_post_sitemap_index")
    db.execute_sql(
        "INSERT INTO post (title, slug, body, body_html, excerpt, excerpt_typed,"
        " meta_description, status, published_at, created_at, updated_at, seo_title) VALUES"
        " ('Old', 'old', 'Now', '<p>Now</p>', '', 0, '', 'published', '2020-01-01 00:00:00',"
        " '2020-01-01 00:00:00', '2020-01-02 00:00:00', 'Today''s SEO title')"
    )
    db.execute_sql("INSERT INTO tag (name, slug) VALUES ('Kept', 'kept')")
    db.execute_sql("INSERT INTO post_tag (post_id, tag_id) VALUES (1, 1)")
    db.execute_sql(
        "INSERT INTO revision (kind, object_id, title, slug, body, excerpt, excerpt_typed,"
        " meta_description, status, created_at, note, autosave) VALUES ('post', 1, 'Old',"
        " 'old', 'Before', '', 0, '', 'published', '2020-01-01 00:00:00', '', 0)"
    )
    db.close()
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t", "TESTING": True})
    with app.app_context():
        db.connect(reuse_if_open=True)
        old = Revision.get_by_id(1)
        assert (old.title, old.body) == ("Old", "Before")
        assert [getattr(old, name) for name in TERMS] == [None] * 4
        restore_revision(old, actor=SYSTEM)
        post = Post.get_by_id(1)
        assert post.body == "Before"
        assert [t.name for t in post.tag_list] == ["Kept"] and post.seo_title == "Today's SEO title"
        assert json.loads(Revision.history("post", 1).first().tags)[0]["name"] == "Kept"
    db.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM revision").fetchone() == (2,)
    conn.close()


def test_a_tag_id_taken_by_a_new_tag_does_not_stand_for_the_old_one(ctx):
    post, first = _first_and_changed()
    b = Tag.get(Tag.name == "B")
    delete_tag(Tag.get(Tag.name == "C"), actor=SYSTEM)  # C had the highest id: B's is next
    delete_tag(b, actor=SYSTEM)
    newcomer = Tag.create(name="Unrelated", slug="unrelated")
    assert newcomer.id == b.id  # SQLite hands the freed highest id out again
    restore_revision(first, actor=SYSTEM)
    assert _tags(post) == ["A"]
