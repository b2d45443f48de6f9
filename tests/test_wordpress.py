"""Moving in from WordPress: content, dates, categories, images, redirects, safety, reruns."""

from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from cms.accounts.actors import SYSTEM
from cms.accounts.users import create_user
from cms.content.models import Category, Page, Post
from cms.content.records import Redirect
from cms.core.db import db
from cms.media.models import Media
from cms.ops.wordpress.importer import import_wordpress
from cms.ops.wordpress.wxr import WxrError

DATA = Path(__file__).parent / "data" / "wordpress"
EXPORT = str(DATA / "practice.xml")


@pytest.fixture
def uploads(tmp_path):
    """A wp-content/uploads folder with the full-size image and WordPress's smaller copy."""
    folder = tmp_path / "uploads" / "2019" / "05"
    folder.mkdir(parents=True)
    Image.new("RGB", (900, 600), (90, 140, 170)).save(folder / "calm.jpg", "JPEG")
    Image.new("RGB", (300, 200), (90, 140, 170)).save(folder / "calm-300x200.jpg", "JPEG")
    (tmp_path / "secret.jpg").write_bytes(b"outside the uploads folder")
    return tmp_path / "uploads"


@pytest.fixture
def site(empty_app):
    with empty_app.app_context():
        db.connect(reuse_if_open=True)
        create_user("jane@example.org", "correct horse battery", "admin", "Dr Jane", actor=SYSTEM)
        yield empty_app


def test_posts_pages_and_their_content(site, uploads):
    summary = import_wordpress(EXPORT, str(uploads))
    assert summary.imported["posts"] == 5 and summary.imported["pages"] == 3
    post = Post.get(Post.slug == "coping-with-anxiety")
    assert post.status == "published"
    assert post.published_at == datetime(2019, 5, 21, 18, 30)  # the GMT date
    assert post.created_at == datetime(2019, 5, 21, 18, 30)
    assert post.author.email == "jane@example.org"
    assert post.excerpt == "How to cope with anxiety."
    body = post.body
    assert body.startswith("Anxiety is a **normal** response to stress.\n\nHere are some")
    assert "- Slow breathing\n- A walk outside" in body
    assert "[sic]" in body  # bracketed text that is not a shortcode stays
    assert "contact-form-7" not in body and "[caption" not in body and "[embed" not in body
    assert "https://www.youtube.com/watch?v=abc123" in body  # the embed is now a link
    assert "*A calm lake*" in body  # the caption
    assert "[what to expect](/blog/first-session)" in body  # old internal link, now the new one
    assert "oldpractice.example" not in body
    assert "youtube" not in post.body_html.split("<a")[0]  # no embed, only a link
    (image,) = Media.select()
    assert f"![](/media/{image.id}/calm.jpg)" in body
    assert post.featured_image_id == image.id
    assert image.alt == "A calm lake at dawn" and image.width == 900  # the original size
    about = Page.get(Page.slug == "about")
    assert about.body.startswith("## My approach\n\nI am a registered psychotherapist.\\\n")


def test_html_markdown_cannot_express_stays_sanitized_html(site, uploads):
    summary = import_wordpress(EXPORT, str(uploads))
    post = Post.get(Post.slug == "first-session")
    assert '<td colspan="2">Fees</td>' in post.body
    assert "<iframe" not in post.body and "<script" not in post.body
    assert "alert" not in post.body and "cdn.other.example" not in post.body
    assert 'href="https://www.youtube.com/embed/xyz789"' in post.body
    assert post.author is None  # helper@example.org has no account here
    notes = "\n".join(summary.notes)
    assert "kept as HTML because of <table" in notes
    assert "image from another site removed: https://cdn.other.example/stock.jpg" in notes


def test_statuses_and_dates(site, uploads):
    summary = import_wordpress(EXPORT, str(uploads))
    draft = Post.get(Post.title == "Notes for later")
    assert draft.status == "draft" and draft.published_at is None
    assert draft.created_at == datetime(2019, 7, 1, 10, 0)
    assert Post.get(Post.slug == "a-private-note").status == "draft"
    scheduled = Post.get(Post.slug == "holiday-hours")
    assert scheduled.is_scheduled and scheduled.published_at == datetime(2030, 12, 1, 13, 0)
    assert not Post.select().where(Post.title == "Deleted thoughts").exists()
    skipped = dict(summary.skipped)
    assert skipped["post 104 'Deleted thoughts'"] == "in the WordPress trash"
    assert skipped["menu item 401 'Home'"] == "a menu entry of no menu"
    assert skipped["attachment 202 'unused'"] == "not used by an imported post or page"
    assert Page.get(Page.title == "Contact").slug == "contact-page"  # /contact is the form
    assert any("1 comments not imported" in note for note in summary.notes)


def test_categories_and_tags(site, uploads):
    import_wordpress(EXPORT, str(uploads))
    names = {c.slug: c.name for c in Category.select()}
    assert names == {"therapy": "Therapy", "anxiety": "Anxiety", "faq": "FAQ"}
    assert Category.get(Category.slug == "therapy").description == "About therapy"
    assert Category.get(Category.slug == "anxiety").parent.slug == "therapy"
    post = Post.get(Post.slug == "coping-with-anxiety")
    assert [c.slug for c in post.category_list] == ["anxiety"]
    assert [t.slug for t in post.tag_list] == ["self-care"]  # a tag stays a tag
    assert [c.slug for c in Post.get(Post.slug == "first-session").category_list] == ["faq"]


OLD_ADDRESSES = {
    "/2019/05/coping-with-anxiety/": "/blog/coping-with-anxiety",
    "/coping-with-anxiety/": "/blog/coping-with-anxiety",
    "/?p=101": "/blog/coping-with-anxiety",
    "/2019/06/first-session/": "/blog/first-session",
    "/about/fees/": "/fees",
    "/?page_id=301": "/about",
    "/contact/": "/contact-page",  # the old page's text; /contact is the site's form
    "/category/therapy/anxiety/": "/category/anxiety",
    "/?cat=4": "/category/anxiety",
    "/tag/self-care/": "/tag/self-care",
}


def test_old_addresses_redirect(site, uploads):
    import_wordpress(EXPORT, str(uploads))
    client = site.test_client()
    for old, new in OLD_ADDRESSES.items():
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"] == new, old
        assert client.get(new).status_code == 200, new
    assert not Redirect.select().where(Redirect.old_path.contains("?p=103")).exists()  # draft
    assert client.get("/?p=999").status_code == 200  # unknown ids show the home page


def test_running_twice_adds_nothing(site, uploads):
    import_wordpress(EXPORT, str(uploads))
    counts = [m.select().count() for m in (Post, Page, Category, Media, Redirect)]
    summary = import_wordpress(EXPORT, str(uploads))
    assert [m.select().count() for m in (Post, Page, Category, Media, Redirect)] == counts
    assert not any(summary.imported.values())
    assert sum(reason == "already imported" for _, reason in summary.skipped) == 8
    assert summary.lines()[0] == "Imported: nothing."


def test_author_option_and_missing_uploads(site):
    create_user(
        "assistant@example.org", "correct horse battery", "editor", "Assistant", actor=SYSTEM
    )
    summary = import_wordpress(EXPORT, author="Assistant@example.org")
    authors = {p.author.email for p in Post.select()}
    assert authors == {"assistant@example.org"}
    assert not Media.select().exists()
    assert any("no --uploads folder given" in note for note in summary.notes)
    with pytest.raises(WxrError, match="no account"):
        import_wordpress(EXPORT, author="nobody@example.org")


def test_image_paths_cannot_leave_the_uploads_folder(site, uploads, tmp_path):
    hostile = tmp_path / "hostile.xml"
    text = (
        Path(EXPORT)
        .read_text()
        .replace("wp-content/uploads/2019/05/calm-300x200.jpg", "wp-content/uploads/../secret.jpg")
    )
    hostile.write_text(text.replace("<wp:meta_value><![CDATA[201]]>", "<wp:meta_value>0"))
    summary = import_wordpress(str(hostile), str(uploads))
    assert not Media.select().exists()
    assert any("secret.jpg removed (not in the uploads)" in note for note in summary.notes)


@pytest.mark.parametrize(
    "name, message",
    [
        ("billion_laughs.xml", "declares a document type or entities"),
        ("external_entity.xml", "declares a document type or entities"),
        ("malformed.xml", "not well-formed XML"),
        ("not_wordpress.xml", "not a WordPress export"),
    ],
)
def test_hostile_or_broken_files_import_nothing(site, name, message):
    with pytest.raises(WxrError, match=message):
        import_wordpress(str(DATA / name))
    for model in (Post, Page, Category, Media, Redirect):
        assert not model.select().exists(), model


def test_cli(site, uploads):
    runner = site.test_cli_runner()
    result = runner.invoke(args=["cms", "import-wordpress", EXPORT, "--uploads", str(uploads)])
    assert result.exit_code == 0, result.output
    (done,) = [line for line in result.output.splitlines() if line.startswith("Imported:")]
    assert "5 posts, 3 pages" in done
    assert "Skipped 1: in the WordPress trash" in result.output
    result = runner.invoke(args=["cms", "import-wordpress", str(DATA / "billion_laughs.xml")])
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output
