"""The check the hostile-input properties rely on: a refusal shows the expected message."""

import re

from werkzeug.exceptions import NotFound

from cms.core.errors import MESSAGES
from cms.public.contact import FIX_FIELDS
from tests.helpers.hostile import error_messages, says_what_went_wrong


def test_an_ordinary_page_never_counts_as_saying_what_went_wrong(client):
    page = client.get("/blog/")
    heading = re.search(r"<h1>([^<]+)</h1>", page.get_data(as_text=True))[1]
    assert page.status_code == 200 and heading  # the page the old check accepted
    assert not says_what_went_wrong(page, heading)
    assert not says_what_went_wrong(page, re.compile(r"\w"))


def test_a_refusal_must_show_the_message_it_is_expected_to(client):
    missing = client.get("/blog/no-such-post")
    assert missing.status_code == 404
    assert says_what_went_wrong(missing, MESSAGES[404])
    assert not says_what_went_wrong(missing, NotFound.description)  # no framework wording
    assert not says_what_went_wrong(missing, "The page number must be a whole number")
    assert not says_what_went_wrong(missing)  # nothing expected, nothing can match
    # The page's heading and its other text are not where a problem is told.
    assert not says_what_went_wrong(missing, "Page not found")
    assert not says_what_went_wrong(missing, "You could start from")


def test_field_errors_and_alerts_are_read(client):
    refused = client.post("/contact", data={"name": "", "message": ""})
    assert refused.status_code == 400
    assert says_what_went_wrong(refused, FIX_FIELDS)
    assert any("Please write a short message." in shown for shown in error_messages(refused))


def test_an_editor_page_paragraph_under_its_heading_is_no_error(auth, client):
    auth.login()
    refused = client.post(
        "/admin/account/password",
        data={"current_password": "wrong", "new_password": "x", "confirm": "y"},
    )
    shown = error_messages(refused)
    assert refused.status_code == 400 and says_what_went_wrong(refused, "passwords differ")
    assert not [m for m in shown if m.startswith("Signed in as")], shown


def test_problem_details_are_read_from_the_api(client):
    missing = client.get("/api/v1/posts/no-such-post")
    assert missing.mimetype == "application/problem+json"
    detail = missing.get_json()["detail"]
    assert says_what_went_wrong(missing, detail)
    assert not says_what_went_wrong(missing, "something the API did not say")
