"""Export to a portable folder and import into an empty site: the round trip loses nothing."""

import io
import json
from datetime import timedelta

import pytest
from PIL import Image

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.accounts.users import create_user
from cms.content.categories import save_category
from cms.content.models import Category, Page, Post
from cms.content.records import Redirect
from cms.content.service import save_page, save_post, trash
from cms.core import clock
from cms.core.db import db
from cms.media.service import process_upload
from cms.ops.portable import PortableError, export_site, import_site
from cms.site.models import NavItem, Notice, save_settings


def _png(width=1200, height=800) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 120)).save(out, "PNG")
    return out.getvalue()


def _fill(app, users):
    """Every kind of content, beyond the demo: media, featured image, trash, schedule."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        admin = users["admin"]
        image = process_upload(_png(), "sea.png", "A calm sea", actor=SYSTEM)
        category = Category.get(Category.slug == Category.select().first().slug)
        # A child whose slug sorts before its parent's: the import nests it all the same.
        child = save_category({"name": "A nested topic", "parent": category.slug}, actor=SYSTEM)
        post = save_post(
            {"title": "With a picture", "body": f"![A calm sea](/media/{image.id}/sea.png)",
             "status": "published", "featured_image": image.id,
             "categories": [category.slug, child.slug], "tags": ["Calm", "Sea"],
             "seo_title": "A calm sea, pictured", "social_image": image.id},
            actor=admin,
        )  # fmt: skip
        body = f"![A calm sea](/media/{image.id}/sea.png)\n\nSecond version"
        save_post({"body": body}, post, actor=admin)
        save_post({"title": "Still a draft", "body": "Unfinished"}, actor=users["editor"])
        future = clock.utcnow() + timedelta(days=3)
        save_post(
            {"title": "Scheduled", "status": "published", "published_at": future}, actor=SYSTEM
        )
        trash(
            save_post({"title": "In the trash", "status": "published"}, actor=SYSTEM), actor=SYSTEM
        )
        page = save_page(
            {"title": "Privacy policy", "body": "We keep little.", "status": "published",
             "is_policy": True, "effective_date": "2026-01-01"}, actor=SYSTEM
        )  # fmt: skip
        save_post({"slug": "with-a-picture-renamed"}, post, actor=SYSTEM)  # leaves a redirect
        save_settings({"site_title": "Calm Practice", "logo_media_id": image.id})
        Notice.update(enabled=False).where(Notice.key == "online-therapy").execute()
        NavItem.create(label="Privacy", target="page", page=page, position=9)
        return image


def _export(directory) -> dict:
    data = json.loads((directory / "content.json").read_text())
    data.pop("exported_at")
    return data


def test_round_trip_loses_nothing(app, users, tmp_path):
    image = _fill(app, users)
    first = tmp_path / "first"
    with app.app_context():
        db.connect(reuse_if_open=True)
        counts = export_site(str(first))
    db.close()
    assert counts["media"] == 1 and counts["revisions"] > counts["posts"]
    second = tmp_path / "second"
    second.mkdir()
    other = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(second), "SECRET_KEY": "t", "DEMO_CONTENT": False}
    )
    with other.app_context():
        db.connect(reuse_if_open=True)
        create_user("admin@example.org", "correct horse battery", "admin", actor=SYSTEM)
        create_user("editor@example.org", "correct horse battery", "editor", actor=SYSTEM)
        import_site(str(first))
        export_site(str(tmp_path / "again"))
        trashed = Post.get(Post.slug == "in-the-trash")
        assert trashed.deleted_at is not None
        pictured = Post.get(Post.slug == "with-a-picture-renamed")
        assert [t.name for t in pictured.tag_list] == ["Calm", "Sea"]
        assert pictured.seo_title == "A calm sea, pictured" and pictured.social_image_id
        nested = Category.get(Category.slug == "a-nested-topic")
        exported = {c["slug"]: c["parent"] for c in _export(first)["categories"]}
        assert exported["a-nested-topic"] and nested.parent.slug == exported["a-nested-topic"]
        assert Redirect.get(Redirect.old_path == "/blog/with-a-picture").new_path == (
            "/blog/with-a-picture-renamed"
        )
    before, after = _export(first), _export(tmp_path / "again")
    for key in before:
        assert before[key] == after[key], key
    for item in before["media"]:
        for name in [item["file"]] + [v["file"] for v in item["variants"]]:
            assert (first / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    client = other.test_client()
    html = client.get("/blog/with-a-picture-renamed").get_data(as_text=True)
    assert f'src="/media/{image.id}/sea.png"' in html
    assert client.get(f"/media/{image.id}/sea.png").status_code == 200
    assert client.get("/blog/with-a-picture").status_code == 301
    assert "Calm Practice" in client.get("/").get_data(as_text=True)
    db.close()


def test_import_needs_an_empty_site(app, tmp_path):
    with app.app_context():
        db.connect(reuse_if_open=True)
        export_site(str(tmp_path / "out"))
        with pytest.raises(PortableError, match="already has content"):
            import_site(str(tmp_path / "out"))


def _exported(empty_app, tmp_path):
    """A small export from a site with one image, and the empty site again."""
    with empty_app.app_context():
        db.connect(reuse_if_open=True)
        image = process_upload(_png(200, 100), "dot.png", "A dot", actor=SYSTEM)
        save_post({"title": "One", "body": f"![A dot](/media/{image.id}/dot.png)"}, actor=SYSTEM)
        export_site(str(tmp_path / "out"))
        Post.delete().execute()
        from cms.content.records import Revision
        from cms.media.models import Media

        Media.delete().execute()
        Revision.delete().execute()
    return tmp_path / "out"


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: d["media"][0].update(file="../../../etc/passwd"), "outside the export"),
        (lambda d: d["media"][0].update(sha256="0" * 64), "checksum"),
        (lambda d: d["media"][0].update(mime="image/svg+xml"), "JPEG, PNG and WebP"),
        (lambda d: d["posts"][0].update(status="hidden"), "Status must be"),
        (lambda d: d["posts"][0].pop("title"), "incomplete or malformed"),
        (lambda d: d.update(format="something-else"), "not a practice-cms export"),
    ],
)
def test_a_bad_export_imports_nothing(empty_app, tmp_path, damage, message):
    folder = _exported(empty_app, tmp_path)
    content = json.loads((folder / "content.json").read_text())
    damage(content)
    (folder / "content.json").write_text(json.dumps(content))
    with empty_app.app_context():
        db.connect(reuse_if_open=True)
        with pytest.raises(PortableError, match=message):
            import_site(str(folder))
        assert Post.select().count() == 0 and Page.select().count() == 0


def test_cli_export_and_import(empty_app, tmp_path):
    folder = _exported(empty_app, tmp_path)
    runner = empty_app.test_cli_runner()
    (folder / "broken").mkdir()
    (folder / "broken" / "content.json").write_text("{not json")
    result = runner.invoke(args=["cms", "import", str(folder / "broken")])
    assert result.exit_code == 1 and "Nothing was imported" in result.output
    result = runner.invoke(args=["cms", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "1 posts" in result.output and "1 media" in result.output
    result = runner.invoke(args=["cms", "export", str(tmp_path / "again"), "--no-revisions"])
    assert result.exit_code == 0, result.output
    assert "revisions" not in json.loads((tmp_path / "again" / "content.json").read_text())
