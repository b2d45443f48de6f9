"""Every corpus payload, as raw HTML and inside Markdown constructs, put into posts through
the Admin API and opened in Chromium on the public post page, in the private draft preview
and in the editor's live preview: with every element hovered, focused and clicked, no
script hook fires, no dialog opens and no request leaves the site. Run with the site's CSP
and with CSP bypassed, so the sanitizer is proven on its own.
"""

import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.content.models import Post
from cms.core.db import db
from tests.helpers.live import ADMIN, LiveServer, prepare_instance
from tests.helpers.xss_corpus import CONSTRUCTS, all_payloads
from tests.helpers.xss_harness import (
    LIVE_BODY,
    Visitor,
    hostile_posts,
    publish_through_api,
    refused_through_api,
)

CSP_MODES = ["site CSP", "CSP bypassed"]
# Stored as the body of one post, bypassing the sanitizer, to prove the harness notices.
UNSANITIZED = (
    '<img src="/none.png" onerror="alert(1)"><a href="javascript:alert(2)">a</a>'
    '<img src="https://evil.example/pixel.png" alt="">'
)


def prepare(instance) -> tuple[str, dict]:
    """An Admin API token for the posts, and the control post stored without sanitizing."""
    from cms.accounts.tokens import create_token
    from cms.content.service import save_post

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "browser-tests"})
    with app.app_context():
        db.connect(reuse_if_open=True)
        admin = User.get(User.email == ADMIN[0])
        _, token = create_token("xss corpus", ["content:write"], user=admin, actor=SYSTEM)
        saved = save_post(
            {"title": "Control: unsanitized", "body": "control", "status": "published"},
            actor=SYSTEM,
        )
        Post.update(body_html=UNSANITIZED).where(Post.id == saved.id).execute()
    db.close()
    control = {"title": saved.title, "id": saved.id, "url": f"/blog/{saved.slug}"}
    return token, control


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """A server of its own whose posts hold the whole corpus (and one control post)."""
    instance = tmp_path_factory.mktemp("hostile-instance")
    prepare_instance(instance)
    token, control = prepare(instance)
    server = LiveServer(instance)
    posts = hostile_posts()
    try:
        publish_through_api(server.url, token, posts)
    except BaseException:
        server.stop()
        raise
    yield server, posts, control, token
    server.stop()


def _figures(visitor: Visitor, posts: list[dict], where: str, policy: str) -> str:
    return (
        f"{sum(p['payloads'] for p in posts)} payload renderings ({len(all_payloads())} "
        f"payloads x {len(CONSTRUCTS)} constructs) in {len(posts)} posts{where}, "
        f"{visitor.elements} elements swept, {visitor.links} safe links held back; "
        f"Content-Security-Policy: {policy!r}"
    )


def test_payloads_with_control_characters_are_refused_as_typed(hostile_site, report):
    """The posts above hold these with their control characters removed (as text kept from
    before the text rule is); as typed, the Admin API refuses each with a reason."""
    server, *_, token = hostile_site
    tried = refused_through_api(server.url, token)
    report("payloads refused by the text rule through the Admin API", str(tried))
    assert tried > 0


@pytest.mark.parametrize("csp", CSP_MODES)
def test_hostile_posts_run_nothing_and_load_nothing(browser, hostile_site, csp, report):
    server, posts, *_ = hostile_site
    visitor = Visitor(browser, server, bypass_csp=csp == "CSP bypassed")
    try:
        for post in posts:
            result = visitor.sweep(post["title"], post["url"])
            assert result["dangerous"] == [], post["title"]
            assert result["sentinels"] == post["sentinels"], f"{post['title']}: payload hidden"
    finally:
        visitor.close()
    policy = result["headers"].get("content-security-policy", "none sent")
    report(f"browser XSS, public post page ({csp})", _figures(visitor, posts, "", policy))
    assert visitor.fired == [], visitor.fired[:5]
    assert visitor.left == []


@pytest.mark.parametrize("csp", CSP_MODES)
def test_hostile_posts_are_harmless_in_the_editor_previews(browser, hostile_site, csp, report):
    """Signed in: the draft preview page and the live preview the editor fetches (with its
    CSRF header) when a post is opened for editing."""
    server, posts, *_ = hostile_site
    visitor = Visitor(browser, server, bypass_csp=csp == "CSP bypassed", signed_in=True)
    try:
        for post in posts:
            for path, body in (
                (f"/admin/posts/{post['id']}/preview", "article.post .prose"),
                (f"/admin/posts/{post['id']}/edit", LIVE_BODY),
            ):
                result = visitor.sweep(post["title"], path, body)
                assert result["dangerous"] == [], f"{post['title']} at {path}"
                assert result["sentinels"] == post["sentinels"], f"{path}: payload hidden"
    finally:
        visitor.close()
    policy = result["headers"].get("content-security-policy", "none sent")
    where = " x 2 (draft preview, live preview)"
    report(f"browser XSS, editor previews ({csp})", _figures(visitor, posts, where, policy))
    assert visitor.fired == [], visitor.fired[:5]
    assert visitor.left == []
    assert visitor.own_fetches == len(posts)  # each editor page asked for its preview once


WHERE = ["public page", "draft preview", "live preview"]


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("csp", CSP_MODES)
def test_the_harness_catches_unsanitized_html(browser, hostile_site, csp, where):
    """Negative control: HTML that skipped the sanitizer is caught by every check."""
    server, _, control, _ = hostile_site
    visitor = Visitor(browser, server, csp == "CSP bypassed", signed_in=where != "public page")
    try:
        if where == "public page":
            result = visitor.sweep(control["title"], control["url"])
        elif where == "draft preview":
            result = visitor.sweep(control["title"], f"/admin/posts/{control['id']}/preview")
        else:  # as if the live preview's answer had not been sanitized
            visitor.page.route("**/admin/preview", lambda r: r.fulfill(json={"html": UNSANITIZED}))
            result = visitor.sweep(
                control["title"], f"/admin/posts/{control['id']}/edit", LIVE_BODY
            )
    finally:
        visitor.close()
    assert (
        "img[onerror]" in result["dangerous"] and "a with javascript: link" in result["dangerous"]
    )
    kinds = {what for _, what, *_ in visitor.fired}
    if csp == "CSP bypassed":
        assert {"alert", "dialog"} <= kinds
        assert visitor.left == ["https://evil.example/pixel.png"]
    else:  # the site's CSP stops the handler, the javascript: link and the image itself
        assert kinds == {"csp-violation"}
