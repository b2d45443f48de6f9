"""Phones: a visitor reads the first words of a post without scrolling and finds the menu
behind one button (with or without JavaScript); the therapist's editor folds its menu,
keeps Save in reach, reflows its lists and has targets a finger can hit (WCAG 2.5.8)."""

import pytest

from tests.helpers.browser import sign_in
from tests.helpers.editor_content import add_editor_content
from tests.helpers.measure import WIDTHS, small_targets

POST = "/blog/social-media-and-our-therapy-relationship"
PHONE = {"width": 390, "height": 800}
PUBLIC = {"home": "/", "post": POST, "blog": "/blog/", "archive": "/archive",
          "contact": "/contact", "category": "/category/faq", "search": "/search?q=therapy",
          "404": "/nope"}  # fmt: skip
LISTS = ("posts list", "inbox", "users")


def _top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_a_visitor_on_a_phone_reads_the_post_and_opens_the_menu(browser, site, javascript):
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(site + POST)
    first_words = page.locator("main .prose p").first
    box = first_words.bounding_box()
    assert box["y"] + 2 * 18 < PHONE["height"]  # its first two lines show at once
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.get_by_role("link", name="Blog").is_visible()
    assert not page.get_by_role("searchbox").is_visible()
    page.locator(".site-menu > summary").click()
    nav.get_by_role("link", name="Blog").click()
    page.wait_for_url(f"{site}/blog/")
    page.locator(".site-menu > summary").click()
    page.get_by_role("searchbox").fill("therapy")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url(f"{site}/search?q=therapy")
    context.close()


def test_on_a_desktop_the_menu_and_search_are_open_without_a_button(page, site):
    page.set_viewport_size(WIDTHS["desktop"])
    page.goto(site + POST)
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Blog").is_visible()
    assert page.get_by_role("searchbox").is_visible()
    assert not page.locator(".site-menu > summary").is_visible()
    assert _top(page, "main .prose p") < WIDTHS["desktop"]["height"]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_first_content_of_every_public_page_is_above_the_fold(page, site, width, report):
    """What main starts with (a notice or the heading) is in the upper third of the first
    screen, and the whole heading is on it."""
    page.set_viewport_size(WIDTHS[width])
    height, tops = WIDTHS[width]["height"], {}
    for name, path in PUBLIC.items():
        page.goto(site + path)
        first = page.locator("main > *:not(.skip)").first.bounding_box()
        heading = page.locator("main h1").first.bounding_box()
        tops[name] = (round(first["y"]), round(heading["y"] + heading["height"]))
    report(f"first content top, heading bottom, {width} (px)", tops)
    assert all(first < height / 3 and end < height for first, end in tops.values()), tops


def test_the_editor_menu_folds_away_on_a_phone(page, site):
    page.set_viewport_size(WIDTHS["phone"])
    sign_in(page, site)
    page.goto(site + "/admin/")
    nav = page.get_by_role("navigation", name="Editor")
    assert not nav.get_by_role("link", name="Posts").is_visible()
    assert _top(page, "main h1") < 200
    page.locator(".admin-menu > summary").click()
    nav.get_by_role("link", name="Posts").click()
    page.wait_for_url(f"{site}/admin/posts/")
    page.set_viewport_size(WIDTHS["desktop"])
    assert nav.get_by_role("link", name="Pages").is_visible()  # open on a wide screen


@pytest.mark.parametrize("width", WIDTHS)
def test_save_stays_in_reach_while_writing_a_long_post(page, site, live_server, width):
    screens = add_editor_content(live_server.instance)
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, site)
    page.goto(site + screens["edit post"])
    save = page.locator("#primary-action")  # "Update" on a published post
    label = save.inner_text().strip()
    assert label in ("Update", "Publish now") or label.startswith("Schedule")
    height = WIDTHS[width]["height"]
    for where in ("top", "middle"):
        if where == "middle":
            page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
        box = save.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (where, box)
        assert (
            page.evaluate(
                "([x, y]) => document.elementFromPoint(x, y).closest('button')?.textContent",
                [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
            ).strip()
            == label
        )  # nothing covers it


STACKED_CELLS_WITHOUT_A_NAME = """() => [...document.querySelectorAll('table.list tbody tr')]
  .flatMap(row => [...row.children].slice(1).map(cell => {
    const th = cell.closest('table').querySelectorAll('thead th')[cell.cellIndex];
    const named = th && th.textContent.trim() && !th.querySelector('.visually-hidden');
    const shown = getComputedStyle(cell, '::before').content;
    const missing = named && cell.colSpan === 1 && !shown.includes(th.textContent.trim());
    return missing ? cell.outerHTML.slice(0, 80) : null;
  })).filter(Boolean)"""


def test_the_editor_lists_reflow_on_a_phone(page, site, live_server, report):
    screens = {**add_editor_content(live_server.instance), "menu": "/admin/menu"}
    page.set_viewport_size(WIDTHS["phone"])
    sign_in(page, site)
    widths, unnamed = {}, {}
    for name in (*LISTS, "menu"):
        page.goto(site + screens[name])
        widths[name] = page.evaluate(
            "() => [document.documentElement.scrollWidth,"
            " Math.max(...[...document.querySelectorAll('table')].map(t => t.scrollWidth))]"
        )
        # Stacked cells keep their column's name on screen (all but the row's first cell,
        # and cells with no column name of their own, such as a row's buttons).
        unnamed[name] = page.evaluate(STACKED_CELLS_WITHOUT_A_NAME)
    report("page and widest table width at 390 px", widths)
    assert all(page_w <= 390 and table <= 390 for page_w, table in widths.values()), widths
    assert {name: cells for name, cells in unnamed.items() if cells} == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_every_target_is_big_enough_to_tap(page, site, live_server, width, report):
    screens = add_editor_content(live_server.instance)
    page.set_viewport_size(WIDTHS[width])
    counted, failing = 0, []
    for name, path in PUBLIC.items():
        page.goto(site + path)
        page.locator("details.site-menu").evaluate("d => d.open = true")
        found = small_targets(page)
        counted += found["count"]
        failing += [f"{name}: {line}" for line in found["failing"]]
    sign_in(page, site)
    for name, path in {**screens, "menu": "/admin/menu"}.items():
        page.goto(site + path)
        page.locator("details.admin-menu").evaluate("d => d.open = true")
        found = small_targets(page)
        counted += found["count"]
        failing += [f"{name}: {line}" for line in found["failing"]]
    report(f"touch targets, {width}", f"{counted} measured; {len(failing)} too small")
    assert counted > 200 and failing == []
