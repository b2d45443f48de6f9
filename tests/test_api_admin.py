"""The Admin API: a script's whole flow, scopes, tokens only, validation, errors."""

import io
import json
from datetime import timedelta

import pytest
from PIL import Image

from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.accounts.tokens import ApiToken, create_token, revoke_token
from cms.audit import Activity
from cms.content import service as services
from cms.content.models import Category, Post
from cms.core import clock

ALL_SCOPES = "content:read,content:write,notices:write,settings:write,media:write"


@pytest.fixture
def app(empty_app):
    """The app without demo content (quicker to build); URLs under http://localhost."""
    empty_app.config["SITE_URL"] = "http://localhost"
    return empty_app


@pytest.fixture
def make_token(app):
    """make_token(scopes) -> the plain token, made for an admin account."""
    with app.app_context():
        admin = User.create(email="ada@example.org", name="Ada Admin", role="admin")

    def make(scopes=ALL_SCOPES, name="test script", **kwargs):
        with app.app_context():
            return create_token(name, scopes, user=admin, actor=SYSTEM, **kwargs)[1]

    return make


@pytest.fixture
def api(client, make_token):
    """A client for the Admin API with a token holding every scope."""
    return Api(client, make_token())


class Api:
    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def __call__(self, method, path, body=None, **kwargs):
        kwargs.setdefault("headers", self.headers)
        if body is not None:
            kwargs["json"] = body
        return self.client.open(f"/api/v1/admin/{path}", method=method, **kwargs)


def test_a_script_publishes_renames_trashes_and_restores_through_the_api(api, client):
    created = api("POST", "categories", {"name": "Anxiety"})
    assert created.status_code == 201 and created.json["slug"] == "anxiety"
    draft = api("POST", "posts", {"title": "Calm breathing", "body": "Breathe *slowly*.",
                                  "categories": ["anxiety"]})  # fmt: skip
    assert draft.status_code == 201 and draft.json["status"] == "draft"
    assert draft.headers["Location"].endswith(f"/api/v1/admin/posts/{draft.json['id']}")
    post_id = draft.json["id"]
    assert client.get("/blog/calm-breathing").status_code == 404

    published = api("POST", f"posts/{post_id}/publish")
    assert published.status_code == 200 and published.json["status"] == "published"
    assert "Breathe <em>slowly</em>." in client.get("/blog/calm-breathing").get_data(as_text=True)
    listed = client.get("/api/v1/posts?category=anxiety").json["items"]
    assert [p["id"] for p in listed] == [post_id]

    renamed = api("PATCH", f"posts/{post_id}", {"slug": "calm-breathing-guide"})
    assert renamed.json["url"] == "http://localhost/blog/calm-breathing-guide"
    old = client.get("/blog/calm-breathing")
    assert old.status_code == 301 and old.headers["Location"].endswith("/blog/calm-breathing-guide")
    assert client.get("/blog/calm-breathing-guide").status_code == 200

    assert api("DELETE", f"posts/{post_id}").status_code == 204
    assert client.get("/blog/calm-breathing-guide").status_code == 404
    assert client.get("/api/v1/posts/calm-breathing-guide").status_code == 404
    assert api("GET", f"posts/{post_id}").json["trashed"] is True
    restored = api("POST", f"posts/{post_id}/restore")
    assert restored.status_code == 200 and restored.json["trashed"] is False
    assert client.get("/api/v1/posts/calm-breathing-guide").json["categories"] == ["anxiety"]

    actions = [a.action for a in Activity.select().where(Activity.actor == "token: test script")]
    for action in ("category.create", "post.create", "post.publish", "post.update",
                   "post.trash", "post.restore"):  # fmt: skip
        assert action in actions


def test_create_published_post_in_one_call(api, client):
    response = api("POST", "posts", {"title": "Hello", "body": "Hi", "status": "published"})
    assert response.status_code == 201 and response.json["status"] == "published"
    assert client.get("/api/v1/posts/hello").status_code == 200
    assert response.json["author"] == "Ada Admin"


def test_read_scope_cannot_write(client, make_token):
    reader = Api(client, make_token("content:read"))
    assert reader("GET", "posts").status_code == 200
    refused = reader("POST", "posts", {"title": "Nope"})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.json["required_scopes"] == ["content:write"]
    assert reader("PATCH", "settings", {"site_title": "Mine"}).status_code == 403
    assert not Post.select().where(Post.title == "Nope").exists()


def test_revoked_and_expired_tokens_get_401(app, client, make_token):
    revoked_plain = make_token("content:read", name="old")
    with app.app_context():
        revoke_token(ApiToken.get(ApiToken.name == "old"), actor=SYSTEM)
    response = Api(client, revoked_plain)("GET", "posts")
    assert response.status_code == 401 and "WWW-Authenticate" in response.headers
    expiring = Api(client, make_token("content:read", name="short", expires_days=1))
    assert expiring("GET", "posts").status_code == 200
    clock.advance(timedelta(days=2))
    assert expiring("GET", "posts").status_code == 401


def test_token_in_the_query_string_is_refused(client, make_token):
    token = make_token()
    response = client.get(f"/api/v1/admin/posts?access_token={token}")
    assert response.status_code == 400 and "Authorization header" in response.json["detail"]
    both = client.get(f"/api/v1/admin/posts?token={token}",
                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert both.status_code == 400


def test_editor_session_cookie_alone_gets_401_and_no_cookie(client, auth):
    auth.login("editor@example.org")
    assert client.get("/admin/").status_code == 200  # the session itself works
    response = client.get("/api/v1/admin/posts")
    assert response.status_code == 401 and "cookie is not accepted" in response.json["detail"]
    assert "Set-Cookie" not in response.headers
    assert client.post("/api/v1/admin/posts", json={"title": "x"}).status_code == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic abc", "Bearer pcms_nope"])
def test_missing_or_bad_authorization_gets_401(client, header):
    response = client.get("/api/v1/admin/posts", headers={"Authorization": header})
    assert response.status_code == 401 and response.json["status"] == 401


def test_server_owned_and_unknown_fields_are_refused_with_422(api):
    body = {"title": "T", "id": 5, "author": "Eve", "body_html": "<b>",
            "created_at": "2020-01-01T00:00:00Z", "colour": "red"}  # fmt: skip
    response = api("POST", "posts", body)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"id", "author", "body_html", "created_at", "colour"}
    assert Post.select().where(Post.title == "T").count() == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 5}, "title"),
        ({"title": "T", "status": "live"}, "status"),
        ({"title": "T", "slug": "Not a slug"}, "slug"),
        ({"title": "T", "published_at": "yesterday"}, "published_at"),
        ({"title": "T", "published_at": "0001-01-01T00:00:00+01:00"}, "published_at"),
        ({"title": "T", "categories": "anxiety"}, "categories"),
        ({"title": "T", "featured_image": 10**30}, "featured_image"),
        ({"title": "T", "body": "\x00"}, "body"),
        ({"body": "no title"}, "title"),
    ],
)
def test_validation_errors_name_the_fields(api, body, field):
    response = api("POST", "posts", body)
    assert response.status_code == 422, response.json
    assert field in {e["field"] for e in response.json["errors"]}


def test_lone_surrogates_are_a_422_not_a_crash(api):
    response = api("POST", "posts", data='{"title": "\\ud800"}',
                   content_type="application/json")  # fmt: skip
    assert response.status_code == 422


@pytest.mark.parametrize(
    "kwargs, status",
    [
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"data": "[" * 100_000 + "]" * 100_000, "content_type": "application/json"}, 400),
        ({"data": '{"title": NaN}', "content_type": "application/json"}, 400),
        ({"data": "[1, 2]", "content_type": "application/json"}, 422),
        ({"data": "title=x", "content_type": "application/x-www-form-urlencoded"}, 415),
        ({"data": '{"title": "' + "x" * 4_200_000 + '"}', "content_type": "application/json"}, 413),
    ],
)
def test_malformed_bodies_get_clear_problems(api, kwargs, status):
    response = api("POST", "posts", **kwargs)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json" and response.json["detail"]


def test_slug_conflict_is_409(api):
    api("POST", "posts", {"title": "One", "slug": "same"})
    response = api("POST", "posts", {"title": "Two", "slug": "same"})
    assert response.status_code == 409 and response.json["errors"][0]["field"] == "slug"


def test_missing_things_are_404(api):
    for method, path in [("GET", "posts/999"), ("PATCH", "posts/999"), ("DELETE", "pages/999"),
                         ("GET", "posts/99999999999999999999999"), ("GET", "categories/999"),
                         ("GET", "notices/999"), ("GET", "media/999")]:  # fmt: skip
        response = api(method, path, {} if method == "PATCH" else None)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_put_replaces_and_patch_changes_only_given_fields(api):
    post = api("POST", "posts", {"title": "A", "body": "b", "excerpt": "Short"}).json
    patched = api("PATCH", f"posts/{post['id']}", {"body": "new body"}).json
    assert patched["excerpt"] == "Short" and patched["title"] == "A"
    assert api("PUT", f"posts/{post['id']}", {"title": "B"}).status_code == 422  # body, status
    put = api("PUT", f"posts/{post['id']}", {"title": "B", "body": "c", "status": "draft"}).json
    assert put["excerpt"] == "c" and put["slug"] == "a"  # excerpt reset (made from the body)


def test_schedule_and_unpublish(api, client):
    post = api("POST", "posts", {"title": "Later", "body": "Soon"}).json
    when = (clock.utcnow() + timedelta(days=2)).isoformat() + "Z"
    scheduled = api("POST", f"posts/{post['id']}/publish", {"published_at": when}).json
    assert scheduled["scheduled"] is True
    assert client.get("/api/v1/posts/later").status_code == 404
    assert api("GET", "posts?status=scheduled").json["items"][0]["id"] == post["id"]
    clock.advance(timedelta(days=3))
    assert client.get("/api/v1/posts/later").status_code == 200
    assert api("POST", f"posts/{post['id']}/unpublish").json["status"] == "draft"
    assert client.get("/api/v1/posts/later").status_code == 404


def test_revisions_list_and_restore(api):
    page = api("POST", "pages", {"title": "Fees", "body": "Old fee"}).json
    api("PATCH", f"pages/{page['id']}", {"body": "New fee"})
    revisions = api("GET", f"pages/{page['id']}/revisions").json["items"]
    assert len(revisions) == 2 and "body" not in revisions[0]
    oldest = revisions[-1]
    assert api("GET", f"pages/{page['id']}/revisions/{oldest['id']}").json["body"] == "Old fee"
    restored = api("POST", f"pages/{page['id']}/revisions/{oldest['id']}/restore").json
    assert restored["body"] == "Old fee"
    assert api("GET", f"posts/{page['id']}/revisions/{oldest['id']}").status_code == 404


def test_pages_refuse_categories(api):
    response = api("POST", "pages", {"title": "About", "categories": ["x"]})
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "categories"


def test_category_trash_and_restore_keeps_its_posts(api):
    api("POST", "categories", {"name": "Couples"})
    post = api("POST", "posts", {"title": "Talking", "categories": ["couples"]}).json
    cat_id = Category.get(Category.slug == "couples").id
    assert api("PUT", f"categories/{cat_id}", {"name": "Couples therapy"}).json["post_count"] == 1
    assert api("DELETE", f"categories/{cat_id}").status_code == 204
    assert api("GET", f"posts/{post['id']}").json["categories"] == []
    assert api("GET", "categories/trash").json["items"][0]["id"] == cat_id
    restored = api("POST", f"categories/{cat_id}/restore")
    assert restored.status_code == 200 and restored.json["id"] == cat_id
    assert api("GET", f"posts/{post['id']}").json["categories"] == ["couples"]
    assert api("POST", f"categories/{cat_id}/restore").status_code == 409


def test_notices_switch_and_availability(client, make_token):
    notices = Api(client, make_token("notices:write"))
    listing = notices("GET", "notices").json
    banner = next(n for n in listing["items"] if n["key"] == "online-therapy")
    off = notices("PATCH", f"notices/{banner['id']}", {"enabled": False})
    assert off.status_code == 200 and off.json["enabled"] is False
    assert "online-therapy" not in {n["key"] for n in client.get("/api/v1/notices").json["items"]}
    notices("PATCH", f"notices/{banner['id']}", {"enabled": True, "body": "Online sessions."})
    public = {n["key"]: n for n in client.get("/api/v1/notices").json["items"]}
    assert public["online-therapy"]["body"] == "Online sessions."
    assert notices("PATCH", "settings", {"availability": "accepting"}).status_code == 200
    assert client.get("/api/v1/notices").json["availability"]["state"] == "accepting"
    refused = notices("PATCH", "settings", {"availability": "waitlist", "site_title": "X"})
    assert refused.status_code == 403
    fixed = next(n for n in listing["items"] if n["availability_state"])
    assert notices("PATCH", f"notices/{fixed['id']}", {"enabled": False}).status_code == 422


def test_settings_read_and_change(client, make_token):
    admin = Api(client, make_token("settings:write"))
    assert "demo_content" not in admin("GET", "settings").json
    changed = admin("PATCH", "settings", {"site_title": "Calm Practice", "posts_per_page": 5})
    assert changed.json["site_title"] == "Calm Practice"
    assert client.get("/api/v1/settings").json["site_title"] == "Calm Practice"
    bad = admin("PATCH", "settings", {"accent_color": "#ffffff", "posts_per_page": "5",
                                      "social_links": [1], "demo_content": [1]})  # fmt: skip
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"posts_per_page", "social_links",
                                                        "demo_content"}  # fmt: skip
    colour = admin("PATCH", "settings", {"accent_color": "#ffffff"})
    assert colour.status_code == 422 and colour.json["errors"][0]["field"] == "accent_color"


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "teal")
    exif = Image.Exif()
    exif[0x8825] = {2: (45.0, 30.0, 0.0)}  # GPSInfo: latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_media_upload_uses_the_editor_pipeline(api, client, auth):
    data = {"file": (io.BytesIO(_jpeg_with_gps()), "holiday.jpg"), "alt": "A teal square"}
    response = api("POST", "media", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    media = response.json
    assert media["mime"] == "image/jpeg" and media["width"] == 40
    auth.login()  # no published content shows the image yet: only signed-in editors see it
    served = client.get(media["url"].replace("http://localhost", ""))
    assert served.status_code == 200 and b"Exif" not in served.data
    assert api("PATCH", f"media/{media['id']}", {"alt": "Teal"}).json["alt"] == "Teal"
    assert api("DELETE", f"media/{media['id']}").status_code == 204


def test_media_upload_refuses_bad_files(api):
    junk = {"file": (io.BytesIO(b"not an image"), "x.png"), "alt": "x"}
    response = api("POST", "media", data=junk, content_type="multipart/form-data")
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "file"
    assert api("POST", "media", {"file": "x"}).status_code == 415
    no_file = api("POST", "media", data={"alt": "x"}, content_type="multipart/form-data")
    assert no_file.status_code == 422


def test_too_many_requests_get_429(app, client, make_token):
    app.config["API_RATE_LIMIT"] = 3
    busy = Api(client, make_token("content:read"))
    codes = [busy("GET", "posts").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    app.config["API_AUTH_FAILURE_LIMIT"] = 2
    bad = [Api(client, "pcms_guess")("GET", "posts") for _ in range(4)]
    assert [r.status_code for r in bad] == [401, 401, 429, 429]
    assert int(bad[-1].headers["Retry-After"]) > 0


def test_api_answers_are_never_cached_or_cookied(api):
    response = api("GET", "posts")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in response.headers
    assert json.loads(response.data)["next"] is None


def test_api_saves_log_the_same_actions_as_the_editor(api):
    def last_action():
        return Activity.recent().first().action

    post = api("POST", "posts", {"title": "Now", "body": "b", "status": "published"}).json
    assert last_action() == "post.publish"
    api("PATCH", f"posts/{post['id']}", {"body": "typo fixed"})
    assert last_action() == "post.update"
    api("PATCH", f"posts/{post['id']}", {"status": "draft"})
    assert last_action() == "post.unpublish"
    when = (clock.utcnow() + timedelta(days=2)).isoformat() + "Z"
    api("PUT", f"posts/{post['id']}",
        {"title": "Now", "body": "b", "status": "published", "published_at": when})  # fmt: skip
    assert last_action() == "post.schedule"
    api("POST", "pages", {"title": "A draft page"})
    assert last_action() == "page.create"


def test_slug_taken_by_a_concurrent_save_is_409_not_500(api, monkeypatch):
    validate = services.validate_entry

    def validate_then_lose_the_race(model, data, entry):
        clean = validate(model, data, entry)
        Post.create(title="Rival", slug="same")  # another worker commits first
        return clean

    monkeypatch.setattr(services, "validate_entry", validate_then_lose_the_race)
    response = api("POST", "posts", {"title": "Mine", "slug": "same"})
    assert response.status_code == 409 and response.json["errors"][0]["field"] == "slug"
    assert [p.title for p in Post.select().where(Post.slug == "same")] == ["Rival"]
