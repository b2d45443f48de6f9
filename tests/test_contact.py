"""The public contact form: fields, defences, availability, cookies and the page cache."""

import logging
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.core import clock
from cms.core.db import db
from cms.public.contact import CSRF_FAILED
from cms.public.contact_forms import TAMPERED, TOO_FAST
from cms.site.models import Notice, save_settings
from cms.site.notices import save_notice
from tests.helpers.contact import GOOD, opened_token, send, stored


def text(response) -> str:
    return response.get_data(as_text=True)


def test_contact_page_has_crisis_notice_details_and_labelled_fields(client):
    html = text(client.get("/contact"))
    crisis = html.index('call <a href="tel:911">911</a>')
    assert "9-8-8" in html and "not monitored around the clock" in html
    assert crisis < html.index('<form method="post"')
    for field, label in [
        ("name", "Your name"),
        ("email", "E-mail address"),
        ("phone", "Phone (optional)"),
        ("message", "Message"),
    ]:
        assert f'<label for="{field}">{label}</label>' in html
    assert "How would you prefer to be contacted?</legend>" in html
    assert "this form is not for emergencies" in html
    assert 'class="hp" aria-hidden="true"' in html


def test_valid_message_is_stored_and_confirmed_with_crisis_notice(app, client):
    response = send(client, phone="+1 416 555 0199", contact_method="phone")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/contact/sent")
    [message] = stored(app)
    expected = {**GOOD, "phone": "+1 416 555 0199", "contact_method": "phone"}
    del expected["acknowledge"]
    assert message == {**expected, "waitlist": False}
    confirmation = client.get("/contact/sent")
    assert confirmation.status_code == 200
    assert "your message was sent" in text(confirmation)
    assert '<a href="tel:988">9-8-8</a>' in text(confirmation)
    assert 'call <a href="tel:911">911</a>' in text(confirmation)


def test_honeypot_is_accepted_silently_and_not_stored(app, client):
    response = send(client, website="http://spam.example")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/contact/sent")
    assert stored(app) == []


def test_sending_too_fast_asks_to_send_again_and_keeps_the_text(app, client):
    response = send(client, wait=0)
    assert response.status_code == 400
    assert TOO_FAST in text(response)
    assert GOOD["message"] in text(response)
    assert stored(app) == []


def test_tampered_opening_time_is_refused_with_a_fresh_one(app, client):
    clock.advance(timedelta(seconds=30))
    response = client.post("/contact", data={**GOOD, "opened": "forged"})
    assert response.status_code == 400
    assert TAMPERED in text(response)
    assert 'name="opened" type="hidden" value="forged"' not in text(response)
    assert stored(app) == []


def test_missing_acknowledgement_is_explained_next_to_the_checkbox(app, client):
    response = send(client, acknowledge="")
    assert response.status_code == 400
    html = text(response)
    assert 'id="acknowledge-error">Please confirm that this is not an emergency' in html
    assert "Your message has not been sent yet" in html
    assert stored(app) == []


def test_100_kb_message_gets_a_clear_error(app, client):
    response = send(client, message="x" * 100_000)
    assert response.status_code == 400
    assert "Please keep your message under 5,000 characters (it has 100,000)" in text(response)
    assert stored(app) == []


@pytest.mark.parametrize(
    "email",
    ["not-an-email", "robin@localhost", "robin @example.org", "a@b.", "x" * 250 + "@ex.org"],
)
def test_invalid_email_is_explained(app, client, email):
    response = send(client, email=email)
    assert response.status_code == 400
    assert 'id="email-error">Please enter an e-mail address such as name@example.org.' in text(
        response
    )
    assert stored(app) == []


def test_phone_is_needed_when_preferred_and_must_look_like_one(app, client):
    response = send(client, contact_method="phone")
    assert "Please add a phone number, or choose to be contacted by e-mail." in text(response)
    response = send(client, phone="call me maybe")
    assert response.status_code == 400
    assert "Please enter a phone number using digits" in text(response)
    assert stored(app) == []


def test_rate_limit_answers_429_and_keeps_the_text(app, client):
    app.config.update(CONTACT_RATE_LIMIT=2, CONTACT_RATE_WINDOW=3600)
    assert send(client).status_code == 303
    assert send(client).status_code == 303
    response = send(client, message="A third message")
    assert response.status_code == 429
    assert "Several messages were sent from your connection" in text(response)
    assert "A third message" in text(response)
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert len(stored(app)) == 2
    other = client.post("/contact", data=GOOD, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 400  # another address is not limited (only too fast)
    clock.advance(timedelta(hours=1))
    assert send(client).status_code == 303


@pytest.fixture
def csrf_app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": True,
        }
    )
    yield app
    db.close()


def test_missing_csrf_token_is_explained_and_nothing_is_lost(csrf_app):
    client = csrf_app.test_client()
    token = opened_token(client)
    clock.advance(timedelta(seconds=10))
    response = client.post("/contact", data={**GOOD, "opened": token})
    assert response.status_code == 400
    assert CSRF_FAILED in text(response)
    assert GOOD["message"] in text(response)  # what was typed is still in the form
    assert stored(csrf_app) == []
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text(response))
    again = client.post("/contact", data={**GOOD, "opened": token, "csrf_token": csrf.group(1)})
    assert again.status_code == 303
    assert len(stored(csrf_app)) == 1


def test_contact_page_is_never_cached_or_shared(csrf_app):
    first, second = csrf_app.test_client(), csrf_app.test_client()
    a, b = first.get("/contact"), second.get("/contact")
    for response in (a, b):
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "X-Cache" not in response.headers
        assert "Set-Cookie" in response.headers
    token = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
    assert token.search(text(a)).group(1) != token.search(text(b)).group(1)


def test_contact_page_is_not_cached_even_without_a_cookie(client):
    client.get("/contact")
    again = client.get("/contact")  # CSRF off here: no Set-Cookie, only no-store stops it
    assert again.headers["Cache-Control"] == "no-store"
    assert "X-Cache" not in again.headers


def test_sending_drops_the_form_cookie(app, client):
    response = send(client)
    assert response.status_code == 303
    assert "session=;" in response.headers["Set-Cookie"]  # deleted: nothing left to keep


def test_not_accepting_shows_availability_notice_and_general_inquiries(app, client):
    html = text(client.get("/contact"))  # the demo site is not accepting new clients
    assert html.index("no longer accepting new clients") < html.index("<form method")
    assert "General inquiries" in html and "for general inquiries only" in html
    assert 'name="waitlist"' not in html
    assert "accepting new clients at this time" not in html  # said once, by the notice
    assert html.count("no longer accepting new clients") == 1


def test_contact_page_shows_the_availability_notice_as_edited(app, client):
    with app.test_request_context():
        db.connect(reuse_if_open=True)
        notice = Notice.get(Notice.key == "availability-not-accepting")
        save_notice(notice, {"body": "My caseload is full until *March*."}, actor=SYSTEM)
    html = text(client.get("/contact"))
    assert html.index("My caseload is full until <em>March</em>.") < html.index("<form method")
    assert "no longer accepting" not in html and "at this time" not in html
    assert "for general inquiries only" in html


def set_crisis_notice(app, **fields) -> None:
    """Change the stored crisis notice behind the editor's back (an old or damaged site)."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        Notice.update(**fields).where(Notice.key == "contact-crisis").execute()


@pytest.mark.parametrize(
    "fields",
    [
        {"enabled": False},
        {"ends_at": clock.utcnow() - timedelta(days=1)},
        {"starts_at": clock.utcnow() + timedelta(days=365)},
    ],
)
def test_crisis_notice_shows_even_when_switched_off_or_out_of_its_window(app, client, fields):
    set_crisis_notice(app, body="Crisis? Call **9-8-8**.", body_html="<p>Crisis? Call 9-8-8.</p>")
    set_crisis_notice(app, **fields)
    for url in ("/contact", "/contact/sent"):
        html = text(client.get(url))
        assert html.count("Crisis? Call 9-8-8.") == 1, url
    html = text(client.get("/contact"))
    assert html.index("Crisis? Call 9-8-8.") < html.index("<form method")


def test_crisis_notice_with_no_text_shows_the_default_text(app, client):
    set_crisis_notice(app, body="", body_html="", enabled=False)
    for url in ("/contact", "/contact/sent"):
        html = text(client.get(url))
        assert "do not use this form" in html and "9-8-8" in html, url


def test_waitlist_offers_to_join_and_stores_the_choice(app, client):
    with app.test_request_context():
        db.connect(reuse_if_open=True)
        save_settings({"availability": "waitlist"})
    html = text(client.get("/contact"))
    assert "Please add me to the waitlist" in html and "General inquiries" not in html
    assert send(client, waitlist="y").status_code == 303
    assert stored(app)[0]["waitlist"] is True


def test_accepting_is_plain_send_a_message(app, client):
    with app.test_request_context():
        db.connect(reuse_if_open=True)
        save_settings({"availability": "accepting"})
    html = text(client.get("/contact"))
    assert "Send a message</h2>" in html
    assert "General inquiries" not in html and 'name="waitlist"' not in html


def public_urls(app) -> list[str]:
    """Every page in the sitemaps, plus the pages a sitemap does not list."""
    client = app.test_client()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = [
        "/",
        "/blog/",
        "/archive",
        "/search?q=therapy",
        "/contact",
        "/contact/sent",
        "/feed.xml",
        "/robots.txt",
        "/sitemap.xml",
        "/theme.css",
        "/no-such-page",
    ]
    index = ElementTree.fromstring(client.get("/sitemap.xml").data)
    for part in index.findall("s:sitemap/s:loc", ns):
        path = "/" + part.text.split("/", 3)[3]
        urls.append(path)
        for loc in ElementTree.fromstring(client.get(path).data).findall("s:url/s:loc", ns):
            urls.append("/" + loc.text.split("/", 3)[3])
    return sorted(set(urls))


def test_only_the_contact_page_sets_a_cookie(csrf_app):
    app = csrf_app  # CSRF on, as in production
    urls = public_urls(app)
    assert len(urls) > 20 and any(u.startswith("/blog/") and len(u) > 6 for u in urls)
    for url in urls:
        response = app.test_client().get(url)  # a fresh visitor each time
        assert response.status_code in (200, 404), url
        assert ("Set-Cookie" in response.headers) == (url == "/contact"), url


def test_logs_never_hold_what_the_visitor_wrote(app, client, caplog):
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=9,
        NOTIFY_EMAIL="t@example.org",
        SMTP_STARTTLS=False,
        SMTP_TIMEOUT=1,
    )
    caplog.set_level(logging.DEBUG)
    details = {
        "name": "Zed Secretname",
        "email": "zed.secret@example.org",
        "phone": "416 555 0123",
        "message": "My very private words",
    }
    assert send(client, **details).status_code == 303
    assert send(client, wait=0, **details).status_code == 400
    for value in details.values():
        assert value not in caplog.text
