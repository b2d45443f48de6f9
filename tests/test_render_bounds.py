"""Rendering is bounded: nesting, size and time, at every door, without losing typed text.

Bodies that used to run past gunicorn's 30-second timeout are either refused at once with
a reason, or rendered in time that grows with their length: the same construct at two
sizes, four times apart, takes at most six times as long (linear work takes about four,
the quadratic work of before took from seven to sixteen). That is a speed, so
bench/bench_render.py measures it for every construct (and fails on a ratio above six);
the tests here check that each construct is refused, or rendered whole.
"""

import pytest

from cms.accounts.actors import SYSTEM
from cms.content import render as content
from cms.content.fields import MAX_BODY
from cms.content.links import is_safe_link, url_scheme
from cms.content.models import Post
from cms.content.render import markdown_only, render_markdown, responsive_images
from cms.content.sanitize import MAX_DEPTH, TooComplex, clean_html
from cms.content.service import save_post
from cms.core.db import db
from cms.core.validation import ValidationError

OWN_PAGE = {"Origin": "http://localhost"}


# Each is refused quickly at MAX_BODY; before, each took from 20 seconds to minutes and
# was then saved with part of its text silently dropped, or not at all (worker killed).
REFUSED = {
    "10,000 nested > quotes": ">" * 10_000 + " the rest\n",
    "nested lists": "".join("  " * i + "- item\n" for i in range(400)),
    "unclosed <b>": "<b>x" * (MAX_BODY // 4),
    "unclosed <b>, each different": "".join(f'<b title="{i}">x' for i in range(11_000)),
    "nested <blockquote>": "<blockquote>" * (MAX_BODY // 12),
    "unclosed <b> opened again in every paragraph": "<div>\n<p>"
    + "".join(f'<b title="{i}">' for i in range(90))
    + "x</p>"
    + "<p>y</p>" * 24_000,
    "text misplaced in a <table>": "<table>" + "<b>x</b>" * 24_000,
    "a tag with 25,000 attributes": "<div>\n<b " + " ".join(f"a{i}" for i in range(25_000)),
}


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_pathological_bodies_are_refused_with_a_reason(ctx, body):
    body = body[:MAX_BODY]
    with pytest.raises(ValidationError) as refused:
        save_post({"title": "Hostile", "body": body, "status": "draft"}, actor=SYSTEM)
    assert "cannot be shown" in refused.value.errors["body"] or "more than" in str(refused.value)
    assert not Post.select().where(Post.title == "Hostile").exists()


def test_nesting_below_the_bounds_renders_whole():
    quotes = render_markdown(">" * (content.MAX_NESTING - 1) + " last words")
    assert quotes.count("<blockquote>") == content.MAX_NESTING - 1 and "last words" in quotes
    html = clean_html("<b>" * (MAX_DEPTH - 5) + "deep")
    assert html.count("<b>") == MAX_DEPTH - 5 and "deep" in html
    with pytest.raises(TooComplex, match="nests quotes"):
        render_markdown(">" * (content.MAX_NESTING + 1) + " dropped before")


def test_runs_of_entities_render_whole():
    """Text made of quotes, ampersands or < (one HTML entity each), at half MAX_BODY."""
    for char, entity in (('"', "&quot;"), ("&", "&amp;"), ("<", "&lt;")):
        assert markdown_only(char * (MAX_BODY // 2)).count(entity) == MAX_BODY // 2


def test_long_tables_render_every_row():
    html = markdown_only("|a|b|\n|-|-|\n" + "|c|d|\n" * 5_000)
    assert html.count("<tr>") == 5_001 and html.count("<td>c</td>") == 5_000


def test_nested_entities_in_a_link_are_refused():
    assert clean_html('<a href="&' + "amp;" * 10_000 + '">x</a>') == "<a>x</a>"
    assert url_scheme("&amp;#106;avascript:alert(1)") == "javascript"  # a few levels: read
    deep = "&" + "amp;" * 50 + "#106;avascript:alert(1)"
    assert url_scheme(deep) == "nested-entities" and not is_safe_link(deep)


def test_library_image_search_leaves_broken_tags_alone(ctx):
    """9,000 unclosed <img src="/media/... (the search went on to the end each time)."""
    for unit in ('<img src="/media/1/a ', '<img src="/media/1/a" '):
        body = unit * (MAX_BODY // len(unit))
        assert responsive_images(body) == body


def test_an_image_id_of_many_digits_is_not_a_crash():
    assert "srcset" not in responsive_images('<img src="/media/' + "9" * 5000 + '/a.jpg">')


def test_the_live_preview_gives_up_after_its_time_with_a_message(client, auth, monkeypatch):
    auth.login()
    monkeypatch.setattr(content, "PREVIEW_SECONDS", 0)
    response = client.post("/admin/preview", data={"body": "Some *text*"}, headers=OWN_PAGE)
    data = response.get_json()
    assert response.status_code == 422 and "took too long" in data["error"]
    assert "took too long" in data["html"]  # shown where the preview goes
    too_long = client.post("/admin/preview", data={"body": "x" * (MAX_BODY + 1)})
    assert too_long.status_code == 413 and "too long to preview" in too_long.get_json()["html"]


def test_a_refused_save_keeps_the_typed_text(client, auth, app):
    auth.login()
    body = "My careful words.\n\n" + "<b>" * (MAX_DEPTH + 10) + "end"
    form = {"title": "Kept", "body": body, "status": "draft", "action": "save"}
    response = client.post("/admin/posts/new", data=form, headers=OWN_PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "nested more than" in html
    assert "My careful words." in html and "&lt;b&gt;" * (MAX_DEPTH + 10) in html
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert not Post.select().where(Post.title == "Kept").exists()


def test_a_save_past_its_time_is_refused_not_killed(ctx, monkeypatch):
    monkeypatch.setattr(content, "SAVE_SECONDS", 0)
    with pytest.raises(ValidationError, match="took too long"):
        save_post({"title": "Slow", "body": "Words", "status": "draft"}, actor=SYSTEM)


def test_the_api_and_notices_refuse_it_too(app, client, users, ctx):
    from cms.accounts.tokens import create_token
    from cms.site.models import Notice
    from cms.site.notices import save_notice

    deep = "<b>" * (MAX_DEPTH + 10) + "end"
    token = create_token("script", "content:read,content:write", user=users["admin"], actor=SYSTEM)[
        1
    ]
    response = client.post(
        "/api/v1/admin/posts",
        json={"title": "Via the API", "body": deep},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "nested more than" in response.get_data(as_text=True)
    notice = Notice.select().first()
    with pytest.raises(ValidationError, match="nested more than"):
        save_notice(notice, {"body": deep}, actor=SYSTEM)
