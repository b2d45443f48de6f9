"""`cms import DIR` keeps the editor's rules: a crafted export is refused, naming the item,
and the site stays as it was; images are decoded and re-encoded like uploads."""

import hashlib
import io
import json
import shutil
from datetime import timedelta

import pytest
from PIL import Image

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.content.categories import save_category
from cms.content.models import Category, Page, Post
from cms.content.records import Redirect, Revision
from cms.content.service import save_page, save_post
from cms.core import clock
from cms.core.db import db
from cms.media.models import Media
from cms.media.service import process_upload
from cms.ops.portable import PortableError, export_site, import_site
from cms.site.menu import save_menu
from cms.site.models import NavItem, Notice, Setting
from cms.site.notices import save_notice
from cms.site.settings import update_settings


def _png(width=300, height=200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 120)).save(out, "PNG")
    return out.getvalue()


def _config(path) -> dict:
    return {"TESTING": True, "INSTANCE_PATH": str(path), "SECRET_KEY": "t", "DEMO_CONTENT": False}


@pytest.fixture
def export(tmp_path):
    """A small but complete export: image, category, page, post, settings, menu, notices."""
    source = create_app(_config(tmp_path / "source"))
    with source.app_context():
        db.connect(reuse_if_open=True)
        image = process_upload(_png(), "sea.png", "A calm sea", actor=SYSTEM)
        save_category({"name": "FAQ"}, actor=SYSTEM)
        page = save_page({"title": "About", "body": "Hello.", "status": "published"}, actor=SYSTEM)
        save_post(
            {"title": "A post", "body": f"![A calm sea](/media/{image.id}/sea.png)",
             "status": "published", "categories": ["faq"], "featured_image": image.id}, actor=SYSTEM
        )  # fmt: skip
        update_settings({"site_title": "Calm Practice", "logo_media_id": image.id}, actor=SYSTEM)
        save_menu([{"label": "Home", "target": "home"}, {"label": "About",
                   "target": f"page:{page.id}"}], actor=SYSTEM)  # fmt: skip
        banner = Notice.get(Notice.key == "online-therapy")
        soon = clock.utcnow() + timedelta(days=1)
        save_notice(banner, {"ends_at": soon.replace(microsecond=0)}, actor=SYSTEM)
        export_site(str(tmp_path / "export"))
    db.close()
    return tmp_path / "export"


def _target(tmp_path):
    """A new, empty site to import into (made after the export: one database at a time)."""
    return create_app(_config(tmp_path / "target"))


def _state() -> dict:
    """Everything an import could write."""
    return {
        "rows": [m.select().count() for m in (Post, Page, Category, Media, Revision, Redirect)],
        "settings": sorted(Setting.select().tuples()),
        "menu": [(n.label, n.target, n.url) for n in NavItem.menu()],
        "notices": sorted(Notice.select(Notice.key, Notice.body, Notice.enabled).tuples()),
    }


def _damaged(export, tmp_path, damage):
    folder = tmp_path / "damaged"
    shutil.copytree(export, folder)
    content = json.loads((folder / "content.json").read_text())
    damage(content, folder)
    (folder / "content.json").write_text(json.dumps(content))
    return folder


def _replace_image(content, folder, data: bytes, index=0) -> None:
    item = content["media"][index]
    (folder / item["file"]).write_bytes(data)
    item["sha256"] = hashlib.sha256(data).hexdigest()


def _post(content) -> dict:
    return content["posts"][0]


def _notice(content, key) -> dict:
    return next(n for n in content["notices"] if n["key"] == key)


def _add_menu_url(url: str):
    item = {"label": "Evil", "target": "url", "page": None, "url": url, "position": 5}
    return lambda c, f: c["nav"].append(item)


def _add_redirect(new_path: str, old_path: str = "/old"):
    item = {"old_path": old_path, "new_path": new_path, "created_at": None}
    return lambda c, f: c["redirects"].append(item)


BAD = {
    "menu-javascript": (
        _add_menu_url("javascript:alert(document.cookie)"),
        "menu: items-2: “Evil”: use a web address",
    ),
    "menu-javascript-hidden": (_add_menu_url(" JaVa\tscript:alert(1)"), "use a web address"),
    "menu-label-5000": (
        lambda c, f: c["nav"][0].update(label="x" * 5000),
        "label of up to 60 characters",
    ),
    "menu-target-list": (lambda c, f: c["nav"][0].update(target=["url"]), "items-0: Each menu"),
    "redirect-elsewhere": (
        _add_redirect("https://evil.example/"),
        "redirect '/old': new_path: Use a path on this site",
    ),
    "redirect-network-path": (_add_redirect("//evil.example/x"), "only to a path on this site"),
    "redirect-backslash": (_add_redirect("/\\evil.example"), "only to a path on this site"),
    "redirect-tab": (_add_redirect("/\t/evil.example"), "redirect '/old'"),
    "redirect-old-not-a-path": (_add_redirect("/", old_path="old"), "old_path"),
    "site-title-5000": (lambda c, f: c["settings"].update(site_title="T" * 5000), "site_title"),
    "posts-per-page-ten": (lambda c, f: c["settings"].update(posts_per_page="ten"), "1 to 50"),
    "switch-as-text": (
        lambda c, f: c["settings"].update(show_office_address="false"),
        "true or false",
    ),
    "social-javascript": (
        lambda c, f: c["settings"].update(
            social_links=[{"label": "Me", "url": "javascript:alert(1)"}]
        ),
        "social_links",
    ),
    "accent-css": (
        lambda c, f: c["settings"].update(accent_color="red;}body{display:none"),
        "accent_color",
    ),
    "unknown-setting": (lambda c, f: c["settings"].update(admin="yes"), "Unknown settings: admin"),
    "logo-not-imported": (lambda c, f: c["settings"].update(logo_media_id=999), "logo_media_id"),
    "post-title-5000": (lambda c, f: _post(c).update(title="T" * 5000), "post 'a-post': title"),
    "post-body-not-text": (lambda c, f: _post(c).update(body={"html": "<b>"}), "body"),
    "post-categories-text": (lambda c, f: _post(c).update(categories="faq"), "categories"),
    "post-unknown-category": (lambda c, f: _post(c).update(categories=["nope"]), "nope"),
    "post-missing-image": (lambda c, f: _post(c).update(featured_image=999), "No such image"),
    "post-bad-time": (lambda c, f: _post(c).update(created_at="yesterday"), "post 'a-post'"),
    "page-reserved-slug": (lambda c, f: c["pages"][0].update(slug="admin"), "reserved"),
    "page-policy-as-text": (lambda c, f: c["pages"][0].update(is_policy="no"), "is_policy"),
    "category-name-5000": (lambda c, f: c["categories"][0].update(name="N" * 5000), "category"),
    "category-description-huge": (
        lambda c, f: c["categories"][0].update(description="D" * 5000),
        "description",
    ),
    "notice-javascript-link": (
        lambda c, f: _notice(c, "online-therapy").update(link_url="javascript:alert(1)"),
        "notice 'online-therapy': link_url",
    ),
    "notice-body-5000": (lambda c, f: _notice(c, "disclaimer").update(body="B" * 5000), "body"),
    "notice-unknown": (
        lambda c, f: c["notices"].append({**c["notices"][0], "key": "popup"}),
        "no such notice",
    ),
    "notice-switch-as-text": (
        lambda c, f: _notice(c, "disclaimer").update(enabled="off"),
        "notice 'disclaimer'",
    ),
    "notice-page-not-exported": (
        lambda c, f: _notice(c, "disclaimer").update(link_page="nowhere"),
        "not in the export",
    ),
    "revision-title-5000": (lambda c, f: c["revisions"][0].update(title="R" * 5000), "title"),
    "revision-status": (lambda c, f: c["revisions"][0].update(status="hidden"), "Status must"),
    "revision-kind": (lambda c, f: c["revisions"][0].update(kind="user"), "post or page"),
    "media-html-as-png": (
        lambda c, f: _replace_image(c, f, b"<html><script>alert(1)</script></html>"),
        "media 1: file: Upload a JPEG, PNG or WebP image.",
    ),
    "media-truncated": (lambda c, f: _replace_image(c, f, _png()[:200]), "media 1: file"),
    "media-no-alt": (lambda c, f: c["media"][0].update(alt="  "), "media 1: alt"),
    "media-duplicate-id": (lambda c, f: c["media"].append(dict(c["media"][0])), "its own"),
    "posts-not-a-list": (lambda c, f: c.update(posts={"a": 1}), "posts must be a list"),
    "settings-not-an-object": (lambda c, f: c.update(settings=[]), "settings must be an object"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_crafted_export_is_refused_naming_the_item_and_changes_nothing(export, tmp_path, name):
    damage, message = BAD[name]
    folder = _damaged(export, tmp_path, damage)
    target = _target(tmp_path)
    with target.app_context():
        db.connect(reuse_if_open=True)
        before = _state()
        with pytest.raises(PortableError, match=message.replace("(", r"\(").replace(")", r"\)")):
            import_site(str(folder))
        assert _state() == before
    assert target.test_client().get("/").status_code == 200
    db.close()


def test_the_export_itself_imports(export, tmp_path, report):
    target = _target(tmp_path)
    with target.app_context():
        db.connect(reuse_if_open=True)
        counts = import_site(str(export))
        assert counts["posts"] == 1 and counts["media"] == 1
        ends = Notice.get(Notice.key == "online-therapy").ends_at
        assert ends is not None and ends > clock.utcnow()
    client = target.test_client()
    assert "Calm Practice" in client.get("/").text
    assert 'src="/media/1/sea.png"' in client.get("/blog/a-post").text
    db.close()
    report("crafted exports refused", len(BAD))


def test_an_expired_notice_window_still_imports(export, tmp_path):
    def expired(content, folder):
        _notice(content, "online-therapy").update(
            starts_at="2020-01-01T09:00:00", ends_at="2020-02-01T09:00:00"
        )

    folder = _damaged(export, tmp_path, expired)
    target = _target(tmp_path)
    with target.app_context():
        db.connect(reuse_if_open=True)
        import_site(str(folder))
        assert Notice.get(Notice.key == "online-therapy").ends_at.year == 2020
    db.close()


def _jpeg_with_metadata() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Jane Client"  # Artist
    exif[0x010E] = "session notes"  # ImageDescription
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue() + b"PK\x03\x04<script>appended payload</script>"


def test_images_are_decoded_and_re_encoded_like_uploads(export, tmp_path):
    def crafted(content, folder):
        _replace_image(content, folder, _jpeg_with_metadata())
        content["media"][0].update(filename="../../sea photo.JPG", mime="image/jpeg")

    folder = _damaged(export, tmp_path, crafted)
    target = _target(tmp_path)
    with target.app_context():
        db.connect(reuse_if_open=True)
        import_site(str(folder))
        media = Media.get()
        stored = bytes(media.data)
        assert media.mime == "image/jpeg" and media.filename == "sea_photo.jpg"
        assert b"Jane Client" not in stored and b"session notes" not in stored
        assert b"appended payload" not in stored and b"PK\x03\x04" not in stored
        assert Image.open(io.BytesIO(stored)).getexif() == {}
        assert media.sha256 == hashlib.sha256(stored).hexdigest()
        assert media.variants.count() == 0  # 320 px wide: no smaller copies needed
    db.close()


def test_image_ids_are_renumbered_where_the_export_points_at_them(export, tmp_path):
    def renumbered(content, folder):
        content["media"][0]["id"] = 7
        post = _post(content)
        post["body"] = post["body"].replace("/media/1/", "/media/7/")
        post["featured_image"] = 7
        content["settings"]["logo_media_id"] = 7
        for revision in content["revisions"]:
            revision["body"] = revision["body"].replace("/media/1/", "/media/7/")

    folder = _damaged(export, tmp_path, renumbered)
    target = _target(tmp_path)
    with target.app_context():
        db.connect(reuse_if_open=True)
        import_site(str(folder))
        (media,) = Media.select()
        post = Post.get()
        assert f"/media/{media.id}/sea.png" in post.body and "/media/7/" not in post.body
        assert post.featured_image_id == media.id
        assert Setting.get_by_id("logo_media_id").value == str(media.id)
        assert all("/media/7/" not in r.body for r in Revision.select())
    db.close()


def test_the_cli_names_the_item_and_imports_nothing(export, tmp_path):
    damage, _ = BAD["menu-javascript"]
    folder = _damaged(export, tmp_path, damage)
    target = _target(tmp_path)
    result = target.test_cli_runner().invoke(args=["cms", "import", str(folder)])
    assert result.exit_code == 1
    assert "Nothing was imported: menu: items-2: “Evil”: use a web address" in result.output
    with target.app_context():
        db.connect(reuse_if_open=True)
        assert Post.select().count() == 0 and Media.select().count() == 0
    db.close()


WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>https://old.example</wp:base_site_url>
  <wp:category><wp:term_id>3</wp:term_id><wp:category_nicename>long</wp:category_nicename>
    <wp:cat_name>Long</wp:cat_name>
    <wp:category_description>{description}</wp:category_description></wp:category>
  <item>
    <title>Moved</title>
    <link>https://old.example/a%0d%0aSet-Cookie:%20x=1/</link>
    <content:encoded>Hello.</content:encoded>
    <wp:post_id>7</wp:post_id>
    <wp:post_date>2020-01-01 10:00:00</wp:post_date>
    <wp:post_date_gmt>2020-01-01 15:00:00</wp:post_date_gmt>
    <wp:post_name>moved</wp:post_name>
    <wp:status>publish</wp:status>
    <wp:post_type>post</wp:post_type>
  </item>
</channel>
</rss>
"""


def test_wordpress_addresses_and_descriptions_keep_the_rules(empty_app, tmp_path):
    from cms.ops.wordpress.importer import import_wordpress

    export = tmp_path / "export.xml"
    export.write_text(WXR.format(description="D" * 5000))
    with empty_app.app_context():
        db.connect(reuse_if_open=True)
        summary = import_wordpress(str(export))
        assert summary.imported["posts"] == 1
        olds = [r.old_path for r in Redirect.select()]
        assert "/?p=7" in olds and "/moved" in olds
        assert all(path.isprintable() for path in olds)  # no CR LF from the old link
        assert any("Set-Cookie" in what for what, _ in summary.skipped)
        assert len(Category.get(Category.slug == "long").description) == 1000
    db.close()
