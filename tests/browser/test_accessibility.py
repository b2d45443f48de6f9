"""Accessibility: axe-core on every public page template and the main editor screens,
reflow at 320 px and 200% zoom, and screenshots of the main pages for people to look at.
Writing and publishing a post with the keyboard alone is in test_keyboard_browser.py.

axe-core comes inside the axe-playwright-python package and is injected from that local
file: nothing is fetched from the network.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.helpers.browser import screenshot, sign_in
from tests.helpers.editor_content import add_editor_content

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
    "contact sent": "/contact/sent",
    "blog": "/blog/",
    "policy versions": "/social-media-policy/versions",
    "404": "/no-such-page",
    "400 (other errors)": "/search?q=" + "long" * 60,
}
BLOCKING = ("serious", "critical")
SCREENSHOTS = {"home": "/", "post": POST, "contact": "/contact"}
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

axe = Axe()


@pytest.fixture(scope="module")
def editor_screens(live_server) -> dict[str, str]:
    """The main editor screens, each with something to show."""
    return add_editor_content(live_server.instance)


def _describe(violation: dict) -> str:
    targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
    return f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}"


def _axe(page, site: str, screens: dict[str, str], blocking: list, remaining: list) -> None:
    for name, path in screens.items():
        page.goto(site + path)
        for violation in axe.run(page).response["violations"]:
            line = f"{name} {path}: {_describe(violation)}"
            (blocking if violation["impact"] in BLOCKING else remaining).append(line)


def _axe_figures(count: int, blocking: list, remaining: list) -> str:
    return (
        f"{count} checked; {len(blocking)} serious/critical violations; {len(remaining)} others"
        + "".join(f"\n  {line}" for line in blocking + remaining)
    )


def test_public_templates_have_no_serious_axe_violations(page, site, report):
    blocking, remaining = [], []
    _axe(page, site, TEMPLATES, blocking, remaining)
    report("axe-core, public templates", _axe_figures(len(TEMPLATES), blocking, remaining))
    assert blocking == []


def test_editor_screens_have_no_serious_axe_violations(page, site, editor_screens, report):
    blocking, remaining = [], []
    _axe(page, site, {"sign-in": "/admin/login"}, blocking, remaining)
    sign_in(page, site)
    _axe(page, site, editor_screens, blocking, remaining)
    count = len(editor_screens) + 1
    report("axe-core, editor screens", _axe_figures(count, blocking, remaining))
    assert blocking == []


@pytest.mark.parametrize(
    "viewport, scale",
    [({"width": 320, "height": 640}, 1), ({"width": 640, "height": 450}, 2)],
    ids=["320px", "200% zoom of 1280px"],
)
def test_pages_reflow_without_horizontal_scrolling(
    browser, site, editor_screens, viewport, scale, report
):
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    page = context.new_page()
    overflowing, paths = [], [*TEMPLATES.values(), "/admin/login"]
    for path in paths:
        page.goto(site + path)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            overflowing.append(path)
    sign_in(page, site)
    for path in editor_screens.values():
        paths.append(path)
        page.goto(site + path)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            overflowing.append(path)
    context.close()
    report(f"reflow at {viewport['width']} px x{scale}", f"{len(paths)} pages, {overflowing=}")
    assert overflowing == []


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_screenshots_of_the_main_pages(browser, site, editor_screens, width):
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    for name, path in SCREENSHOTS.items():
        page.goto(site + path)
        assert page.locator("main h1").first.is_visible(), path
        screenshot(page, f"{name}-{width}")
    sign_in(page, site)
    page.goto(site + editor_screens["edit post"])
    page.locator("#preview-body h2").wait_for()  # the live preview has arrived
    screenshot(page, f"editor-{width}")
    context.close()
