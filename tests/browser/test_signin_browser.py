"""Signing in with a real browser: the first start's setup link, the form, the keyboard."""

import re
import time

import pyotp
import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.core.db import db
from tests.helpers.browser import screenshot
from tests.helpers.live import ADMIN, EDITOR, LiveServer


@pytest.fixture
def fresh_server(tmp_path):
    """A brand-new site with no account yet, as after installing it."""
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "browser-tests",
            "DEMO_CONTENT": False,
            "SETUP_LINK": False,  # the server itself announces the link
        }
    )
    assert app.config["SETUP_LINK"] is False
    db.close()
    server = LiveServer(tmp_path)
    yield server
    server.stop()


def _setup_link(server) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = re.findall(r"(/admin/setup/[\w-]+)", (server.instance / "server.log").read_text())
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError("no setup link in the server log")


def test_first_start_setup_link_then_dashboard(page, fresh_server, console_errors):
    site = fresh_server.url
    external_requests = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(site) or url.startswith("data:"):
            request_route.continue_()
        else:
            external_requests.append(url)
            request_route.abort()

    page.route("**/*", route)
    link = _setup_link(fresh_server)
    assert page.goto(site + "/admin/setup/wrong-token").status == 404
    page.goto(site + link)
    page.get_by_label("Your name").fill("Sam Therapist")
    page.get_by_label("E-mail").fill("sam@example.org")
    page.get_by_label("Password", exact=True).fill("a calm blue morning")
    page.get_by_label("Repeat the password").fill("a calm blue morning")
    screenshot(page, "setup-first-admin")
    page.get_by_role("button", name="Create the administrator account").click()
    page.wait_for_url(site + "/admin/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_role("link", name="Users").is_visible()
    assert page.goto(site + link).status == 404  # used up

    page.goto(site + "/admin/")
    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.wait_for_url(site + "/admin/login")
    page.get_by_label("E-mail").fill("sam@example.org")
    page.get_by_label("Password", exact=True).fill("a calm blue morning")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site + "/admin/")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["session"]["httpOnly"] and cookies["session"]["sameSite"] == "Lax"
    assert external_requests == []
    assert [e for e in console_errors if "status of 404" not in e] == []  # 404s were on purpose


def test_keyboard_only_sign_in(page, site):
    page.goto(site + "/admin/login")
    page.locator("body").focus()
    for _ in range(10):  # Tab from the top of the page to the e-mail field
        if page.evaluate("document.activeElement.id") == "email":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(EDITOR[0])
    page.keyboard.press("Tab")
    page.keyboard.type(EDITOR[1])
    page.keyboard.press("Enter")
    page.wait_for_url(site + "/admin/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()


def test_two_step_sign_in_in_the_browser(page, site, live_server):
    """Set up an authenticator on a new account, then sign in with a code."""
    app = create_app({"INSTANCE_PATH": str(live_server.instance), "SECRET_KEY": "browser-tests"})
    with app.app_context():
        from cms.accounts.users import create_user

        db.connect(reuse_if_open=True)
        create_user("twostep@example.org", ADMIN[1], "editor", "Tess", actor=SYSTEM)
    db.close()
    page.goto(site + "/admin/login")
    page.get_by_label("E-mail").fill("twostep@example.org")
    page.get_by_label("Password", exact=True).fill(ADMIN[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site + "/admin/")
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Set up two-step sign-in").click()
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    secret = page.locator("code.secret").first.inner_text()
    screenshot(page, "two-step-setup")
    page.get_by_label("6-digit code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_label("Current password").fill(ADMIN[1])
    page.get_by_role("button", name="Switch on two-step sign-in").click()
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("button", name=re.compile("Sign out")).click()

    page.get_by_label("E-mail").fill("twostep@example.org")
    page.get_by_label("Password", exact=True).fill(ADMIN[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site + "/admin/login/two-step")
    totp = pyotp.TOTP(secret)
    code = totp.at(time.time() + 30)  # the next step's code: the setup code is spent
    page.get_by_label(re.compile("Code from your authenticator app")).fill(code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(site + "/admin/")
