"""What browser tests do on a page: sign in through the form, take a screenshot."""

from tests.helpers.live import ADMIN, ROOT

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def sign_in(page, site, who=ADMIN):
    """Sign in through the form."""
    page.goto(f"{site}/admin/login")
    page.get_by_label("E-mail").fill(who[0])
    page.get_by_label("Password", exact=True).fill(who[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/admin/**")


def screenshot(page, name: str) -> None:
    """Save a screenshot for people to look at (test-artifacts/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def editor_menu_link(page, name: str):
    """A link in the editor's menu, unfolding the menu first where it is folded (a phone)."""
    toggle = page.locator(".admin-menu > summary")
    if toggle.is_visible() and page.locator(".admin-menu[open]").count() == 0:
        toggle.click()
    return page.get_by_role("navigation", name="Editor").get_by_role("link", name=name)
