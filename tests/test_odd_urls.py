"""Odd URLs never answer 500: numbers too large for SQLite, pages named like templates.

The walk builds each rule's URL from app.url_map, so routes added later are covered too.
"""

from pathlib import Path

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from cms.accounts.actors import SYSTEM
from cms.accounts.tokens import create_token
from cms.api.blueprint import IdConverter
from cms.content.models import Page, Post
from cms.content.records import Revision
from cms.content.service import save_page, save_post
from cms.core.db import db

BIG = "99999999999999999999"  # 20 digits: above 2**63 - 1, SQLite's largest INTEGER
TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "public"


def _numbered_requests(app):
    """(method, url) for every rule that takes a number, with BIG for each number."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        numbers = [
            n for n, c in rule._converters.items() if isinstance(c, IntegerConverter | IdConverter)
        ]
        if not numbers:
            continue
        values = {
            name: sorted(conv.items)[0] if isinstance(conv, AnyConverter) else "x"
            for name, conv in rule._converters.items()
        }
        values.update(dict.fromkeys(numbers, BIG))
        url = adapter.build(rule.endpoint, values)
        found += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


@pytest.fixture
def admin_token(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        scopes = "content:read,content:write,notices:write,settings:write,media:write"
        return create_token("odd urls", scopes, actor=SYSTEM)[1]


def test_every_numbered_route_answers_404_for_a_huge_number(app, client, auth, admin_token, report):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must show as a 500, not raise
    auth.login()
    tried = _numbered_requests(app)
    assert len(tried) > 30  # the editor, the public media routes and the Admin API
    assert any(url.startswith("/media/") for _, url in tried)
    assert any(url.startswith("/api/v1/admin/") for _, url in tried)
    for method, url in tried:
        headers = {"Authorization": f"Bearer {admin_token}"} if url.startswith("/api/") else {}
        response = client.open(url, method=method, headers=headers)
        assert response.status_code == 404, (method, url, response.status_code)
        if url.startswith("/api/"):
            assert response.mimetype == "application/problem+json"
    report("routes with numbers tried with 20 digits", len(tried))


def test_huge_numbers_in_query_arguments(app, client, auth):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    auth.login()
    with app.app_context():
        post = save_post({"title": "Compared", "body": "One", "status": "published"}, actor=SYSTEM)
        revision = Revision.history("post", post.id).first().id
    cases = {
        f"/admin/posts/?category={BIG}": 200,  # an unknown category filters nothing in
        f"/admin/posts/?page={BIG}": 400,  # one page-number rule at every door
        f"/admin/media?page={BIG}": 400,
        f"/admin/posts/{post.id}/revisions/diff?a={BIG}&b={revision}": 404,
        f"/admin/posts/{post.id}/revisions/diff?a={BIG}&b={BIG}": 404,
        f"/?page={BIG}": 400,
        f"/blog/?before=20200101000000-{BIG}": 400,
        f"/search?q=one&page={BIG}": 400,
        f"/sitemap-posts-{BIG}.xml": 404,
        f"/?p={BIG}": 200,  # an old WordPress address that names nothing: the home page
        f"/api/v1/posts?limit={BIG}": 400,
        f"/api/v1/posts?cursor={BIG}": 400,
    }
    for url, status in cases.items():
        assert client.get(url).status_code == status, url


def _is_page_address(app, path: str) -> bool:
    try:
        return app.url_map.bind("localhost").match(path)[0] == "public.page_detail"
    except HTTPException:  # a route of its own (/archive, /blog/, ...): never a page's
        return False


def test_a_page_named_like_any_template_shows_as_a_page(app, client):
    """home, post, page, ...: the slug never chooses a template made for another view
    (raw slugs too, as an old import may have written them)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    names = sorted(p.name.split(".")[0] for p in TEMPLATES.iterdir() if p.suffix == ".html")
    slugs = [name for name in names if _is_page_address(app, f"/{name}")]
    assert {"home", "post", "page", "contact_sent", "policy_versions"} <= set(slugs)
    with app.app_context():
        db.connect(reuse_if_open=True)
        when = Post.live().first().published_at
        for slug in slugs:
            Page.create(title=f"About {slug}", slug=slug, body="Text", body_html="<p>Text</p>",
                        status="published", published_at=when)  # fmt: skip
    for slug in slugs:
        response = client.get(f"/{slug}")
        assert response.status_code == 200, slug
        assert f"About {slug}" in response.get_data(as_text=True), slug


@pytest.mark.parametrize("slug", ["home", "post"])
def test_pages_called_home_or_post_through_the_editor(app, client, slug):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        data = {"title": "A page", "slug": slug, "body": "Our *own* words."}
        save_page({**data, "status": "published"}, actor=SYSTEM)
    response = client.get(f"/{slug}")
    assert response.status_code == 200
    assert "Our <em>own</em> words." in response.get_data(as_text=True)
