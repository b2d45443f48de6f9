"""nginx's micro-cache in front of the app, as deploy/ ships it, against a real nginx.

The site is served as tests/test_deploy.py serves it (the guide's gunicorn and nginx);
the shipped site file reports nginx's cache status in X-Proxy-Cache. Edits are made in
this process through the content service, as another worker would make them. Waits are
bounded loops; nothing here measures speed.
"""

import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.content.models import Post
from cms.content.service import save_post
from cms.core import clock
from cms.core.db import db
from tests.test_deploy import NGINX, PASSWORD, _get, deployed  # noqa: F401 (the fixture)

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed")
FROM_APP = {"MISS", "EXPIRED", "REVALIDATED", "BYPASS"}  # answers nginx fetched just now
WAIT = 30  # seconds: a bound for the loops, far above the 2 s the copy is kept


@pytest.fixture
def site(deployed):  # noqa: F811
    """The deployed site's app in this process, for making changes as the editor would."""
    app = create_app({"INSTANCE_PATH": str(deployed["instance"])})
    with app.app_context():
        db.connect(reuse_if_open=True)
        yield app
    db.close()


def _publish(title: str, body: str = "Text.", **fields) -> Post:
    data = {"title": title, "body": body, "status": "published", **fields}
    return save_post(data, actor=SYSTEM)


def _until(url: str, done, headers=None) -> list[tuple[str, int, str]]:
    """GET url until done(status, text); every answer's (cache status, status, text)."""
    seen = []
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        status, answer_headers, body = _get(url, headers=headers)
        seen.append((answer_headers["X-Proxy-Cache"], status, body.decode()))
        if done(status, seen[-1][2]):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"{url} never changed in {WAIT} s: {[s[:2] for s in seen]}")


def _hit(url: str) -> None:
    """Make nginx hold a copy of url (a HIT proves it)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if _get(url)[1]["X-Proxy-Cache"] == "HIT":
            return
        time.sleep(0.05)
    raise AssertionError(f"nginx never kept {url}")


def test_anonymous_pages_are_answered_by_nginx(deployed, site):  # noqa: F811
    post = _publish("A post read by many", "Widely shared.")
    for url in (f"{deployed['url']}/blog/{post.slug}", f"{deployed['url']}/"):
        # An earlier test may have left nginx a copy of the home page from before the post.
        _until(url, lambda status, text: "A post read by many" in text)
        _hit(url)
        status, headers, body = _get(url)
        assert status == 200 and "Set-Cookie" not in headers
        assert headers["Cache-Control"] == (
            "public, max-age=0, s-maxage=2, stale-while-revalidate=3"
        )
        assert headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "A post read by many" in body.decode()
    api = deployed["url"] + "/api/v1/posts"
    _hit(api)
    assert _get(api)[1]["Cache-Control"] == (
        "public, max-age=60, s-maxage=2, stale-while-revalidate=3"
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _post_form(url: str, form: str, cookie: str):
    """POST a form without following the redirect: (status, headers)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
    request = urllib.request.Request(url, data=form.encode(), headers={"Cookie": cookie})  # noqa: S310
    try:
        response = opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    return response.status, response.headers


def _sign_in(url: str) -> str:
    """Sign in through nginx with "Keep me signed in"; the browser's Cookie header."""
    _, headers, body = _get(url + "/admin/login")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body.decode())[1]
    form = urllib.parse.urlencode(
        {"csrf_token": token, "email": "you@example.org", "password": PASSWORD, "remember": "y"}
    )
    status, headers = _post_form(url + "/admin/login", form, cookie)
    assert status in (302, 303), status
    jar = dict(c.split(";", 1)[0].split("=", 1) for c in headers.get_all("Set-Cookie"))
    assert {"session", "remember_token"} <= set(jar), jar
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def test_session_and_remember_cookies_are_never_answered_from_the_cache(deployed, site):  # noqa: F811
    url = deployed["url"]
    post = _publish("Kept for readers", "Readers' copy.")
    page = f"{url}/blog/{post.slug}"
    _hit(page)
    signed_in = _sign_in(url)
    remember_only = "; ".join(c for c in signed_in.split("; ") if c.startswith("remember_token="))
    for cookie in (signed_in, remember_only, "session=anything", "theme=dark; session=x"):
        for _ in range(3):
            status, headers, _ = _get(page, headers={"Cookie": cookie})
            assert headers["X-Proxy-Cache"] == "BYPASS", cookie
            assert headers["Cache-Control"] == "private, no-store", cookie
    status, headers, body = _get(f"{url}/admin/", headers={"Cookie": signed_in})
    assert status == 200 and "Sign out" in body.decode()
    assert _get(page)[1]["X-Proxy-Cache"] == "HIT"  # readers' copy untouched by the editor's


@pytest.mark.parametrize("path", ["/admin/login", "/contact", "/api/v1/admin/posts", "/healthz"])
def test_personal_pages_are_never_kept(deployed, path):  # noqa: F811
    for _ in range(4):
        status, headers, _ = _get(deployed["url"] + path)
        assert headers["X-Proxy-Cache"] in ("MISS", "BYPASS"), (path, status)
        assert "no-store" in headers["Cache-Control"], path


def test_an_edit_shows_within_the_window(deployed, site):  # noqa: F811
    post = _publish("Before the edit", "Old words.")
    page = f"{deployed['url']}/blog/{post.slug}"
    _hit(page)
    save_post({"title": "After the edit", "body": "New words."}, post=post, actor=SYSTEM)
    seen = _until(page, lambda status, text: "New words." in text)
    for cache, _, text in seen[:-1]:
        # An old copy only while nginx may keep it (HIT within 2 s) or is refreshing it;
        # never from the app, whose own cache saw the change at once.
        assert cache not in FROM_APP and cache in ("HIT", "STALE", "UPDATING"), cache
        assert "Old words." in text
    for _ in range(5):  # once the new page is out, the old one never comes back
        assert "New words." in _get(page)[2].decode()


def test_a_scheduled_post_appears_on_time(deployed, site):  # noqa: F811
    soon = clock.utcnow() + timedelta(seconds=3)
    post = _publish("Published a little later", "On schedule.", published_at=soon)
    page = f"{deployed['url']}/blog/{post.slug}"
    assert _get(page)[0] == 404
    seen = _until(page, lambda status, text: status == 200 and "On schedule." in text)
    for cache, status, _ in seen[:-1]:
        assert status == 404 and cache in FROM_APP | {"HIT", "STALE", "UPDATING"}
    home = _until(deployed["url"] + "/", lambda status, text: "Published a little later" in text)
    assert home[-1][1] == 200
    for _ in range(5):
        assert _get(page)[0] == 200
