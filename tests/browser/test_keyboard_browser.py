"""Keyboard only: sign in, write, format, categorise and publish a post, then read it on the
public site, with Tab, Shift+Tab, typing, Space and Enter; no clicks. Every element that
takes focus on the way shows where the focus is."""

from tests.helpers.live import ADMIN

TITLE = "Written with the keyboard alone"
# What the focused element looks like: an outline or a ring (box-shadow) counts as visible.
FOCUS_STYLE = """el => {
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {tag: el.localName, text: (el.textContent || el.name || el.id).trim().slice(0, 40),
          visible: outline || style.boxShadow !== "none"};
}"""


class Keyboard:
    """Moves the focus with Tab or Shift+Tab and notes focus that cannot be seen."""

    def __init__(self, page):
        self.page, self.presses, self.unseen = page, 0, []

    def to(self, locator, key: str = "Tab", limit: int = 80) -> None:
        """Press `key` until `locator` has the focus."""
        for _ in range(limit):
            self.page.keyboard.press(key)
            self.presses += 1
            focused = self.page.locator(":focus")
            if focused.count() == 1:
                style = focused.evaluate(FOCUS_STYLE)
                if not style["visible"]:
                    self.unseen.append(f"{self.page.url}: <{style['tag']}> {style['text']!r}")
            if locator.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{key} x{limit} never reached {locator}")


def test_write_and_publish_a_post_with_the_keyboard_alone(page, site, report, console_errors):
    keys = Keyboard(page)
    page.goto(f"{site}/admin/login")
    keys.to(page.get_by_label("E-mail"))
    page.keyboard.type(ADMIN[0])
    keys.to(page.get_by_label("Password", exact=True))
    page.keyboard.type(ADMIN[1])
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/admin/")

    keys.to(page.get_by_role("navigation", name="Editor").get_by_role("link", name="Posts"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/admin/posts/")
    keys.to(page.get_by_role("link", name="New post"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/admin/posts/new")

    keys.to(page.get_by_label("Title", exact=True))
    page.keyboard.type(TITLE)
    body = page.get_by_label("Text (Markdown)")
    keys.to(body)
    page.keyboard.type("No mouse was needed to write this.")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    keys.to(
        page.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Bold"),
        "Shift+Tab",
    )
    page.keyboard.press("Space")  # the toolbar selects its placeholder in the text...
    page.keyboard.type("Rest matters")  # ...so typing replaces it
    preview = page.locator("#preview-body")
    preview.locator("strong", has_text="Rest matters").wait_for()
    keys.to(page.get_by_role("checkbox", name="FAQ"))
    page.keyboard.press("Space")
    keys.to(page.get_by_role("button", name="Publish now"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/admin/posts/*/edit")
    assert "Published on " in page.locator("main").inner_text()

    keys.to(page.get_by_role("link", name="View on the site"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/blog/written-with-the-keyboard-alone")
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    assert page.locator(".prose strong").inner_text() == "Rest matters"
    assert "No mouse was needed" in page.locator(".prose").inner_text()
    page.goto(f"{site}/category/faq")
    assert page.get_by_role("link", name=TITLE).count() == 1
    report("keyboard only", f"signed in, wrote and published a post in {keys.presses} key moves")
    assert keys.unseen == [], "focus not visible"
    assert console_errors == []
