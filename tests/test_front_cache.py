"""Page cache hits answered in front of Flask: the same answers, without Flask's work.

Whether Flask handled a request is seen through Flask's own `request_started` signal,
which every dispatched request sends (cache hits answered by Flask's hook included).
"""

import sqlite3
import threading
from datetime import timedelta

import pytest
from flask import request_started
from peewee import OperationalError

from cms.accounts.actors import SYSTEM
from cms.content.models import Post
from cms.content.service import save_post
from cms.core import clock, front_cache
from cms.core.cache import page_cache
from cms.messages import retention

POST_URL = "/blog/social-media-and-our-therapy-relationship"
PER_ANSWER = {"Date", "X-Cache"}  # the only headers a hit may differ in


@pytest.fixture
def dispatched(app):
    """The paths Flask dispatched, in order."""
    seen = []

    def started(sender, **extra):
        from flask import request

        seen.append(request.full_path.rstrip("?"))

    request_started.connect(started, app)
    yield seen
    request_started.disconnect(started, app)


def _headers(response) -> dict:
    return {k: v for k, v in response.headers.items() if k not in PER_ANSWER}


def _warm(client, url):
    first = client.get(url)
    assert first.headers["X-Cache"] == "miss", url
    return first


def _post(app, **fields):
    with app.app_context():
        post = Post.get(Post.slug == POST_URL.rsplit("/", 1)[1])
        data = {"title": post.title, "body": post.body, "status": "published", **fields}
        return save_post(data, actor=SYSTEM, post=post)


@pytest.mark.parametrize(
    "url",
    ["/", POST_URL, "/search?q=therapy", "/api/v1/posts?limit=2", "/no-such-page", "/theme.css"],
)
def test_a_hit_is_the_answer_flask_gave_without_dispatching(client, dispatched, url):
    first = _warm(client, url)
    dispatched.clear()
    again = client.get(url)
    assert dispatched == []
    assert again.headers["X-Cache"] == "hit"
    assert (again.status_code, again.data) == (first.status_code, first.data)
    assert _headers(again) == _headers(first)  # CSP and the rest, Cache-Control, ETag, Vary
    assert again.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_hits_over_https_carry_hsts_as_flask_answers_do(client, dispatched):
    first = client.get(POST_URL, base_url="https://localhost")
    again = client.get(POST_URL, base_url="https://localhost")
    assert dispatched == [POST_URL] and again.headers["X-Cache"] == "hit"
    assert _headers(again) == _headers(first) and "Strict-Transport-Security" in again.headers
    plain = client.get(POST_URL)  # SITE_URL is set: the same page, no HSTS over http
    assert plain.data == first.data and "Strict-Transport-Security" not in plain.headers


def test_conditional_requests_get_their_304_in_front(client, dispatched):
    first = _warm(client, POST_URL)
    dispatched.clear()
    etag = first.headers["ETag"]
    unchanged = client.get(POST_URL, headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.data) == (304, b"")
    assert unchanged.headers["ETag"] == etag and unchanged.headers["X-Cache"] == "hit"
    assert unchanged.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert "Content-Type" not in unchanged.headers
    assert client.get(POST_URL, headers={"If-None-Match": '"other"'}).status_code == 200
    assert dispatched == []
    # Pages carry no Last-Modified (the ETag tells renders apart, a one-second date
    # cannot): If-Modified-Since alone gets the full page, here as from Flask.
    since = client.get(POST_URL, headers={"If-Modified-Since": "Wed, 01 Jan 2020 00:00:00 GMT"})
    assert since.status_code == 200 and since.data == first.data
    flask_answer = client.get(POST_URL, headers={"If-Match": etag})  # left to Flask
    assert flask_answer.data == first.data and dispatched == [POST_URL]


def test_head_gets_the_headers_without_the_body(client, dispatched):
    first = _warm(client, POST_URL)
    dispatched.clear()
    head = client.head(POST_URL)
    assert dispatched == [] and head.headers["X-Cache"] == "hit"
    assert head.data == b"" and head.headers["Content-Length"] == str(len(first.data))
    assert _headers(head) == _headers(first)


def test_an_edit_shows_at_once(app, client, dispatched):
    _warm(client, POST_URL)
    assert client.get(POST_URL).headers["X-Cache"] == "hit"
    _post(app, title="Social media, and what we agree on")
    fresh = client.get(POST_URL)
    assert fresh.headers["X-Cache"] == "miss"
    assert "Social media, and what we agree on" in fresh.get_data(as_text=True)
    other = sqlite3.connect(app.config["DATABASE"])  # another worker's write
    try:
        with other:
            other.execute("UPDATE post SET title = 'Edited elsewhere' WHERE title LIKE 'Social%'")
    finally:
        other.close()
    assert "Edited elsewhere" in client.get(POST_URL).get_data(as_text=True)


def test_a_scheduled_post_appears_when_its_time_comes(app, client, dispatched):
    with app.app_context():
        save_post(
            {"title": "Spring hours", "body": "Crocus timetable.", "status": "published",
             "published_at": clock.utcnow() + timedelta(minutes=5)},
            actor=SYSTEM,
        )  # fmt: skip
    for url in ("/", "/blog/spring-hours", "/api/v1/posts"):
        client.get(url)
        hidden = client.get(url)
        assert hidden.headers["X-Cache"] == "hit" and b"Crocus" not in hidden.data
        assert "Spring hours" not in hidden.get_data(as_text=True)
    clock.advance(timedelta(minutes=5, seconds=1))
    assert "Spring hours" in client.get("/").get_data(as_text=True)
    assert client.get("/blog/spring-hours").status_code == 200
    assert "Spring hours" in client.get("/api/v1/posts").get_data(as_text=True)


def test_signed_in_and_personal_requests_always_reach_flask(app, client, auth, dispatched):
    _warm(client, POST_URL)
    auth.login()
    dispatched.clear()
    for _ in range(2):
        signed_in = client.get(POST_URL)
        assert "X-Cache" not in signed_in.headers
        assert signed_in.headers["Cache-Control"] == "private, no-store"
    remember = app.test_client()
    remember.set_cookie("remember_token", "anything")
    assert "X-Cache" not in remember.get(POST_URL).headers
    assert dispatched == [POST_URL] * 3
    for path in ("/admin/", "/admin/login", "/contact", "/api/v1/admin/posts"):
        before = dict(page_cache.aliases)
        for _ in range(2):
            answer = app.test_client().get(path)
            assert "X-Cache" not in answer.headers, path
        assert page_cache.aliases == before, path  # nothing personal is ever learnt


def test_an_untrusted_host_is_never_served(app, client, dispatched):
    _warm(client, POST_URL)
    for _ in range(3):
        forged = client.get(POST_URL, headers={"Host": "evil.example"})
        assert forged.status_code == 400 and "X-Cache" not in forged.headers
    assert not [a for a in page_cache.aliases if "evil.example" in a]
    assert dispatched.count(POST_URL) == 4


def test_query_variants_serve_what_the_view_renders(app, client, dispatched):
    first = _warm(client, "/search?q=therapy")
    tagged = client.get("/search?q=therapy&utm_source=mail")  # Flask's hook: same key
    assert tagged.headers["X-Cache"] == "hit" and tagged.data == first.data
    dispatched.clear()
    assert client.get("/search?q=therapy&utm_source=mail").data == first.data
    assert dispatched == []  # the spelling is learnt: now answered in front
    other = client.get("/search?q=online")
    assert other.headers["X-Cache"] == "miss" and other.data != first.data
    one, seven = (
        client.get("/api/v1/posts?limit=1&limit=7"),
        client.get("/api/v1/posts?limit=7&limit=1"),
    )
    assert len(one.get_json()["items"]) == 1 and len(seven.get_json()["items"]) > 1
    assert client.get("/api/v1/posts?limit=1&limit=7").data == one.data
    app.config["PAGE_CACHE"] = False  # what the view renders with no cache at all
    assert client.get("/search?q=therapy&utm_source=mail").data == first.data
    assert client.get("/api/v1/posts?limit=7&limit=1").data == seven.data


def test_old_wordpress_addresses_are_never_answered_in_front(client, dispatched):
    for _ in range(3):
        client.get("/?p=41")
    assert dispatched == ["/?p=41"] * 3
    assert not [a for a in page_cache.aliases if "p=41" in a]


def test_learnt_addresses_keep_to_their_budget(client, monkeypatch):
    monkeypatch.setattr(page_cache, "max_bytes", 80_000)
    for n in range(400):
        client.get(f"/blog/?utm_campaign={'x' * 40}{n}")
        assert page_cache.alias_bytes <= 10_000
    assert page_cache.alias_bytes == sum(len(a) + len(k) for a, k in page_cache.aliases.items())
    assert len(page_cache.aliases) < 400


def test_a_failing_change_check_leaves_the_request_to_flask(app, client, dispatched, monkeypatch):
    _warm(client, POST_URL)
    failing = []

    def broken():
        failing.append(1)
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(front_cache.db, "connect", broken)
    answer = client.get(POST_URL)
    assert failing and dispatched[-1] == POST_URL  # Flask answered (from its own hook)
    assert answer.status_code == 200 and answer.headers["X-Cache"] == "hit"


def test_a_due_purge_lets_one_request_through(app, client, dispatched, monkeypatch):
    _warm(client, POST_URL)
    monkeypatch.setitem(retention._next_purge_check, app.config["DATABASE"], clock.utcnow())
    client.get(POST_URL)
    client.get(POST_URL)
    assert dispatched == [POST_URL, POST_URL]  # the first after the hour runs the purge
    assert retention._next_purge_check[app.config["DATABASE"]] > clock.utcnow()


def test_threads_see_every_edit(app):
    """Several threads (as in a threaded worker), each on its own connection, reading while
    the content changes: afterwards no thread still serves an older page."""
    _post(app, title="Version 0")
    errors, last, stop = [], [], threading.Event()

    def reader():
        client = app.test_client()
        while not stop.is_set():
            response = client.get(POST_URL)
            if response.status_code != 200:
                errors.append(response.status_code)
        last.append(client.get(POST_URL).get_data(as_text=True))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for version in range(1, 6):
            _post(app, title=f"Version {version}")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == [] and len(last) == 3
    assert all("Version 5" in text for text in last)
