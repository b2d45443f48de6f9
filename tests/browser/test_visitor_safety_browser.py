"""A visitor in distress on a phone or a laptop: the crisis numbers dial at a tap, the
availability notice is on the post a search led to, and every focus ring can be seen."""

import pytest

from tests.helpers.browser import sign_in
from tests.helpers.editor_content import add_editor_content
from tests.helpers.measure import WIDTHS, focus_rings, weak_rings

POST = "/blog/social-media-and-our-therapy-relationship"
PUBLIC = {"home": "/", "post": POST, "contact": "/contact", "blog": "/blog/", "404": "/nope"}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_crisis_numbers_on_the_contact_page_are_links_to_call_and_text(page, site, width):
    page.set_viewport_size(WIDTHS[width])
    page.goto(site + "/contact")
    crisis = page.locator("[data-notice=contact-crisis]")
    for name, href in (("911", "tel:911"), ("9-8-8", "tel:988"), ("text 9-8-8", "sms:988")):
        link = crisis.get_by_role("link", name=name, exact=True)
        assert link.is_visible() and link.get_attribute("href") == href
        box = link.bounding_box()
        assert box["y"] + box["height"] <= WIDTHS[width]["height"]  # without scrolling


@pytest.mark.parametrize("width", WIDTHS)
def test_a_visitor_landing_on_a_post_sees_the_availability_notice(page, site, width):
    page.set_viewport_size(WIDTHS[width])
    page.goto(site + POST)
    notice = page.locator("main [data-notice^=availability]")
    assert notice.is_visible()
    assert "no longer accepting new clients" in notice.inner_text()
    heading = page.get_by_role("heading", level=1)
    assert notice.bounding_box()["y"] < heading.bounding_box()["y"]  # before the post


def test_the_therapist_keeps_the_availability_notice_to_home_and_contact(page, site):
    sign_in(page, site)
    page.goto(site + "/admin/notices")
    everywhere = page.get_by_label("Show it on every page, posts and pages too")
    assert everywhere.is_checked()  # the default
    try:
        everywhere.uncheck()
        page.get_by_role("button", name="Save switches").click()
        assert "Saved." in page.locator(".flash").inner_text()
        page.goto(site + POST)
        assert page.locator("main [data-notice^=availability]").count() == 0
        page.goto(site + "/")
        assert page.locator("main [data-notice^=availability]").is_visible()
    finally:
        page.goto(site + "/admin/notices")
        page.get_by_label("Show it on every page, posts and pages too").check()
        page.get_by_role("button", name="Save switches").click()
    page.goto(site + POST)
    assert page.locator("main [data-notice^=availability]").is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_focus_ring_on_the_public_pages_stands_out(page, site, width, report):
    page.set_viewport_size(WIDTHS[width])
    checked, weak = 0, []
    for name, path in PUBLIC.items():
        page.goto(site + path)
        rings = focus_rings(page)
        checked += len(rings)
        weak += [f"{name}: {line}" for line in weak_rings(rings)]
    banner = [r for r in weak if "Learn more" in r]
    report(f"focus rings, public pages, {width}", f"{checked} focused; {len(weak)} weak")
    assert checked > 20 and banner == [] and weak == []


@pytest.mark.parametrize("width", WIDTHS)
def test_every_focus_ring_in_the_editor_stands_out(page, site, live_server, width, report):
    screens = add_editor_content(live_server.instance)
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, site)
    checked, weak = 0, []
    for name in ("dashboard", "posts list", "edit post", "notices"):
        page.goto(site + screens[name])
        rings = focus_rings(page)
        checked += len(rings)
        weak += [f"{name}: {line}" for line in weak_rings(rings)]
    report(f"focus rings, editor, {width}", f"{checked} focused; {len(weak)} weak")
    assert checked > 20 and weak == []
