"""No GET changes state, and content cannot make the browser call the editor.

A GET can be sent by anything that makes the browser load an address (an <img> in a post
an administrator previews, a link, a prefetch), with the reader's cookies; so every GET
view, in the editor, the public site and the API, leaves the stored data as it was, and
the only addresses content may make the browser load are uploaded images (/media/...).
"""

import io
import re
import sqlite3
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from PIL import Image

from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.accounts.tokens import create_token
from cms.content.models import Page, Post
from cms.content.service import save_page, save_post
from cms.core.db import db
from cms.media.service import process_upload
from cms.messages.models import Message
from cms.messages.service import store_message
from tests.helpers.contact import GOOD

# Housekeeping that any request may do: the hourly retention purge (its marker and the
# rate-limit rows it prunes) and a token's last-used time (to the hour). And the secret the
# two-step setup page shows, made when it is shown (like a CSRF token): it switches nothing
# on, which takes a POST with a code and the password. And who has an edit screen open
# ("also being edited by"): a note to other editors that expires by itself, never content.
HOUSEKEEPING = {
    "housekeeping": None, "rate_hit": None, "api_token": {"last_used_at"},
    "pending_secret": None, "edit_presence": None,
}  # fmt: skip
MAX_REQUESTS = 800
ORIGIN = "http://localhost"
# Every attribute with which a page makes the browser fetch something by itself.
FETCHING = {
    ("img", "src"), ("img", "srcset"), ("source", "src"), ("source", "srcset"),
    ("video", "src"), ("video", "poster"), ("audio", "src"), ("track", "src"),
    ("input", "src"), ("iframe", "src"), ("frame", "src"), ("embed", "src"),
    ("object", "data"), ("script", "src"), ("image", "href"),
    ("use", "href"), ("body", "background"), ("table", "background"),
    ("td", "background"), ("th", "background"), ("image", "xlink:href"),
}  # fmt: skip
FETCHING_RELS = {
    "stylesheet",
    "icon",
    "preload",
    "prefetch",
    "modulepreload",
    "manifest",
    "apple-touch-icon",
    "prerender",
}  # <link> that loads (not canonical, alternate)
MEDIA_PATH = re.compile(r"^/media/[0-9]+(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")


def snapshot(path: str) -> dict:
    """Every stored row, read through a separate connection, housekeeping columns left out."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        state = {}
        for table in tables:
            if HOUSEKEEPING.get(table, set()) is None:
                continue
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            kept = [c for c in columns if c not in HOUSEKEEPING.get(table, set())]
            listed = ", ".join(f'"{c}"' for c in kept)
            state[table] = conn.execute(f'SELECT {listed} FROM "{table}" ORDER BY 1').fetchall()
        return state
    finally:
        conn.close()


class Links(HTMLParser):
    """The addresses a page links to or loads."""

    def __init__(self):
        super().__init__()
        self.links, self.fetched = [], []

    def handle_starttag(self, tag, attrs):
        rels = set((dict(attrs).get("rel") or "").lower().split())
        if tag == "link" and rels & FETCHING_RELS:
            self.fetched.append(dict(attrs).get("href") or "")
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src", "action"):
                self.links.append(value)
            if (tag, name) in FETCHING:
                urls = [c.split()[0] for c in value.split(",") if c.split()]
                self.fetched.extend(urls if name == "srcset" else [value])


def parse(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


@pytest.fixture
def site(app, users):
    """The demo site with one of everything: a message, an image, a revision, a tag, a token."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        store_message({**GOOD, "phone": "+1 416 555 0100"})
        png = io.BytesIO()
        Image.new("RGB", (1200, 800), (40, 110, 150)).save(png, "PNG")
        media = process_upload(png.getvalue(), "sea.png", "A calm sea", actor=SYSTEM)
        post = Post.select().order_by(Post.id).first()
        save_post({"body": post.body + "\n\nOne more line.", "tags": ["Worry & sleep"]}, post,
                  actor=users["admin"])  # fmt: skip
        policy = {"title": "Fees policy", "body": "Fees are due.", "status": "published",
                  "is_policy": True, "effective_date": date(2025, 1, 1)}  # fmt: skip
        policy = save_page(policy, None, actor=users["admin"])
        save_page({"body": "Fees are due at the session.", "effective_date": date(2026, 1, 1)},
                  policy, actor=users["admin"])  # fmt: skip
        admin = User.get(User.email == "admin@example.org")
        _, token = create_token("crawl", ["content:read", "media:write"], user=admin, actor=SYSTEM)
    return {"token": token, "media": media.id, "policy": policy.slug}


def crawl(client, seeds, headers=None) -> set[str]:
    """GET every same-origin address reachable from the seeds; fail on any stored change."""
    path = client.application.config["DATABASE"]
    before, queue, seen, changed = snapshot(path), list(seeds), set(), []
    while queue and len(seen) < MAX_REQUESTS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, headers=headers or {})
        after = snapshot(path)
        if after != before:
            changed.append((url, sorted(t for t in after if after[t] != before.get(t))))
            before = after
        if response.mimetype == "text/html":
            for link in parse(response.get_data(as_text=True)).links:
                target = urljoin(ORIGIN + url, link)
                parts = urlsplit(target)
                if target.startswith(ORIGIN + "/") and not parts.path.startswith("/static/"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert not changed, f"GET requests changed stored data: {changed}"
    return seen


def endpoints(app, urls) -> set[str]:
    adapter = app.url_map.bind("localhost")
    found = set()
    for url in urls:
        try:
            found.add(adapter.match(urlsplit(url).path, method="GET")[0])
        except Exception:  # noqa: S112  (a 404 or a redirect: not a view)
            continue
    return found


def test_opening_a_message_leaves_it_unread_until_a_post_with_a_token(app, client, auth, site):
    auth.login()
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        message_id = Message.select().first().id
    page = client.get(f"/admin/inbox/{message_id}").get_data(as_text=True)
    assert "<strong>Unread</strong>" in page and "Inbox (1 unread)" in page
    assert client.post(f"/admin/inbox/{message_id}/read").status_code == 400  # no CSRF token
    token = re.search(r'action="/admin/inbox/\d+/read">\s*<input[^>]*value="([^"]+)"', page)[1]
    client.post(f"/admin/inbox/{message_id}/read", data={"csrf_token": token})
    with app.app_context():
        assert Message.get_by_id(message_id).read_at is not None
    assert "Inbox (0 unread)" in client.get("/admin/inbox").get_data(as_text=True)


def test_no_get_in_the_editor_the_site_or_the_api_changes_anything(app, client, auth, site):
    auth.login()
    seeds = [
        "/", "/admin/", "/admin/posts/", "/admin/pages/", "/admin/inbox", "/admin/media",
        "/admin/users", "/admin/tokens", "/admin/trash", "/admin/activity", "/admin/account",
        "/admin/account/two-step", "/admin/login", "/admin/login/two-step", "/admin/login/reset",
        "/admin/setup/x", "/admin/set-password/x", "/sitemap.xml", "/sitemap-pages.xml",
        "/sitemap-posts-1.xml", "/robots.txt", "/feed.xml", "/healthz", "/search?q=therapy",
        "/media/99999999999/x.png", "/contact/sent", f"/{site['policy']}/versions",
    ]  # fmt: skip
    seen = crawl(client, seeds)
    bearer = {"Authorization": f"Bearer {site['token']}"}
    with app.app_context():
        post, page = Post.select().first(), Page.select().first()
    revisions = client.get(f"/api/v1/admin/posts/{post.id}/revisions", headers=bearer).json
    api = [
        f"/api/v1/admin/posts/{post.id}/revisions/{revisions['items'][0]['id']}",
        "/api/v1/openapi.json", "/api/v1/posts", f"/api/v1/posts/{post.slug}", "/api/v1/pages",
        f"/api/v1/pages/{page.slug}", "/api/v1/categories", "/api/v1/notices",
        "/api/v1/settings", "/api/v1/admin/posts", f"/api/v1/admin/posts/{post.id}",
        f"/api/v1/admin/posts/{post.id}/revisions", "/api/v1/admin/pages",
        f"/api/v1/admin/pages/{page.id}", "/api/v1/admin/categories",
        "/api/v1/admin/categories/1", "/api/v1/admin/categories/trash", "/api/v1/admin/media",
        f"/api/v1/admin/media/{site['media']}", "/api/v1/admin/notices",
        "/api/v1/admin/notices/1", "/api/v1/admin/settings",
    ]  # fmt: skip
    seen |= crawl(client, api, headers=bearer)
    auth.logout()
    seen |= crawl(client, ["/", "/contact", "/admin/", "/admin/inbox/1"])
    every_get = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}
    not_visited = every_get - endpoints(app, seen) - {"static"}
    assert not not_visited, f"GET views the crawl never reached: {sorted(not_visited)}"


HOSTILE_BODY = """
<img src="/admin/inbox/1"> <img src="/admin/inbox/1/read"> <img src="//evil.example/x.png">
<img src="/media/1/../../admin/inbox/1"> <img src="/media/1/%2e%2e/%2e%2e/admin/inbox/1">
<img src="/media/1\\..\\..\\admin/inbox/1"> <img src="&#47;admin/inbox/1">
<img src="/media/1/a.png?next=/admin/inbox/1"> <img src=" /admin/inbox/1">
<img src="/media/1/a.png" srcset="/media/1/a.png 1x, /admin/inbox/1 2x">
<img src="/media/1/a.png" srcset="/admin/inbox/1,/media/1/a.png 2x">
<img src="/media/1/a.png" srcset="/media/1/a.png&#10;/admin/inbox/1 2x">
<picture><source srcset="/admin/inbox/1"><img src="/media/1/a.png" alt="x"></picture>
<video src="/admin/inbox/1" poster="/admin/inbox/1"></video><audio src="/admin/inbox/1"></audio>
<link rel="prefetch" href="/admin/inbox/1"><table background="/admin/inbox/1"><tr><td
background="/admin/inbox/1">x</td></tr></table><input type="image" src="/admin/inbox/1">
<p style="background:url(/admin/inbox/1)">styled</p><object data="/admin/inbox/1"></object>
<svg><image href="/admin/inbox/1"/></svg><iframe src="/admin/inbox/1"></iframe>

![inbox](/admin/inbox/1) ![relative](admin/inbox/1) ![kept](/media/1/a.png)
"""


def test_content_can_load_nothing_but_uploaded_images(app, client, auth, users):
    with app.app_context():
        db.connect(reuse_if_open=True)
        editor = users["editor"]
        plain = save_post(
            {"title": "A plain draft", "body": "Nothing to load."}, None, actor=editor
        )
        draft = save_post(
            {"title": "A draft with a trap", "body": HOSTILE_BODY}, None, actor=editor
        )
        page = save_page({"title": "A page with a trap", "body": HOSTILE_BODY}, None, actor=editor)
        stored = [draft.body_html, page.body_html]
    auth.login()
    # What the preview page loads by itself (stylesheets, icon), with a harmless body.
    own = set(parse(client.get(f"/admin/posts/{plain.id}/preview").text).fetched)
    rendered = [
        client.get(f"/admin/posts/{draft.id}/preview").text,
        client.get(f"/admin/pages/{page.id}/preview").text,
        client.post("/admin/preview", data={"body": HOSTILE_BODY}).get_json()["html"],
    ]
    for html in stored + rendered:
        fetched = [url for url in parse(html).fetched if url not in own]
        assert "/media/1/a.png" in fetched  # the uploaded image is kept
        assert all(MEDIA_PATH.match(url) for url in fetched), fetched
