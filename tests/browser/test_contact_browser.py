"""A visitor writes through the contact form; the therapist is notified and reads it."""

import threading

import pytest
from aiosmtpd.controller import Controller

from tests.helpers.browser import screenshot, sign_in
from tests.helpers.live import LiveServer, free_port, prepare_instance

NAME = "Quinn Browsertest"
EMAIL = "quinn.browsertest@example.org"
TEXT = "Marker-7f3a: could we talk about evening appointments?"


class Mailbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self):
        self.envelopes = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.arrived.set()
        return "250 OK"


@pytest.fixture(scope="module")
def mailbox():
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def contact_server(tmp_path_factory, mailbox):
    """A server of its own, configured to send notifications to the test mailbox."""
    instance = tmp_path_factory.mktemp("contact-instance")
    prepare_instance(instance)
    env = {
        "CMS_SMTP_HOST": "127.0.0.1",
        "CMS_SMTP_PORT": str(mailbox[1]),
        "CMS_SMTP_STARTTLS": "false",
        "CMS_NOTIFY_EMAIL": "therapist@example.org",
        "CMS_CONTACT_MIN_SECONDS": "1",
    }
    server = LiveServer(instance, env=env)
    yield server
    server.stop()


def test_visitor_sends_a_message_and_the_admin_reads_it(
    page, contact_server, mailbox, console_errors
):
    site = contact_server.url
    elsewhere = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(site)
            else (elsewhere.append(route.request.url), route.abort())
        ),
    )

    page.goto(site + "/contact")
    assert "9-8-8" in page.locator("main").inner_text()
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("By e-mail").check()
    page.get_by_label("Message", exact=True).fill(TEXT)
    page.wait_for_timeout(1200)  # a person takes a moment; the form refuses instant sends
    page.get_by_role("button", name="Send message").click()  # forgot the acknowledgement
    error = page.locator("#acknowledge-error")
    assert "not an emergency" in error.inner_text()
    assert page.get_by_label("Message", exact=True).input_value() == TEXT  # nothing lost
    screenshot(page, "contact-form-error")
    page.get_by_label("I understand that this form is not for emergencies").check()
    page.get_by_role("button", name="Send message").click()
    page.wait_for_url(f"{site}/contact/sent")
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you, your message was sent"
    assert "9-8-8" in page.locator("main").inner_text()
    screenshot(page, "contact-sent")

    sign_in(page, site)
    page.get_by_role("link", name="Inbox (1 unread)").click()
    page.get_by_role("link", name=NAME).click()
    assert page.locator(".message-text").inner_text() == TEXT
    assert EMAIL in page.locator(".message-meta").inner_text()
    assert page.get_by_role("link", name="Inbox (1 unread)").is_visible()  # reading is a GET
    page.get_by_role("button", name="Mark as read").click()
    assert page.get_by_role("link", name="Inbox (0 unread)").is_visible()
    screenshot(page, "inbox-message")

    handler, _port = mailbox
    assert handler.arrived.wait(15)
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["therapist@example.org"]
    mail = envelope.content.decode()
    assert f"{site}/admin/inbox" in mail
    for secret in (NAME, "Quinn", EMAIL, "browsertest", "Marker-7f3a", "evening"):
        assert secret not in mail
    assert elsewhere == []
    # The one expected entry: the form sent back with a field error answers 400 (bad input).
    assert [e for e in console_errors if "status of 400" not in e] == []

    # What the server wrote to disk (database and WAL) holds none of it in the clear.
    data = b"".join(path.read_bytes() for path in contact_server.instance.glob("cms.sqlite3*"))
    assert b"SQLite format 3" in data
    for secret in (NAME, EMAIL, "Marker-7f3a"):
        assert secret.encode() not in data
