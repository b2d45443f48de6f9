"""Visitor input that becomes a link: the contact form's e-mail address and phone number are
checked by a real validator (in the form and again in the message service), and the inbox
builds its mailto: and tel: links with quoting, so no address can add a hidden Bcc, a
subject or a body to the reply, even one stored before the check existed."""

import html
import json
import os
import re
import subprocess
import sys
from urllib.parse import unquote, urlsplit

import pytest

from cms.content.links import email_address, mailto_url, tel_url
from cms.core.db import db
from cms.core.validation import ValidationError
from cms.messages.keys import seal
from cms.messages.models import Message
from cms.messages.service import store_message
from tests.helpers.contact import GOOD, send, stored

BCC_IN_DOMAIN = "robin@example.org?bcc=spy%40evil.example&subject=Re%3A%20fees"
BCC_IN_LOCAL_PART = "robin?bcc=spy%40evil.example&subject=hi@example.org"  # valid per RFC 5322


def hrefs(page: str, scheme: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(rf'href="({scheme}:[^"]*)"', page)]


def mailto_parts(href: str) -> tuple[str, str]:
    """(the recipient, the header part) as a mail program reads a mailto: URL (RFC 6068)."""
    address, _, headers = href.removeprefix("mailto:").partition("?")
    return unquote(address), headers


@pytest.mark.parametrize(
    "address",
    [
        BCC_IN_DOMAIN,
        "robin@example.org&bcc=spy@evil.example",
        "robin@localhost",
        "robin@[127.0.0.1]",
        '"robin smith"@example.org',
        "robin@example.org\nBcc: spy@evil.example",
        "r" * 60 + "@" + ".".join(["a" * 60] * 4) + ".org",  # over 254 characters
    ],
)
def test_the_contact_form_refuses_what_is_not_an_address(app, client, address):
    response = send(client, email=address)
    assert response.status_code == 400
    assert "Please enter an e-mail address such as name@example.org." in response.text
    assert stored(app) == []


def test_addresses_are_stored_in_their_normal_form(app, client):
    assert send(client, email="Robin@Example.ORG").status_code == 303
    assert stored(app)[0]["email"] == "Robin@example.org"


def test_the_service_checks_addresses_and_numbers_for_every_door(ctx):
    for contents, field in (
        ({**GOOD, "email": BCC_IN_DOMAIN}, "email"),
        ({**GOOD, "email": ""}, "email"),
        ({**GOOD, "phone": "+1 416 555 0100;ext=1?x"}, "phone"),
        ({**GOOD, "phone": "javascript:alert(1)"}, "phone"),
    ):
        with pytest.raises(ValidationError) as refused:
            store_message(contents)
        assert set(refused.value.errors) == {field}
    assert Message.select().count() == 0


def _inbox_page(app, client, auth, contents: dict, validated: bool = True) -> str:
    with app.app_context():
        db.connect(reuse_if_open=True)
        # Not validated: stored by an older version, before addresses were checked.
        message = store_message(contents) if validated else Message.create(sealed=seal(contents))
    auth.login()
    return client.get(f"/admin/inbox/{message.id}").get_data(as_text=True)


def test_a_valid_address_with_question_marks_links_to_itself_only(app, client, auth):
    assert email_address(BCC_IN_LOCAL_PART) == BCC_IN_LOCAL_PART
    page = _inbox_page(app, client, auth, {**GOOD, "email": BCC_IN_LOCAL_PART})
    [href] = hrefs(page, "mailto")
    assert mailto_parts(href) == (BCC_IN_LOCAL_PART, "")


def test_addresses_stored_before_the_check_cannot_add_headers(app, client, auth):
    contents = {**GOOD, "email": BCC_IN_DOMAIN, "phone": "+1 416;phone-context=evil"}
    page = _inbox_page(app, client, auth, contents, validated=False)
    [href] = hrefs(page, "mailto")
    assert mailto_parts(href) == (BCC_IN_DOMAIN, "")  # one odd recipient, no Bcc, no subject
    assert hrefs(page, "tel") == []  # shown as text only
    assert "+1 416;phone-context=evil" in html.unescape(page)


def test_phone_numbers_become_tel_links_of_digits(app, client, auth):
    page = _inbox_page(app, client, auth, {**GOOD, "phone": "+1 (416) 555-0100"})
    assert hrefs(page, "tel") == ["tel:+14165550100"]
    assert tel_url("416.555.0100") == "tel:4165550100"
    for bad in ("", "+", "555 0100 x2", "+1 416\n555", "tel:5550100", "1+2"):
        assert tel_url(bad) is None, bad


def test_mailto_quoting_keeps_the_address_intact():
    for address in ("robin@example.org", "ü@bücher.example", "a+b&c=d%25?e@example.org"):
        href = mailto_url(address)
        assert urlsplit(href).scheme == "mailto" and "?" not in href and "&" not in href
        assert mailto_parts(href) == (address, "")


def test_readers_workers_never_load_the_validator(tmp_path):
    """email-validator (and its DNS library) loads only when an address is checked."""
    script = (
        "import json, sys\n"
        "from cms import create_app\n"
        "app = create_app({'TESTING': True, 'INSTANCE_PATH': sys.argv[1],\n"
        "                  'SECRET_KEY': 'test', 'DEMO_CONTENT': False})\n"
        "client = app.test_client()\n"
        "pages = [client.get(url).status_code for url in ('/', '/contact', '/feed.xml')]\n"
        "print(json.dumps([pages, 'email_validator' in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
        timeout=120, check=True, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )  # fmt: skip
    assert json.loads(done.stdout.splitlines()[-1]) == [[200, 200, 200], False]
