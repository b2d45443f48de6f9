"""Writing in the editor: lists, one form for posts and pages, publishing, trash, no lost work."""

import re
from datetime import datetime, timedelta

import pytest

from cms import create_app
from cms.accounts import stash
from cms.accounts.actors import SYSTEM
from cms.accounts.guard import IDLE_ACCOUNT
from cms.accounts.stash import FormStash
from cms.audit import Activity
from cms.content import service as services
from cms.content.models import Category, Page, Post
from cms.content.records import Redirect, Revision
from cms.core import clock
from cms.core.db import db

OWN_PAGE = {"Origin": "http://localhost"}  # the browser says the editor's own page sent it
SOCIAL = "social-media-and-our-therapy-relationship"
OTHER = "what-happens-in-a-first-session"


def field_error(html: str, field: str) -> str:
    """The error message shown next to a field ('' when none)."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


def post_form(**overrides) -> dict:
    data = {
        "title": "A new post",
        "slug": "",
        "body": "Some *text*.",
        "excerpt": "",
        "meta_description": "",
        "status": "draft",
        "published_at": "",
        "featured_image": "",
        "action": "save",
    }
    data.update(overrides)
    return data


def get_post(app, **where):
    with app.app_context():
        db.connect(reuse_if_open=True)
        return Post.get_or_none(*[getattr(Post, k) == v for k, v in where.items()])


@pytest.fixture
def signed_in(auth):
    auth.login()
    return auth


def test_post_list_shows_status_and_counts(client, signed_in, app):
    client.post("/admin/posts/new", data=post_form(title="Still a draft"))
    html = client.get("/admin/posts/").get_data(as_text=True)
    assert "Still a draft" in html and "Draft" in html and "Published" in html
    assert re.search(r"<strong>\d+</strong> draft", html)
    filtered = client.get("/admin/posts/?status=draft&q=Still").get_data(as_text=True)
    assert "Still a draft" in filtered and "Social media and our" not in filtered
    assert client.get("/admin/pages/?q=policy").status_code == 200


def test_filter_by_category(client, signed_in, ctx):
    faq = Category.get(Category.name == "FAQ")
    html = client.get(f"/admin/posts/?category={faq.id}").get_data(as_text=True)
    assert "What happens in a first session?" in html
    assert "Small habits for difficult weeks" not in html


def test_create_saves_a_draft_with_a_revision_and_a_log_entry(client, signed_in, app):
    response = client.post("/admin/posts/new", data=post_form(title="Winter hours"))
    assert response.status_code == 302
    post = get_post(app, title="Winter hours")
    assert post.status == "draft" and post.slug == "winter-hours"
    with app.app_context():
        assert Revision.history("post", post.id).count() == 1
        assert Activity.recent().first().action == "post.create"
    assert client.get("/blog/winter-hours").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "  "}, "title", "A title is required."),
        ({"body": "x" * 1_000_000}, "body", "too long"),
        ({"slug": OTHER}, "slug", "already used"),
        ({"slug": "has spaces in it"}, "slug", "lower-case letters"),
        ({"slug": "café-ünïcode"}, "slug", "lower-case letters"),
        ({"published_at": "next tuesday"}, "published_at", "Use a date and time"),
        ({"published_at": "2026-13-45T25:61"}, "published_at", "Use a date and time"),
        ({"published_at": "0001-01-01T00:00"}, "published_at", "out of range"),
        ({"published_at": "99999-01-01T00:00"}, "published_at", "Use a date and time"),
        ({"published_at": "2001-05-01T09:00"}, "published_at", "already passed"),
        ({"categories": ["99999"]}, "categories", "Unknown categories"),
        ({"categories": ["not-a-category"]}, "categories", "Unknown categories"),
        ({"featured_image": "424242"}, "featured_image", "No such image"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_changes_nothing(
    client, signed_in, app, overrides, field, message
):
    before = get_post(app, slug=SOCIAL)
    data = post_form(**{"title": before.title, "body": "Changed body", **overrides})
    response = client.post(f"/admin/posts/{before.id}/edit", data=data)
    assert response.status_code == 200
    assert message in field_error(response.get_data(as_text=True), field)
    after = get_post(app, id=before.id)
    assert (after.body, after.slug, after.title, after.updated_at) == (
        before.body, before.slug, before.title, before.updated_at,
    )  # fmt: skip
    with app.app_context():
        assert Revision.history("post", before.id).count() == 1
    new = client.post("/admin/posts/new", data=post_form(**overrides))
    assert new.status_code == 200 and message in field_error(new.get_data(as_text=True), field)


def test_publish_time_is_entered_in_the_practice_time_zone(client, signed_in, app):
    # America/Toronto is UTC-5 in January.
    form = post_form(title="Scheduled", status="published", published_at="2099-01-15T09:00")
    client.post("/admin/posts/new", data=form)
    post = get_post(app, title="Scheduled")
    assert post.published_at == datetime(2099, 1, 15, 14, 0)
    with app.test_request_context():
        db.connect(reuse_if_open=True)
        assert post.is_scheduled
    edit = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert 'value="2099-01-15T09:00"' in edit and "Scheduled for" in edit


def test_schedule_then_publish_now_then_unpublish(client, signed_in, app):
    later = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    form = post_form(title="Soon", status="published", published_at=later)
    client.post("/admin/posts/new", data=form)
    post = get_post(app, title="Soon")
    assert client.get("/blog/soon").status_code == 404
    counts = client.get("/admin/posts/").get_data(as_text=True)
    assert re.search(r"<strong>1</strong> scheduled", counts)
    # "Publish now" keeps a chosen future time; emptying the time publishes at once.
    client.post(f"/admin/posts/{post.id}/edit", data={**form, "action": "publish"})
    assert client.get("/blog/soon").status_code == 404
    client.post(
        f"/admin/posts/{post.id}/edit", data={**form, "published_at": "", "action": "primary"}
    )
    assert client.get("/blog/soon").status_code == 200
    kept = get_post(app, id=post.id).published_at
    client.post(
        f"/admin/posts/{post.id}/edit",
        data={**form, "published_at": "", "status": "published", "action": "unpublish"},
    )
    assert get_post(app, id=post.id).status == "draft"
    assert client.get("/blog/soon").status_code == 404
    with app.app_context():
        actions = [a.action for a in Activity.recent().limit(4)]
    assert actions == ["post.unpublish", "post.publish", "post.update", "post.schedule"]
    assert kept <= clock.utcnow()


def test_unchanged_past_publish_time_keeps_its_seconds(client, signed_in, app):
    post = get_post(app, slug=SOCIAL)
    edit = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    shown = re.search(r'name="published_at" type="datetime-local" value="([^"]+)"', edit)
    form = post_form(title=post.title, body=post.body + "\n\nMore.", status="published")
    form["published_at"] = shown.group(1)
    assert client.post(f"/admin/posts/{post.id}/edit", data=form).status_code == 302
    assert get_post(app, id=post.id).published_at == post.published_at


def test_changing_the_slug_of_a_published_post_keeps_the_old_url(client, signed_in, app):
    post = get_post(app, slug=SOCIAL)
    form = post_form(title=post.title, body=post.body, slug="social-media", status="published")
    assert client.post(f"/admin/posts/{post.id}/edit", data=form).status_code == 302
    client.post("/admin/logout")
    old = client.get(f"/blog/{SOCIAL}")
    assert old.status_code == 301 and old.headers["Location"].endswith("/blog/social-media")
    assert client.get("/blog/social-media").status_code == 200
    with app.app_context():
        assert Redirect.get(Redirect.old_path == f"/blog/{SOCIAL}").new_path == "/blog/social-media"


def test_pages_share_the_form_with_policy_fields(client, signed_in, app):
    form = post_form(title="Fees", is_policy="y", effective_date="2026-02-01", status="published")
    del form["featured_image"]
    assert client.post("/admin/pages/new", data=form).status_code == 302
    with app.app_context():
        page = Page.get(Page.slug == "fees")
        assert page.is_policy and str(page.effective_date) == "2026-02-01"
    bad = client.post(f"/admin/pages/{page.id}/edit", data={**form, "effective_date": "1st May"})
    assert "Use a date such as" in field_error(bad.get_data(as_text=True), "effective_date")
    reserved = client.post("/admin/pages/new", data={**form, "slug": "admin"})
    assert "reserved" in field_error(reserved.get_data(as_text=True), "slug")


def test_private_preview_uses_the_public_template(client, signed_in, app):
    client.post("/admin/posts/new", data=post_form(title="Secret draft", body="## Hello"))
    post = get_post(app, title="Secret draft")
    preview = client.get(f"/admin/posts/{post.id}/preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert '<article class="post">' in html and "<h2>Hello</h2>" in html
    assert "Private preview" in html and "noindex" in html
    client.post("/admin/logout")
    assert client.get(f"/admin/posts/{post.id}/preview").status_code == 302
    assert client.get("/blog/secret-draft").status_code == 404


def test_no_javascript_preview_button_shows_rendered_text_without_saving(client, signed_in, app):
    form = post_form(
        title="Unsaved", body="<script>alert(1)</script>\n\n**strong**", action="preview"
    )
    response = client.post("/admin/posts/new", data=form)
    html = response.get_data(as_text=True)
    assert "<strong>strong</strong>" in html and "<script>alert(1)" not in html
    assert get_post(app, title="Unsaved") is None


def test_live_preview_sanitizes_like_the_public_page(client, signed_in):
    body = (
        '# Title\n\n<img src="https://tracker.example/x.gif" onerror="alert(1)">'
        "[x](javascript:alert(1))"
    )
    data = client.post("/admin/preview", data={"body": body}).get_json()
    assert "<h2>Title</h2>" in data["html"]
    assert "tracker.example" not in data["html"] and "onerror" not in data["html"]
    assert "javascript:" not in data["html"]
    assert client.post("/admin/preview", data={"body": "x" * 300_000}).status_code == 413


def test_delete_asks_first_then_trash_and_restore(client, signed_in, app):
    post = get_post(app, slug=SOCIAL)
    confirm = client.get(f"/admin/posts/{post.id}/delete")
    assert "Move “Social media" in confirm.get_data(as_text=True)
    assert get_post(app, id=post.id).deleted_at is None  # asking changes nothing
    client.post(f"/admin/posts/{post.id}/delete")
    assert get_post(app, id=post.id).deleted_at is not None
    assert client.get(f"/blog/{SOCIAL}").status_code == 404
    trash = client.get("/admin/trash").get_data(as_text=True)
    assert "Social media and our therapy relationship" in trash
    client.post(f"/admin/posts/{post.id}/restore")
    assert get_post(app, id=post.id).deleted_at is None
    assert client.get(f"/blog/{SOCIAL}").status_code == 200
    with app.app_context():
        assert [a.action for a in Activity.recent().limit(2)] == ["post.restore", "post.trash"]


def test_signed_out_writer_gets_the_text_back_after_signing_in(client, users, auth, app):
    post = get_post(app, slug=SOCIAL)
    auth.login()
    clock.advance(timedelta(seconds=app.config["IDLE_TIMEOUT"] + 1))  # the session ends
    form = post_form(title=post.title, body="My long, careful new text.", status="published")
    response = client.post(f"/admin/posts/{post.id}/edit", data=form, headers=OWN_PAGE)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert get_post(app, id=post.id).body == post.body  # nothing saved while signed out
    auth.login()
    edit = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert "My long, careful new text." in edit and "unsaved text was kept" in edit
    again = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert "My long, careful new text." in again  # a reload does not lose it either
    with app.app_context():
        assert FormStash.select().count() == 1
    saved = client.post(f"/admin/posts/{post.id}/edit", data=form, headers=OWN_PAGE)
    assert saved.status_code == 302 and get_post(app, id=post.id).body == form["body"]
    with app.app_context():
        assert FormStash.select().count() == 0  # saved: the kept text is done with
    assert "unsaved text was kept" not in client.get(f"/admin/posts/{post.id}/edit").get_data(
        as_text=True
    )


@pytest.fixture
def csrf_app(tmp_path):
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test",
         "WTF_CSRF_ENABLED": True, "DEMO_CONTENT": True}
    )  # fmt: skip
    from cms.accounts.users import create_user

    with app.app_context():
        create_user(
            "admin@example.org", "correct horse battery", "admin", "Ada Admin", actor=SYSTEM
        )
    yield app
    db.close()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_expired_csrf_token_keeps_the_text(csrf_app):
    client = csrf_app.test_client()
    login = client.get("/admin/login").get_data(as_text=True)
    client.post(
        "/admin/login",
        data={"email": "admin@example.org", "password": "correct horse battery",
              "csrf_token": _token(login)},
    )  # fmt: skip
    post = get_post(csrf_app, slug=SOCIAL)
    form = post_form(title=post.title, body="Text typed while the token expired.")
    form["csrf_token"] = "expired-or-forged"
    response = client.post(f"/admin/posts/{post.id}/edit", data=form, headers=OWN_PAGE)
    assert response.status_code == 302
    assert get_post(csrf_app, id=post.id).body == post.body
    edit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Text typed while the token expired." in edit
    # The live preview is CSRF-protected too.
    assert client.post("/admin/preview", data={"body": "x"}).status_code == 400
    ok = client.post("/admin/preview", data={"body": "*x*"}, headers={"X-CSRFToken": _token(edit)})
    assert ok.get_json()["html"].strip() == "<p><em>x</em></p>"


def test_editor_may_write(client, auth, app):
    auth.login("editor@example.org")
    assert client.post("/admin/posts/new", data=post_form(title="By Eddie")).status_code == 302
    assert get_post(app, title="By Eddie").author.email == "editor@example.org"


def test_unsent_posts_are_stashed_only_a_few_times_and_within_a_cap(client, app, monkeypatch):
    def stashes():
        with app.app_context():
            return [row.data for row in FormStash.select()]

    def post_unsent(data, **kwargs):
        with client.session_transaction() as session:
            session[IDLE_ACCOUNT] = 1  # this browser's writer was signed out for being idle
        client.post("/admin/posts/new", data=data, headers=OWN_PAGE, **kwargs)

    for n in range(stash.RATE_LIMIT + 5):  # one address, again and again
        post_unsent(post_form(body=f"Text {n}. " + "x" * 100_000))
    assert len(stashes()) == stash.RATE_LIMIT
    post_unsent(post_form(body="y" * 300_000), environ_base={"REMOTE_ADDR": "10.0.0.250"})
    assert len(stashes()) == stash.RATE_LIMIT  # too large to keep
    monkeypatch.setattr(stash, "MAX_ROWS", 3)
    for n in range(6):  # many addresses: only the newest stashes stay
        address = {"REMOTE_ADDR": f"10.0.0.{n}"}
        post_unsent(post_form(body=f"From address {n}."), environ_base=address)
        assert len(stashes()) <= 3
    kept = stashes()
    assert len(kept) == 3 and all(f"From address {n}." in "".join(kept) for n in (3, 4, 5))


def test_slug_taken_by_a_concurrent_save_is_a_form_error(client, signed_in, app, monkeypatch):
    validate = services.validate_entry

    def validate_then_lose_the_race(model, data, entry):
        clean = validate(model, data, entry)
        Post.create(title="Rival", slug="winter-hours")  # another worker commits first
        return clean

    monkeypatch.setattr(services, "validate_entry", validate_then_lose_the_race)
    response = client.post("/admin/posts/new", data=post_form(slug="winter-hours"))
    assert response.status_code == 200
    assert "already used" in field_error(response.get_data(as_text=True), "slug")
    assert get_post(app, slug="winter-hours").title == "Rival"
