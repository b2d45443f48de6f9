"""Times: a local time the clocks skip is refused naming the change, one they show twice
asks which, the Admin API wants an offset, and one year range holds at every door."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cms.accounts.actors import SYSTEM
from cms.accounts.tokens import create_token
from cms.api.openapi import document
from cms.content import service as services
from cms.content.models import Post
from cms.core.db import db
from cms.core.validation import (
    AmbiguousTime,
    NonexistentTime,
    TimeProblem,
    ValidationError,
    parse_date,
    parse_datetime,
)
from cms.site.models import Notice

TORONTO = ZoneInfo("America/Toronto")  # the default time zone of a new site
SKIPPED = "2030-03-10T02:30"  # clocks go from 02:00 EST to 03:00 EDT
TWICE = "2030-11-03T01:30"  # 01:30 EDT, then an hour later 01:30 EST


def test_a_skipped_time_is_refused_naming_the_change():
    with pytest.raises(NonexistentTime) as caught:
        parse_datetime(SKIPPED, zone=TORONTO)
    message = str(caught.value)
    assert "02:30 does not exist on 10 March 2030 in America/Toronto" in message
    assert "at 02:00 EST the clocks go forward to 03:00 EDT" in message
    assert "daylight saving time begins" in message


def test_a_repeated_time_asks_which_and_takes_the_answer():
    with pytest.raises(AmbiguousTime) as caught:
        parse_datetime(TWICE, zone=TORONTO)
    assert "happens twice" in str(caught.value) and "daylight saving time ends" in str(caught.value)
    assert caught.value.choices == [
        (0, "01:30 EDT (the first, UTC−04:00)"),
        (1, "01:30 EST (the second, UTC−05:00)"),
    ]
    assert parse_datetime(TWICE, zone=TORONTO, fold=0) == datetime(2030, 11, 3, 5, 30)
    assert parse_datetime(TWICE, zone=TORONTO, fold=1) == datetime(2030, 11, 3, 6, 30)
    assert parse_datetime("2030-07-01T09:00", zone=TORONTO) == datetime(2030, 7, 1, 13, 0)


@pytest.mark.parametrize("year", ["1899", "9999"])
def test_one_year_range_for_every_parser(year):
    for value, options in (
        (f"{year}-06-01T09:00", {}),  # commands, imports
        (f"{year}-06-01T09:00", {"zone": TORONTO}),  # the editor
        (f"{year}-06-01T09:00Z", {"offset_required": True}),  # the Admin API
    ):
        with pytest.raises(TimeProblem, match="out of range: use a year from 1900 to 9998"):
            parse_datetime(value, **options)
    with pytest.raises(TimeProblem, match="out of range"):
        parse_date(f"{year}-06-01")


def post_form(**overrides) -> dict:
    data = {
        "title": "Timed",
        "slug": "",
        "body": "Text.",
        "excerpt": "",
        "status": "published",
        "meta_description": "",
        "published_at": "",
        "featured_image": "",
        "action": "save",
    }
    return {**data, **overrides}  # fmt: skip


def test_the_editor_refuses_a_skipped_time_and_saves_nothing(app, client, auth):
    auth.login()
    page = client.post("/admin/posts/new", data=post_form(published_at=SKIPPED))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "does not exist on 10 March 2030" in text
    assert "daylight saving time begins" in text
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert not Post.select().where(Post.title == "Timed").exists()


def test_the_editor_asks_which_of_two_equal_times_and_keeps_the_answer(app, client, auth):
    auth.login()
    asked = client.post("/admin/posts/new", data=post_form(published_at=TWICE))
    text = asked.get_data(as_text=True)
    assert "happens twice on 3 November 2030" in text
    assert re.search(
        r'<input type="radio" name="published_at-fold" value="1"[^>]*> 01:30 EST', text
    )
    saved = client.post(
        "/admin/posts/new", data=post_form(published_at=TWICE, **{"published_at-fold": "1"})
    )
    assert saved.status_code == 302
    with app.app_context():
        db.connect(reuse_if_open=True)
        post = Post.get(Post.title == "Timed")
        assert post.published_at == datetime(2030, 11, 3, 6, 30)
    # Saved again unchanged, the form keeps the second 01:30 without asking again.
    edit = f"/admin/posts/{post.id}/edit"
    shown = client.get(edit).get_data(as_text=True)
    assert 'value="2030-11-03T01:30"' in shown
    again = client.post(edit, data=post_form(published_at="2030-11-03T01:30", body="Edited."))
    assert again.status_code == 302
    with app.app_context():
        assert Post.get_by_id(post.id).published_at == datetime(2030, 11, 3, 6, 30)


def test_notice_times_follow_the_same_rule(app, client, auth):
    auth.login()
    with app.app_context():
        db.connect(reuse_if_open=True)
        banner = Notice.get(Notice.key == "online-therapy")
    data = {"body": "Online sessions.", "link_label": "", "link_url": "", "link_page": "0",
            "starts_at": "", "ends_at": SKIPPED}  # fmt: skip
    page = client.post(f"/admin/notices/{banner.id}", data=data).get_data(as_text=True)
    assert "02:30 does not exist" in page
    with app.app_context():
        assert Notice.get_by_id(banner.id).ends_at is None


def test_api_times_need_an_offset_as_documented(app, client):
    with app.app_context():
        db.connect(reuse_if_open=True)
        token = create_token("script", "content:write,notices:write", actor=SYSTEM)[1]
        spec = document()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"title": "API time", "status": "published", "published_at": "2030-07-01T09:00"}
    refused = client.post("/api/v1/admin/posts", headers=headers, json=body)
    assert refused.status_code == 422 and "offset" in refused.get_data(as_text=True)
    body["published_at"] = "2030-07-01T09:00:00-04:00"
    made = client.post("/api/v1/admin/posts", headers=headers, json=body)
    assert made.status_code == 201
    with app.app_context():
        assert Post.get_by_id(made.json["id"]).published_at == datetime(2030, 7, 1, 13, 0)
    schema = spec["components"]["schemas"]["PostCreate"]["properties"]["published_at"]
    assert "offset" in schema["description"] and schema["pattern"]
    assert re.search(schema["pattern"], "2030-07-01T09:00:00Z")
    assert not re.search(schema["pattern"], "2030-07-01T09:00:00")


def test_services_keep_naive_times_as_utc_within_the_range(ctx):
    post = services.save_post({"title": "CLI", "published_at": "2030-07-01T09:00"}, actor=SYSTEM)
    assert post.published_at == datetime(2030, 7, 1, 9, 0)
    with pytest.raises(ValidationError, match="out of range"):
        services.save_post({"title": "Old", "published_at": datetime(1899, 1, 1)}, actor=SYSTEM)
    with pytest.raises(ValidationError, match="out of range"):
        services.save_page({"title": "Policy", "effective_date": "9999-01-01"}, actor=SYSTEM)
