"""A visitor who follows the blog's feed link sees a page that says what a feed is, with
the address to copy and the latest posts, at laptop and phone widths; nothing sideways."""

import pytest

from tests.helpers.measure import WIDTHS


@pytest.mark.parametrize("width", WIDTHS)
def test_the_feed_link_opens_a_page_that_explains_feeds(page, site, width, external_requests):
    page.set_viewport_size(WIDTHS[width])
    page.goto(site + "/blog/")
    feed = page.locator('a[href$="/feed.xml"]').first
    href = feed.get_attribute("href")
    page.goto(href if href.startswith("http") else site + href)
    assert page.get_by_role("heading", name="Follow new posts with a feed reader").is_visible()
    address = page.locator("code.feed-address")
    assert address.inner_text().endswith("/feed.xml")
    posts = page.locator("article.summary h3 a")
    assert posts.count() >= 1, page.content()[:2000]
    first = posts.first.get_attribute("href")
    assert "/blog/" in first
    width_px = page.evaluate("() => document.documentElement.scrollWidth")
    assert width_px <= WIDTHS[width]["width"], width_px
    page.get_by_role("link", name="Back to the site").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").startswith(site)
    assert external_requests == []
