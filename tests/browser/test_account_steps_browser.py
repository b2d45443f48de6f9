"""The therapist's steps, at desktop and phone widths: a refused settings save, the
dashboard, the menu order, the activity log, a policy correction, and getting back in
after forgetting the password (e-mailed link, the countdown, the pause page)."""

import email
import email.policy
import re
import threading

import pytest
from aiosmtpd.controller import Controller

from tests.helpers.browser import screenshot, sign_in
from tests.helpers.live import ADMIN, EDITOR, LiveServer, free_port, prepare_instance

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 800}}
WIDTHS = pytest.mark.parametrize("width", list(VIEWPORTS))
NEW_PASSWORD = "a quiet harbour at dawn"


class Mailbox:
    def __init__(self):
        self.mails = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(envelope.content.decode("utf-8", "replace"))
        self.arrived.set()
        return "250 OK"


@pytest.fixture(scope="module")
def mailbox():
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def _serve(tmp_path_factory, mailbox):
    instance = tmp_path_factory.mktemp("account-steps")
    prepare_instance(instance)
    env = {"CMS_SMTP_HOST": "127.0.0.1", "CMS_SMTP_PORT": str(mailbox[1]),
           "CMS_SMTP_STARTTLS": "false", "CMS_SMTP_FROM": "site@example.org"}  # fmt: skip
    return LiveServer(instance, env=env)


@pytest.fixture(scope="module")
def server(tmp_path_factory, mailbox):
    live = _serve(tmp_path_factory, mailbox)
    yield live
    live.stop()


@pytest.fixture
def own_server(tmp_path_factory, mailbox):
    """A server of its own, for a test that changes a password or pauses signing in
    (the other tests sign in with the first password, from the same address)."""
    live = _serve(tmp_path_factory, mailbox)
    yield live
    live.stop()


@pytest.fixture
def tab(browser, request):
    width = request.node.callspec.params["width"]
    context = browser.new_context(viewport=VIEWPORTS[width])
    yield context.new_page(), width
    context.close()


@WIDTHS
def test_a_refused_settings_save_says_what_to_fix_at_the_top(tab, server, width):
    page, _ = tab
    site = server.url
    sign_in(page, site)
    page.goto(site + "/admin/settings")
    page.get_by_label("Site title").fill("Calm Harbour Therapy")
    page.locator("#social_links-0-label").fill("Blog elsewhere")
    page.locator("#social_links-0-url").fill("javascript:alert(1)")
    page.get_by_role("button", name="Save settings").last.click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.bounding_box()["y"] < 600  # on the first screen, not at the bottom
    assert "Site title" in summary.inner_text() and "Social links" in summary.inner_text()
    assert page.get_by_label("Site title").input_value() == "Calm Harbour Therapy"
    screenshot(page, f"settings-refused-{width}")
    summary.get_by_role("link").first.click()
    assert page.url.endswith("#social_links")


@WIDTHS
def test_the_dashboard_offers_the_next_steps(tab, server, width):
    page, _ = tab
    site = server.url
    sign_in(page, site)
    page.goto(site + "/admin/")
    assert page.get_by_text("Availability:").is_visible()
    assert page.get_by_role("link", name=re.compile("Switch it")).is_visible()
    screenshot(page, f"dashboard-{width}")
    page.get_by_role("link", name="Write a post").click()
    page.wait_for_url(site + "/admin/posts/new")


@WIDTHS
def test_the_menu_order_changes_with_up_and_down(tab, server, width):
    page, _ = tab
    site = server.url
    sign_in(page, site)
    page.goto(site + "/admin/menu")
    first = page.locator('input[name="items-0-label"]').input_value()
    page.get_by_role("button", name=f"Move “{first}” down").click()
    assert page.get_by_text(f"“{first}” is now number 2 in the menu").is_visible()
    assert page.locator('input[name="items-1-label"]').input_value() == first
    page.get_by_role("button", name=f"Move “{first}” up").click()
    assert page.locator('input[name="items-0-label"]').input_value() == first
    page.goto(site + "/admin/activity")
    assert page.get_by_text("Changed the header menu").first.is_visible()


@WIDTHS
def test_a_policy_correction_is_asked_for_and_listed(tab, server, width):
    page, _ = tab
    site = server.url
    sign_in(page, site)
    page.goto(site + "/admin/pages/")
    page.get_by_role("link", name="Social media policy").first.click()
    body = page.locator('textarea[name="body"]')
    body.fill(body.input_value() + f"\n\nA clearer sentence ({width}).")
    page.locator('button[name="action"]').first.click()
    assert page.get_by_text(
        "say whether this change is a new version or a correction"
    ).first.is_visible()
    page.get_by_label(re.compile("a correction")).check()
    page.locator('button[name="action"]').first.click()
    page.goto(site + "/social-media-policy")
    assert page.get_by_text(f"A clearer sentence ({width}).").is_visible()
    assert page.get_by_text("Corrected (wording only, the same version) on").is_visible()
    page.emulate_media(media="print")
    assert page.get_by_text("Printed from").is_visible()
    assert re.search(
        r"on \w+ \d+, \d{4}|on \d+ \w+ \d{4}", page.locator(".print-line").inner_text()
    )
    assert not page.locator("header").first.is_visible()
    screenshot(page, f"policy-print-{width}")


@WIDTHS
def test_a_forgotten_password_comes_back_by_e_mail(tab, own_server, mailbox, width):
    page, _ = tab
    site = own_server.url
    who = ADMIN if width == "desktop" else EDITOR
    handler, _ = mailbox
    handler.arrived.clear()
    page.goto(site + "/admin/login")
    assert page.get_by_text("cms reset-password").is_visible()
    page.get_by_role("link", name="Get a link by e-mail").click()
    page.get_by_label("Your e-mail").fill(who[0])
    page.get_by_role("button", name="Send me a link").click()
    assert page.get_by_text("a link to choose a new password is on its way").is_visible()
    assert handler.arrived.wait(10)
    mail = email.message_from_string(handler.mails[-1], policy=email.policy.default)
    link = re.search(r"(/admin/set-password/[\w-]+)", mail.get_content())[1]
    assert page.goto(site + link).status == 200, (link, handler.mails[-1])
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    page.wait_for_url(site + "/admin/login")
    sign_in(page, site, (who[0], NEW_PASSWORD))
    assert "/admin/login" not in page.url
    assert page.goto(site + link).status == 404  # used once, gone


@WIDTHS
def test_wrong_passwords_count_down_then_pause_in_the_editor_design(tab, own_server, width):
    page, _ = tab
    site = own_server.url
    email = f"mistyped-{width}@example.org"
    page.goto(site + "/admin/login")
    said = ""
    for _ in range(5):
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password", exact=True).fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        said += page.locator("main").inner_text()
    assert "2 attempts left" in said and "1 attempt left" in said
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="Signing in is paused for a while").is_visible()
    assert page.get_by_text("You can try again at").is_visible()
    assert page.locator('link[href*="css/admin.css"]').count() == 1
    screenshot(page, f"sign-in-paused-{width}")
