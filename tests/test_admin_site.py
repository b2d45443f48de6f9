"""Notices and availability, settings, menu and categories in the editor."""

import re

import pytest

from cms.accounts.actors import SYSTEM
from cms.accounts.tokens import create_token
from cms.audit import Activity
from cms.content.models import Category, Post, PostCategory
from cms.core.db import db
from cms.site.models import DEFAULT_SETTINGS, NavItem, Notice, Setting
from cms.site.notices import ALWAYS_SHOWN
from cms.site.settings import EDITABLE_SETTINGS

CRISIS = "If you are in crisis or in danger"
NOT_ACCEPTING = "I am no longer accepting new clients"


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


def notice(app, key):
    with app.app_context():
        db.connect(reuse_if_open=True)
        return Notice.get(Notice.key == key)


def stored_settings(app) -> dict:
    with app.app_context():
        return {row.key: row.value for row in Setting.select()}


def test_switching_availability_changes_the_public_notice(client, auth, app):
    assert "no longer accepting new clients" in client.get("/").text
    auth.login()
    banner = notice(app, "online-therapy")
    others = [n.id for n in Notice.select() if n.id != banner.id]
    response = client.post(
        "/admin/notices/switches", data={"availability": "accepting", "shown": others}
    )
    assert response.status_code == 302
    auth.logout()
    home = client.get("/").text
    assert "currently accepting new clients" in home and "no longer accepting" not in home
    assert "Secure online therapy" not in home  # the banner was switched off
    with app.app_context():
        assert "notices.switch" in [a.action for a in Activity.recent().limit(3)]
    auth.login()
    client.post("/admin/notices/switches", data={"availability": "nonsense", "shown": others})
    assert "currently accepting" in client.get("/contact").text


def switch_on(client, app, *keys):
    """Save the switches as the notices screen would, with only `keys` ticked."""
    with app.app_context():
        ids = [n.id for n in Notice.select().where(Notice.key.in_(keys))]
    response = client.post(
        "/admin/notices/switches", data={"availability": "not_accepting", "shown": ids}
    )
    assert response.status_code == 302


def switches(html: str) -> dict[str, bool]:
    """The notices screen's checkboxes: id attribute -> ticked."""
    boxes = re.findall(r'<input( checked)? id="([^"]+)" name="shown" type="checkbox"', html)
    return {box_id: bool(checked) for checked, box_id in boxes}


def test_notices_screen_switches_availability_but_not_the_crisis_notice(client, auth, app):
    auth.login()
    html = client.get("/admin/notices").text
    assert switches(html) == {"shown-availability": True, "shown-1": True, "shown-2": True}
    assert '<label for="shown-availability">Show the availability notice</label>' in html
    labels = re.findall(r'<label for="shown-\d+">([^<]+)</label>', html)
    assert labels == ["Online therapy banner", "Terms of use disclaimer under every post"]
    values = re.findall(r'name="shown" type="checkbox" value="(\d+)"', html)
    assert str(notice(app, "contact-crisis").id) not in values
    assert "Always shown on the contact page" in html


def test_availability_notice_switches_off_and_on_with_the_page_cache(client, auth, app):
    assert app.config["PAGE_CACHE"]
    for url in ("/", "/contact"):
        assert NOT_ACCEPTING in client.get(url).text
    assert client.get("/").headers.get("X-Cache") == "hit"  # the home page is cached
    auth.login()
    switch_on(client, app, "online-therapy", "disclaimer")
    auth.logout()
    for url in ("/", "/contact"):
        assert NOT_ACCEPTING not in client.get(url).text, url
    assert "Secure online therapy" in client.get("/").text  # the others are still on
    auth.login()
    html = client.get("/admin/notices").text
    assert switches(html)["shown-availability"] is False and "(switched off)" in html
    switch_on(client, app, "online-therapy", "disclaimer", "availability-waitlist")
    auth.logout()
    for url in ("/", "/contact"):
        assert NOT_ACCEPTING in client.get(url).text, url
    assert all(notice(app, f"availability-{state}").enabled for state in ("waitlist", "accepting"))


def test_crisis_notice_stays_on_when_every_switch_is_off(client, auth, app):
    auth.login()
    switch_on(client, app)
    assert notice(app, "contact-crisis").enabled
    auth.logout()
    assert NOT_ACCEPTING not in client.get("/contact").text
    assert CRISIS in client.get("/contact").text
    assert CRISIS in client.get("/contact/sent").text


def test_crisis_notice_cannot_be_switched_off_through_the_api(client, users, app):
    with app.app_context():
        token = create_token("script", "notices:write", user=users["admin"], actor=SYSTEM)[1]
    crisis = notice(app, "contact-crisis")
    response = client.patch(
        f"/api/v1/admin/notices/{crisis.id}",
        json={"enabled": False},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200 and response.json["enabled"] is True
    assert notice(app, "contact-crisis").enabled
    assert CRISIS in client.get("/contact").text


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_crisis_notice_text_is_editable_but_it_gets_no_time_window(client, auth, app, field):
    auth.login()
    crisis = notice(app, "contact-crisis")
    form = {"body": crisis.body, "link_page": "0", field: "2099-05-01T10:00"}
    response = client.post(f"/admin/notices/{crisis.id}", data=form)
    assert response.status_code == 200
    assert field_error(response.text, field) == ALWAYS_SHOWN.replace("'", "&#39;")
    stored = notice(app, "contact-crisis")
    assert (stored.starts_at, stored.ends_at) == (None, None)
    edited = {"body": "Call **9-8-8** or 911 in an emergency.", "link_page": "0"}
    assert client.post(f"/admin/notices/{crisis.id}", data=edited).status_code == 302
    shown = client.get("/contact").text
    assert 'Call <strong><a href="tel:988">9-8-8</a></strong> or <a href="tel:911">911</a>' in shown


def test_editor_edits_notice_text_but_not_switches_settings_or_menu(client, auth, app):
    auth.login("editor@example.org")
    item = notice(app, "availability-not-accepting")
    response = client.post(
        f"/admin/notices/{item.id}", data={"body": "Full until **spring**.", "link_page": "0"}
    )
    assert response.status_code == 302
    assert notice(app, item.key).body_html.strip() == "<p>Full until <strong>spring</strong>.</p>"
    assert "An administrator can change it" in client.get("/admin/notices").text
    for url in ("/admin/notices/switches", "/admin/settings", "/admin/menu"):
        assert client.post(url, data={"availability": "accepting"}).status_code == 403
    assert client.get("/admin/settings").status_code == 403
    assert client.get("/admin/menu").status_code == 403
    with app.app_context():
        assert Setting.get_by_id("availability").value == '"not_accepting"'


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"body": ""}, "body", "needs some text"),
        ({"link_url": "javascript:alert(1)"}, "link_url", "Use a web address"),
        ({"link_url": " JaVa\tscript:alert(1)"}, "link_url", "Use a web address"),
        ({"link_url": "//evil.example/"}, "link_url", "Use a web address"),
        ({"starts_at": "tomorrow"}, "starts_at", "Use a date and time"),
        ({"starts_at": "2099-05-02T10:00", "ends_at": "2099-05-01T10:00"}, "ends_at", "after"),
        ({"ends_at": "2001-01-01T10:00"}, "ends_at", "already passed"),
        ({"link_page": "99999"}, "link_page", "No such page"),
    ],
)
def test_bad_notice_input_is_refused_next_to_the_field(client, auth, app, data, field, message):
    auth.login()
    before = notice(app, "online-therapy")
    form = {"body": before.body, "link_label": "Learn more", "link_page": "0", **data}
    response = client.post(f"/admin/notices/{before.id}", data=form)
    assert response.status_code == 200
    assert message in field_error(response.text, field)
    after = notice(app, "online-therapy")
    assert (after.body, after.link_url, after.ends_at) == (before.body, before.link_url, None)


def test_notice_preview_does_not_save(client, auth, app):
    auth.login()
    item = notice(app, "online-therapy")
    data = {"body": "Try *this*", "link_label": "Go", "link_url": "/contact",
            "link_page": "0", "action": "preview"}  # fmt: skip
    response = client.post(f"/admin/notices/{item.id}", data=data)
    assert "Try <em>this</em>" in response.text
    assert notice(app, item.key).body == item.body


def settings_form(**changes) -> dict:
    data = {
        "site_title": "Maple Street Psychotherapy", "tagline": "Calm", "practitioner_name": "J",
        "credentials": "RP", "registration_college": "CRPO", "registration_number": "1",
        "contact_email": "hello@example.org", "phone": "+1 555 010 0199", "city": "Guelph",
        "office_address": "12 Maple", "office_hours": "Mon", "accent_color": "#2f5d62",
        "logo_media_id": "", "favicon_media_id": "", "timezone": "America/Toronto",
        "posts_per_page": "10", "social_links-0-label": "LinkedIn",
        "social_links-0-url": "https://www.linkedin.com/in/example",
    }  # fmt: skip
    data.update(changes)
    return data


def test_settings_screen_covers_every_setting_and_saves(client, auth, app):
    auth.login()
    html = client.get("/admin/settings").text
    for key in EDITABLE_SETTINGS:
        # availability and where its notice shows: the notices screen
        if key not in ("availability", "availability_everywhere", "social_links"):
            assert f'name="{key}"' in html, key
    assert "demo_content" not in html
    response = client.post("/admin/settings", data=settings_form(tagline="New tagline"))
    assert response.status_code == 302
    assert "New tagline" in client.get("/").text
    with app.app_context():
        assert Activity.recent().first().action == "settings.update"
    assert set(stored_settings(app)) <= set(DEFAULT_SETTINGS)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"site_title": " "}, "site_title", "needs a title"),
        ({"contact_email": "not-an-email"}, "contact_email", "e-mail address"),
        ({"accent_color": "red"}, "accent_color", "#2f5d62"),
        ({"accent_color": "#ffff00"}, "accent_color", "too light"),
        ({"timezone": "Mars/Olympus"}, "timezone", "time zone"),
        ({"posts_per_page": "0"}, "posts_per_page", "1 to 50"),
        ({"phone": "call me <b>"}, "phone", "digits"),
        ({"logo_media_id": "12345"}, "logo_media_id", "media library"),
    ],
)
def test_bad_settings_are_refused_next_to_the_field(client, auth, app, changes, field, message):
    auth.login()
    before = stored_settings(app)
    response = client.post("/admin/settings", data=settings_form(**changes))
    assert response.status_code == 200
    assert message in field_error(response.text, field)
    assert stored_settings(app) == before


def test_settings_post_without_its_loaded_state_is_refused_not_a_crash(client, auth, app):
    # A form posted without the state it was loaded with (a script, an old tab): the
    # refusal still names what the writer would lose, counted against what is stored.
    auth.login()
    before = stored_settings(app)
    blank = {key: "" for key in [*settings_form(), "loaded"]}
    response = client.post("/admin/settings", data=blank)
    assert response.status_code == 200
    assert "needs a title" in field_error(response.text, "site_title")
    assert "Site title" in response.text.split('class="error-summary"')[-1]
    assert stored_settings(app) == before


@pytest.mark.parametrize("url", ["javascript:alert(1)", "mailto:x@example.org", "ftp://x", "/x"])
def test_social_links_must_be_web_addresses(client, auth, app, url):
    auth.login()
    before = stored_settings(app)
    response = client.post("/admin/settings", data=settings_form(**{"social_links-0-url": url}))
    assert response.status_code == 200 and "https://" in response.text
    assert 'class="error" role="alert">“LinkedIn”: use a full web address' in response.text
    assert stored_settings(app) == before


def test_menu_can_be_reordered_trimmed_and_extended(client, auth, app):
    auth.login()
    html = client.get("/admin/menu").text
    rows = len(re.findall(r'name="items-\d+-label"', html))
    with app.app_context():
        items = list(NavItem.menu())
    data = {}
    for n, item in enumerate(items):
        target = f"page:{item.page_id}" if item.target == "page" else item.target
        data.update({f"items-{n}-label": item.label, f"items-{n}-target": target,
                     f"items-{n}-position": str(len(items) - n)})  # fmt: skip
    data["items-0-remove"] = "y"
    n = len(items)
    data.update({f"items-{n}-label": "Archive", f"items-{n}-target": "url",
                 f"items-{n}-url": "/archive", f"items-{n}-position": "99"})  # fmt: skip
    assert rows == len(items) + 1
    assert client.post("/admin/menu", data=data).status_code == 302
    with app.app_context():
        labels = [item.label for item in NavItem.menu()]
    assert labels == [item.label for item in reversed(items[1:])] + ["Archive"]
    bad = dict(data, **{f"items-{n}-url": "javascript:alert(1)"})
    assert "use a web address" in client.post("/admin/menu", data=bad).text
    with app.app_context():
        assert [item.label for item in NavItem.menu()] == labels


def test_categories_create_rename_merge_delete(client, auth, app):
    auth.login("editor@example.org")
    assert client.post("/admin/categories", data={"name": "Grief"}).status_code == 302
    dup = client.post("/admin/categories", data={"name": "FAQ again", "slug": "faq"})
    assert "already used" in field_error(dup.text, "slug")
    with app.app_context():
        faq, resources = (
            Category.get(Category.slug == "faq"),
            Category.get(Category.slug == "resources"),
        )
        both = Post.get(Post.title == "How to choose a therapist who fits")  # FAQ and Resources
        faq_posts = {pc.post_id for pc in PostCategory.select().where(PostCategory.category == faq)}
    client.post(f"/admin/categories/{faq.id}", data={"name": "Questions", "slug": "questions"})
    assert client.get("/category/faq").status_code == 301
    client.post(f"/admin/categories/{faq.id}/merge", data={"target": str(resources.id)})
    with app.app_context():
        assert Category.get_or_none(Category.id == faq.id) is None
        in_resources = {pc.post_id for pc in PostCategory.select().where(
            PostCategory.category == resources)}  # fmt: skip
        assert faq_posts <= in_resources and both.id in in_resources
    assert client.get("/category/questions").headers["Location"].endswith("/category/resources")
    confirm = client.get(f"/admin/categories/{resources.id}/delete")
    assert "Its posts stay" in confirm.text
    client.post(f"/admin/categories/{resources.id}/delete")
    with app.app_context():
        assert Category.get_or_none(Category.id == resources.id) is None
        assert Post.get_by_id(both.id).deleted_at is None
        assert [a.action for a in Activity.recent().limit(2)] == [
            "category.trash", "category.merge",
        ]  # fmt: skip
