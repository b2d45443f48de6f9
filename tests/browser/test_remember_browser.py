"""'Keep me signed in' as the therapist uses it: close the browser, open it again, keep working."""

import pytest

from tests.helpers.browser import editor_menu_link
from tests.helpers.live import ADMIN

PHONE = {"width": 390, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


def _sign_in_remembered(browser, site, viewport) -> list[dict]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{site}/admin/login")
    page.get_by_label("E-mail").fill(ADMIN[0])
    page.get_by_label("Password", exact=True).fill(ADMIN[1])
    page.get_by_label("Keep me signed in").check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/admin/")
    cookies = context.cookies()
    context.close()  # the browser is closed: session cookies are gone
    return [c for c in cookies if c["name"] == "remember_token"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_keep_me_signed_in_survives_a_browser_restart(browser, site, viewport):
    remember = _sign_in_remembered(browser, site, viewport)
    assert len(remember) == 1
    context = browser.new_context(viewport=viewport)
    context.add_cookies(remember)  # the next morning: only the remember cookie is left
    page = context.new_page()
    page.goto(f"{site}/admin/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    for path in ("/admin/posts/", "/admin/notices", "/admin/account", "/admin/", "/admin/posts/"):
        page.goto(site + path)  # as a click on the editor's menu does
        assert "/admin/login" not in page.url, path
    editor_menu_link(page, "Dashboard").click()
    page.wait_for_load_state()
    assert "/admin/login" not in page.url
    names = {c["name"] for c in context.cookies()}
    assert "remember_token" in names
    context.close()


def test_a_copied_session_cookie_does_not_work_in_another_browser(browser, site):
    context = browser.new_context(user_agent="Therapist laptop")
    page = context.new_page()
    page.goto(f"{site}/admin/login")
    page.get_by_label("E-mail").fill(ADMIN[0])
    page.get_by_label("Password", exact=True).fill(ADMIN[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/admin/")
    session = [c for c in context.cookies() if c["name"] == "session"]
    thief = browser.new_context(user_agent="Someone else's browser")
    thief.add_cookies(session)
    other = thief.new_page()
    other.goto(f"{site}/admin/")
    assert "/admin/login" in other.url
    thief.close()
    context.close()


def test_a_browser_update_keeps_a_remembered_sign_in(browser, site):
    context = browser.new_context(user_agent="Therapist browser 120")
    page = context.new_page()
    page.goto(f"{site}/admin/login")
    page.get_by_label("E-mail").fill(ADMIN[0])
    page.get_by_label("Password", exact=True).fill(ADMIN[1])
    page.get_by_label("Keep me signed in").check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/admin/")
    cookies = context.cookies()
    context.close()
    updated = browser.new_context(user_agent="Therapist browser 121")  # same cookies, new version
    updated.add_cookies(cookies)
    page = updated.new_page()
    for path in ("/admin/", "/admin/posts/", "/admin/account"):
        page.goto(site + path)
        assert "/admin/login" not in page.url, path
    updated.close()
