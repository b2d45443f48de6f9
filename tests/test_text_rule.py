"""One text rule for every stored string, and XML outputs no stored value can break."""

import json
import unicodedata
import xml.etree.ElementTree as ET

import pytest

from cms.accounts.actors import SYSTEM
from cms.accounts.tokens import create_token
from cms.accounts.users import create_user
from cms.content import service as services
from cms.content.categories import save_category
from cms.content.models import Category, Post
from cms.core.db import db
from cms.core.validation import ValidationError, has_visible, multi_line, single_line
from cms.media.service import _clean_alt
from cms.messages.service import check_contents
from cms.site.menu import save_menu
from cms.site.models import Notice, get_settings
from cms.site.notices import save_notice
from cms.site.settings import update_settings

ZERO_WIDTH = "\u200b\u200b\u2060"


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("  Winter\u000bhours\r\n", "Winter hours"),  # Word's line break, a pasted newline
        ("Tab\tand\u2028separator", "Tab and separator"),
        ("Cafe\u0301", "Caf\u00e9"),  # NFC
        ("Dr.\u00a0Smith", "Dr.\u00a0Smith"),  # a no-break space stays
        (ZERO_WIDTH, ""),  # shows nothing: no text
    ],
)
def test_single_line_normalises_breaks_and_unicode(raw, clean):
    errors = {}
    assert single_line(raw, "f", errors) == clean and errors == {}


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1f", "\x7f", "\x9b", "\ufeff", "\uffff"])
def test_control_characters_are_refused_saying_where(char):
    errors = {}
    single_line(f"Winter{char}hours", "title", errors)
    assert f"U+{ord(char):04X}" in errors["title"] and "after “Winter”" in errors["title"]
    errors = {}
    multi_line(f"Line one\nWinter{char}", "body", errors)
    assert "after “Winter”" in errors["body"]


def test_multi_line_keeps_tabs_and_makes_breaks_newlines():
    errors = {}
    assert multi_line("a\r\nb\rc\u000bd\u2029e\tf\n", "body", errors, strip=False) == (
        "a\nb\nc\nd\ne\tf\n"
    )
    assert errors == {}


def test_a_title_needs_a_visible_character():
    assert not has_visible(ZERO_WIDTH + " \u3164\u0301")
    assert has_visible("\u00e9") and has_visible("🙂")
    errors = {}
    single_line(ZERO_WIDTH, "title", errors, required="A title is required.")
    assert errors["title"].startswith("A title is required.")


def refused(call, field: str) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.errors[field]


def test_every_service_refuses_control_characters_and_invisible_names(ctx):
    assert "U+0001" in refused(
        lambda: services.save_post({"title": "A\x01B"}, actor=SYSTEM), "title"
    )
    assert "visible" not in refused(
        lambda: services.save_post({"title": ""}, actor=SYSTEM), "title"
    )
    assert "shows nothing" in refused(
        lambda: services.save_post({"title": ZERO_WIDTH}, actor=SYSTEM), "title"
    )
    assert "U+0000" in refused(lambda: save_category({"name": "FAQ\x00"}, actor=SYSTEM), "name")
    assert refused(lambda: save_category({"name": ZERO_WIDTH}, actor=SYSTEM), "name")
    description = {"name": "Ok", "description": "a\x02"}
    assert "U+0002" in refused(lambda: save_category(description, actor=SYSTEM), "description")
    assert "U+0001" in refused(
        lambda: update_settings({"tagline": "Calm\x01"}, actor=SYSTEM), "tagline"
    )
    assert refused(lambda: update_settings({"site_title": ZERO_WIDTH}, actor=SYSTEM), "site_title")
    banner = Notice.get(Notice.key == "online-therapy")
    assert "U+0007" in refused(lambda: save_notice(banner, {"body": "x\x07"}, actor=SYSTEM), "body")
    menu = [{"label": ZERO_WIDTH, "target": "home", "url": ""}]
    assert refused(lambda: save_menu(menu, actor=SYSTEM), "items-0")
    name = refused(
        lambda: create_user("x@example.org", "correct horse battery", name="A\x1b", actor=SYSTEM),
        "name",
    )
    assert "U+001B" in name
    assert refused(lambda: create_token("dep\x00loy", "content:read", actor=SYSTEM), "name")
    assert "U+0008" in refused(lambda: _clean_alt("An\x08 image"), "alt")


def test_services_store_nfc_and_breaks_as_spaces(ctx):
    post = services.save_post(
        {"title": "Cafe\u0301\u000bhours", "body": "One\r\nTwo"}, actor=SYSTEM
    )
    assert post.title == "Café hours" and post.body == "One\nTwo"
    assert unicodedata.is_normalized("NFC", post.title)
    update_settings({"tagline": "Calm\u000bcare"}, actor=SYSTEM)
    assert get_settings()["tagline"] == "Calm care"


def test_a_value_stored_before_the_rule_does_not_block_another_change(ctx):
    post = services.save_post({"title": "Old", "body": "Text."}, actor=SYSTEM)
    Post.update(title="Old\x01title").where(Post.id == post.id).execute()
    saved = services.save_post({"body": "New text."}, Post.get_by_id(post.id), actor=SYSTEM)
    assert saved.title == "Oldtitle" and saved.body == "New text."


def test_editor_and_api_refuse_with_the_message(app, client, auth):
    auth.login()
    page = client.post(
        "/admin/posts/new", data={"title": "Bad\x01", "body": "b", "status": "draft"}
    )
    assert page.status_code == 200 and "U+0001" in page.get_data(as_text=True)
    with app.app_context():
        db.connect(reuse_if_open=True)
        token = create_token("script", "content:write", actor=SYSTEM)[1]
    answer = client.post("/api/v1/admin/posts", headers={"Authorization": f"Bearer {token}"},
                         json={"title": "\u200b"})  # fmt: skip
    assert answer.status_code == 422 and "title" in answer.get_data(as_text=True)


def test_a_contact_message_keeps_its_words_without_invisible_controls():
    sent = {"name": "Sam\x00", "email": "sam@example.org", "phone": "", "contact_method": "email",
            "message": "Hi\x01 there\r\nBye"}  # fmt: skip
    clean = check_contents(sent)
    assert (clean["name"], clean["message"]) == ("Sam", "Hi there\nBye")


def _poison(app) -> dict:
    """Write what XML 1.0 cannot carry straight into the database, past every service."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        post = Post.live().first()
        category = Category.with_counts().first()
        db.execute_sql(
            "UPDATE post SET title = 'Bad' || char(1) || char(11) || 'title',"
            " excerpt = 'Ex' || char(65535) || char(0), body_html = '<p>x' || char(2) || '</p>',"
            " slug = 'odd' || char(1) || 'slug' WHERE id = ?",
            (post.id,),
        )
        db.execute_sql("UPDATE category SET name = 'FAQ' || char(0) WHERE id = ?", (category.id,))
        for key, value in (("site_title", "Site\x01"), ("tagline", "Tag\x0bline")):
            db.execute_sql(
                "REPLACE INTO setting (key, value) VALUES (?, ?)", (key, json.dumps(value))
            )
        return {"category": category.slug}


def test_feeds_sitemaps_and_the_api_survive_any_stored_value(app, client):
    poisoned = _poison(app)
    feeds = ["/feed.xml", f"/category/{poisoned['category']}/feed.xml"]
    sitemaps = ["/sitemap.xml", "/sitemap-pages.xml", "/sitemap-posts-1.xml"]
    for path in feeds + sitemaps:
        response = client.get(path)
        assert response.status_code == 200, path
        ET.fromstring(response.data)  # well-formed XML
    feed = client.get("/feed.xml").get_data(as_text=True)
    assert "Badtitle" in feed and "odd%01slug" in feed
    assert "odd%01slug" in client.get("/sitemap-posts-1.xml").get_data(as_text=True)
    for path in ["/api/v1/posts", "/api/v1/categories", "/api/v1/settings", "/blog/", "/"]:
        assert client.get(path).status_code == 200, path
