"""The public site in a real browser: readable, private, no errors."""

from tests.helpers.browser import screenshot


def test_reader_browses_home_post_and_policy(page, site, external_requests, console_errors):
    page.goto(site + "/")
    assert "no longer accepting new clients" in page.locator("main").inner_text()
    assert page.locator(".banner").inner_text().startswith("Secure online therapy")
    page.get_by_role("link", name="Social media and our therapy relationship").first.click()
    page.wait_for_url("**/blog/social-media-and-our-therapy-relationship")
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == "Social media and our therapy relationship"
    )
    assert "not a substitute for professional advice" in page.locator(".disclaimer").inner_text()
    assert page.get_by_role("heading", name="Recommended posts").is_visible()
    page.get_by_role("link", name="Social media policy").first.click()
    assert "Effective date" in page.locator("main").inner_text()
    assert external_requests == []
    assert console_errors == []
    assert page.context.cookies() == []


def test_search_from_the_header(page, site, external_requests):
    page.goto(site + "/")
    page.get_by_role("searchbox", name="Search").fill("anxiety")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=anxiety")
    assert page.locator("ol.results li").count() >= 1
    assert page.locator("ol.results mark").first.inner_text().lower() == "anxiety"
    assert external_requests == []


def test_phone_width_has_no_horizontal_scroll(page, site):
    page.set_viewport_size({"width": 320, "height": 800})
    for path in ["/", "/blog/social-media-and-our-therapy-relationship", "/contact", "/archive"]:
        page.goto(site + path)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, path
    page.goto(site + "/")
    screenshot(page, "home-phone")
