"""Accessibility: axe-core on every public page template, reflow at 320 px and 200% zoom,
and screenshots of the main pages for people to look at.

axe-core comes inside the axe-playwright-python package and is injected from that local
file: nothing is fetched from the network.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import screenshot

POST = "/blog/social-media-and-our-therapy-relationship"
TEMPLATES = {
    "home": "/",
    "post": POST,
    "page": "/about",
    "policy page": "/social-media-policy",
    "category": "/category/faq",
    "archive": "/archive",
    "search results": "/search?q=therapy",
    "contact": "/contact",
    "404": "/no-such-page",
}
BLOCKING = ("serious", "critical")
SCREENSHOTS = {"home": "/", "post": POST, "contact": "/contact"}
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

axe = Axe()


def _describe(violation: dict) -> str:
    targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
    return f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}"


def test_public_templates_have_no_serious_axe_violations(page, site, report):
    blocking, remaining = [], []
    for name, path in TEMPLATES.items():
        page.goto(site + path)
        for violation in axe.run(page).response["violations"]:
            line = f"{name} {path}: {_describe(violation)}"
            (blocking if violation["impact"] in BLOCKING else remaining).append(line)
    report(
        "axe-core",
        f"{len(TEMPLATES)} templates checked; {len(blocking)} serious/critical violations; "
        f"{len(remaining)} others" + "".join(f"\n  {line}" for line in remaining),
    )
    assert blocking == []


@pytest.mark.parametrize(
    "viewport, scale",
    [({"width": 320, "height": 640}, 1), ({"width": 640, "height": 450}, 2)],
    ids=["320px", "200% zoom of 1280px"],
)
def test_pages_reflow_without_horizontal_scrolling(browser, site, viewport, scale):
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    page = context.new_page()
    overflowing = []
    for path in TEMPLATES.values():
        page.goto(site + path)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            overflowing.append(path)
    context.close()
    assert overflowing == []


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_screenshots_of_the_main_pages(browser, site, width):
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    for name, path in SCREENSHOTS.items():
        page.goto(site + path)
        assert page.locator("main h1").first.is_visible(), path
        screenshot(page, f"{name}-{width}")
    context.close()
