"""Phone numbers in notices are links a phone dials at a tap, made under the one phone rule
at every door that writes a notice; the availability notice shows on every page unless the
administrator keeps it to the home and contact pages."""

import html
import re

import pytest

from cms.accounts.actors import SYSTEM
from cms.accounts.tokens import create_token
from cms.content.links import sms_url, tel_url
from cms.content.rerender import rerender_stored_html
from cms.core.addresses import PHONE, PHONE_IN_TEXT, dial_digits
from cms.core.db import db
from cms.core.validation import ValidationError
from cms.site.models import CRISIS_NOTICE, Notice
from cms.site.notice_html import render_notice
from cms.site.notices import save_notice, save_switches, switch_state

POST_URL = "/blog/social-media-and-our-therapy-relationship"
NOT_ACCEPTING = "no longer accepting new clients"


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _links(html: str) -> list[str]:
    return re.findall(r'href="((?:tel|sms):[^"]*)"', html)


def test_the_crisis_notice_calls_911_and_calls_or_texts_988(client):
    html = client.get("/contact").get_data(as_text=True)
    crisis = html[html.index('data-notice="contact-crisis"') :]
    crisis = crisis[: crisis.index("</aside>")]
    assert '<a href="tel:911">911</a>' in crisis
    assert '<a href="tel:988">9-8-8</a>' in crisis
    assert '(<a href="sms:988">text 9-8-8</a>)' in crisis  # the text says "call or text"
    assert _links(crisis) == ["tel:911", "tel:988", "sms:988"]


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("Call 416-555-0100 today.", ["tel:4165550100"]),
        ("Call +1 (416) 555-0100.", ["tel:+14165550100"]),
        ("Text 416.555.0100 any time.", ["tel:4165550100", "sms:4165550100"]),
        ("In an emergency call 911.", ["tel:911"]),
        ("Closed from 2026-12-24 to 2027-01-02.", []),  # dates are not numbers to dial
        ("Since 1988, in room 911a, order 12345.", []),
        ("Dial `416-555-0100` as shown.", []),  # code stays as written
        ("[Call me](tel:4165550100) or 416 555 0199", ["tel:4165550100", "tel:4165550199"]),
        ("Call 1-2-3-4-5-6-7-8-9-0-1-2-3-4-5-6.", []),  # 16 digits: more than a number has
    ],
)
def test_numbers_in_notice_text_become_links(app, text, links):
    with app.app_context():
        assert _links(render_notice(text)) == links


def test_the_phone_rule_is_one_rule_for_forms_and_links():
    for number in ("416-555-0100", "+1 (416) 555-0100", "416.555.0100", "911", "9-8-8"):
        assert tel_url(number) == "tel:" + dial_digits(number)
        assert sms_url(number) == "sms:" + dial_digits(number)
    for number in ("555 0100 x2", "123", "9--8-8", "+1 416;phone-context=evil", "1" * 16):
        assert tel_url(number) is None and sms_url(number) is None, number
    # What the text finder takes for a number (not a service one), the form rule accepts.
    for match in PHONE_IN_TEXT.finditer("Call 416-555-0100, +44 20 7946 0958 or (416) 555 0100"):
        assert PHONE.match(match.group(0)), match.group(0)


def test_a_hostile_notice_gets_no_script_through_the_links(app):
    hostile = (
        '<a href="javascript:alert(1)">416-555-0100</a> <b onclick="x()">911</b> '
        "&lt;script&gt;416-555-0199&lt;/script&gt; <img src=x onerror=alert(1)> "
        '"><script>alert(1)</script>. Or 416-555-0188'
    )
    with app.app_context():
        html = render_notice(hostile)
    assert "javascript:" not in html and "onclick" not in html and "onerror" not in html
    assert "<script" not in html
    assert _links(html) == ["tel:911", "tel:4165550199", "tel:4165550188"]


def test_every_door_stores_linked_numbers(app, client, auth, users):
    banner = "Call 416-555-0100 to ask about online sessions."
    auth.login()
    with app.app_context():
        notice = Notice.get(Notice.key == "online-therapy")
    page = client.get(f"/admin/notices/{notice.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="([^"]*)"', page).group(1)
    form = {"csrf_token": _csrf(page), "version": version, "body": banner, "link_url": ""}
    form["link_label"] = "Learn more"
    form["link_page"] = re.search(r'<option selected value="([^"]*)"', page).group(1)
    assert client.post(f"/admin/notices/{notice.id}", data=form).status_code == 302
    assert 'href="tel:4165550100"' in client.get("/").get_data(as_text=True)
    with app.app_context():
        db.connect(reuse_if_open=True)
        saved = save_notice(
            Notice.get(Notice.key == "disclaimer"), {"body": "Or 911."}, actor=SYSTEM
        )
        assert _links(saved.body_html) == ["tel:911"]


def test_notices_stored_before_the_links_get_them_at_the_next_start(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        Notice.update(body_html="<p>old</p>").where(Notice.key == CRISIS_NOTICE).execute()
        db.execute_sql("PRAGMA user_version = 1")
        assert rerender_stored_html() >= 1
        crisis = Notice.get(Notice.key == CRISIS_NOTICE)
        assert _links(crisis.body_html) == ["tel:911", "tel:988", "sms:988"]


def test_the_availability_notice_shows_on_every_page_unless_kept_to_home_and_contact(app, client):
    assert NOT_ACCEPTING in client.get(POST_URL).get_data(as_text=True)
    assert NOT_ACCEPTING in client.get("/about").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert home.count(NOT_ACCEPTING) == 1  # the home page's own, not twice
    with app.app_context():
        db.connect(reuse_if_open=True)
        loaded = switch_state()
        shown = [int(key) for key, on in loaded["enabled"].items() if on]
        save_switches("not_accepting", shown, actor=SYSTEM, loaded=loaded, everywhere=False)
        assert switch_state()["everywhere"] is False
    assert NOT_ACCEPTING not in client.get(POST_URL).get_data(as_text=True)
    assert NOT_ACCEPTING in client.get("/").get_data(as_text=True)
    assert NOT_ACCEPTING in client.get("/contact").get_data(as_text=True)


def test_a_screen_leaves_where_the_notice_shows_alone_unless_it_changed_it(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        loaded = switch_state()
        shown = [int(key) for key, on in loaded["enabled"].items() if on]
        save_switches("not_accepting", shown, actor=SYSTEM, everywhere=False)  # someone else
        save_switches("waitlist", shown, actor=SYSTEM, loaded=loaded, everywhere=True)
        assert switch_state()["everywhere"] is False  # the second screen did not change it
        with pytest.raises(ValidationError):
            save_switches("not_accepting", shown, actor=SYSTEM, everywhere="yes")


def test_the_notices_screen_switches_where_the_notice_shows(app, client, auth, users):
    auth.login()

    def switches(everywhere: bool) -> bool:
        page = client.get("/admin/notices").get_data(as_text=True)
        box = re.search(r'<input( checked)? id="everywhere"', page)
        loaded = re.search(r'id="loaded" name="loaded" type="hidden" value="([^"]*)"', page)
        shown = re.findall(r'checked id="[^"]*" name="shown" type="checkbox" value="(\d+)"', page)
        form = {"csrf_token": _csrf(page), "availability": "not_accepting", "shown": shown}
        form["loaded"] = html.unescape(loaded.group(1))
        if everywhere:
            form["everywhere"] = "y"
        assert client.post("/admin/notices/switches", data=form).status_code == 302
        return bool(box.group(1))

    assert switches(everywhere=False) is True  # it was ticked: the default
    assert NOT_ACCEPTING not in client.get(POST_URL).get_data(as_text=True)
    assert switches(everywhere=True) is False
    assert NOT_ACCEPTING in client.get(POST_URL).get_data(as_text=True)


def test_the_api_changes_where_the_notice_shows_as_a_setting(app, client, users):
    with app.app_context():
        db.connect(reuse_if_open=True)
        secret = create_token("site", "settings:write", user=users["admin"], actor=SYSTEM)[1]
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.patch(
        "/api/v1/admin/settings", json={"availability_everywhere": False}, headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert NOT_ACCEPTING not in client.get(POST_URL).get_data(as_text=True)
