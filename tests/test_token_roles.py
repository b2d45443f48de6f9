"""Roles hold for tokens: every Admin API route, for an administrator's token, an editor's
token and a token made without an account, answers as the editor's screens answer the
same account (a token without an account acts as an administrator, within its scopes)."""

import io
import shutil
from datetime import timedelta

import pytest
from PIL import Image

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.accounts.tokens import ROLE_SCOPES, create_token
from cms.accounts.users import create_user
from cms.content.categories import save_category, trash_category
from cms.content.records import Revision
from cms.content.service import save_page, save_post, trash
from cms.core import clock
from cms.core.db import db
from cms.media.service import process_upload
from cms.site.models import Notice, Setting

PASSWORD = "correct horse battery"
ADMIN, EDITOR = {"admin"}, {"admin", "editor"}
KINDS = {"admin token": "admin", "editor token": "editor", "unbound token": "admin"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 80, 90)).save(out, "PNG")
    return out.getvalue()


def _config(path) -> dict:
    return {
        "TESTING": True, "INSTANCE_PATH": str(path), "SECRET_KEY": "t", "DEMO_CONTENT": False,
        "WTF_CSRF_ENABLED": False, "SITE_URL": "http://localhost",
    }  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """One seeded database, copied for every cell so that each starts from the same state."""
    path = tmp_path_factory.mktemp("template")
    app = create_app(_config(path))
    with app.app_context():
        db.connect(reuse_if_open=True)
        create_user("admin@example.org", PASSWORD, "admin", "Ada", actor=SYSTEM)
        create_user("editor@example.org", PASSWORD, "editor", "Eddie", actor=SYSTEM)
        post = save_post({"title": "Published", "body": "One", "status": "published"}, actor=SYSTEM)
        save_post({"body": "Two"}, post, actor=SYSTEM)
        draft = save_post({"title": "Draft", "body": "Not yet"}, actor=SYSTEM)
        gone = save_post({"title": "Trashed", "status": "published"}, actor=SYSTEM)
        trash(gone, actor=SYSTEM)
        page = save_page({"title": "About", "body": "Hello", "status": "published"}, actor=SYSTEM)
        category = save_category({"name": "FAQ"}, actor=SYSTEM)
        trashed = trash_category(save_category({"name": "Old"}, actor=SYSTEM), actor=SYSTEM)
        image = process_upload(_png(), "dot.png", "A dot", actor=SYSTEM)
        notices = {n.key: n.id for n in Notice.select()}
        revisions = [r.id for r in Revision.history("post", post.id)]
        ids = {
            "post": post.id, "draft": draft.id, "gone": gone.id, "page": page.id,
            "rev": revisions[-1], "rev2": revisions[0], "cat": category.id,
            "old_cat": trashed.category_id, "trash": trashed.id, "media": image.id,
            "banner": notices["online-therapy"], "disclaimer": notices["disclaimer"],
            "crisis": notices["contact-crisis"],
        }  # fmt: skip
    db.close()
    return path / "cms.sqlite3", ids


def _site(template, path):
    db_file, _ = template
    path.mkdir()
    shutil.copy(db_file, path / "cms.sqlite3")
    return create_app(_config(path))


def _token(app, kind: str, scope: str | None) -> str:
    with app.app_context():
        db.connect(reuse_if_open=True)
        user = None
        if kind != "unbound token":
            user = User.get(User.email == f"{KINDS[kind]}@example.org")
        return create_token(kind, [scope] if scope else "content:read", user=user, actor=SYSTEM)[1]


def _visible_state(app) -> tuple:
    """What a refused request must leave alone: notices, settings, availability."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        notices = sorted(Notice.select(Notice.key, Notice.body, Notice.enabled, Notice.ends_at)
                         .tuples())  # fmt: skip
        return notices, sorted(Setting.select().tuples())


SOON = (clock.utcnow() + timedelta(days=2)).replace(microsecond=0)
SETTINGS_FORM = {
    "site_title": "Renamed", "accent_color": "#2f5d62", "timezone": "America/Toronto",
    "posts_per_page": "10",
}  # fmt: skip
UPLOAD = "upload"

# name: (API method, path, body, answer when allowed), (screen method, path, form, answer),
# the roles that may. Paths take the seeded ids.
TABLE = {
    "list posts": (("GET", "posts", None, 200), ("GET", "posts/", None, 200), EDITOR),
    "list pages": (("GET", "pages", None, 200), ("GET", "pages/", None, 200), EDITOR),
    "create post": (
        ("POST", "posts", {"title": "New"}, 201),
        ("POST", "posts/new", {"title": "New", "body": "x", "status": "draft"}, 302),
        EDITOR,
    ),
    "create page": (
        ("POST", "pages", {"title": "New page"}, 201),
        ("POST", "pages/new", {"title": "New page", "body": "x", "status": "draft"}, 302),
        EDITOR,
    ),
    "read post": (
        ("GET", "posts/{post}", None, 200),
        ("GET", "posts/{post}/edit", None, 200),
        EDITOR,
    ),  # fmt: skip
    "replace post": (
        ("PUT", "posts/{post}", {"title": "T", "body": "b", "status": "published"}, 200),
        ("POST", "posts/{post}/edit", {"title": "T", "body": "b", "status": "published"}, 302),
        EDITOR,
    ),
    "change page": (
        ("PATCH", "pages/{page}", {"title": "About us"}, 200),
        (
            "POST",
            "pages/{page}/edit",
            {"title": "About us", "body": "Hi", "status": "published"},
            302,
        ),
        EDITOR,
    ),  # fmt: skip
    "trash post": (
        ("DELETE", "posts/{post}", None, 204),
        ("POST", "posts/{post}/delete", {}, 302),
        EDITOR,
    ),  # fmt: skip
    "publish post": (
        ("POST", "posts/{draft}/publish", None, 200),
        ("POST", "posts/{draft}/edit", {"title": "Draft", "body": "x", "action": "publish"}, 302),
        EDITOR,
    ),
    "unpublish post": (
        ("POST", "posts/{post}/unpublish", None, 200),
        ("POST", "posts/{post}/edit", {"title": "P", "body": "x", "action": "unpublish"}, 302),
        EDITOR,
    ),
    "restore post": (
        ("POST", "posts/{gone}/restore", None, 200),
        ("POST", "posts/{gone}/restore", {}, 302),
        EDITOR,
    ),  # fmt: skip
    "list revisions": (
        ("GET", "posts/{post}/revisions", None, 200),
        ("GET", "posts/{post}/revisions", None, 200),
        EDITOR,
    ),  # fmt: skip
    "read revision": (
        ("GET", "posts/{post}/revisions/{rev}", None, 200),
        ("GET", "posts/{post}/revisions/diff?a={rev}&b={rev2}", None, 200),
        EDITOR,
    ),  # fmt: skip
    "restore revision": (
        ("POST", "posts/{post}/revisions/{rev}/restore", None, 200),
        ("POST", "posts/{post}/revisions/{rev}/restore", {}, 302),
        EDITOR,
    ),  # fmt: skip
    "list categories": (
        ("GET", "categories", None, 200),
        ("GET", "categories", None, 200),
        EDITOR,
    ),  # fmt: skip
    "create category": (
        ("POST", "categories", {"name": "Grief"}, 201),
        ("POST", "categories", {"name": "Grief"}, 302),
        EDITOR,
    ),  # fmt: skip
    "read category": (
        ("GET", "categories/{cat}", None, 200),
        ("GET", "categories/{cat}", None, 200),
        EDITOR,
    ),  # fmt: skip
    "replace category": (
        ("PUT", "categories/{cat}", {"name": "Questions"}, 200),
        ("POST", "categories/{cat}", {"name": "Questions"}, 302),
        EDITOR,
    ),  # fmt: skip
    "change category": (
        ("PATCH", "categories/{cat}", {"description": "Asked often"}, 200),
        ("POST", "categories/{cat}", {"name": "FAQ", "description": "Asked"}, 302),
        EDITOR,
    ),  # fmt: skip
    "trash category": (
        ("DELETE", "categories/{cat}", None, 204),
        ("POST", "categories/{cat}/delete", {}, 302),
        EDITOR,
    ),  # fmt: skip
    "category trash": (
        ("GET", "categories/trash", None, 200),
        ("GET", "categories", None, 200),
        EDITOR,
    ),  # fmt: skip
    "restore category": (
        ("POST", "categories/{old_cat}/restore", None, 200),
        ("POST", "categories/trash/{trash}/restore", {}, 302),
        EDITOR,
    ),  # fmt: skip
    "list media": (("GET", "media", None, 200), ("GET", "media", None, 200), EDITOR),
    "upload image": (("POST", "media", UPLOAD, 201), ("POST", "media", UPLOAD, 302), EDITOR),
    "read image": (
        ("GET", "media/{media}", None, 200),
        ("GET", "media/{media}", None, 200),
        EDITOR,
    ),  # fmt: skip
    "describe image": (
        ("PATCH", "media/{media}", {"alt": "A small dot"}, 200),
        ("POST", "media/{media}", {"alt": "A small dot"}, 302),
        EDITOR,
    ),  # fmt: skip
    "delete image": (
        ("DELETE", "media/{media}", None, 204),
        ("POST", "media/{media}/delete", {}, 302),
        EDITOR,
    ),  # fmt: skip
    "list notices": (("GET", "notices", None, 200), ("GET", "notices", None, 200), EDITOR),
    "read crisis notice": (
        ("GET", "notices/{crisis}", None, 200),
        ("GET", "notices", None, 200),
        EDITOR,
    ),  # fmt: skip
    "banner text": (
        ("PATCH", "notices/{banner}", {"body": "Video sessions too."}, 200),
        (
            "POST",
            "notices/{banner}",
            {"body": "Video sessions too.", "link_label": "Learn more", "link_page": "0"},
            302,
        ),
        EDITOR,
    ),  # fmt: skip
    "switch the disclaimer off": (
        ("PATCH", "notices/{disclaimer}", {"enabled": False}, 200),
        ("POST", "notices/switches", {"availability": "not_accepting", "shown": ["{banner}"]}, 302),
        ADMIN,
    ),  # fmt: skip
    "switch the banner off": (
        ("PATCH", "notices/{banner}", {"enabled": False}, 200),
        (
            "POST",
            "notices/switches",
            {"availability": "not_accepting", "shown": ["{disclaimer}"]},
            302,
        ),
        ADMIN,
    ),  # fmt: skip
    "hide the disclaimer by its window": (
        ("PATCH", "notices/{disclaimer}", {"starts_at": "2099-01-01T00:00:00Z"}, 200),
        (
            "POST",
            "notices/{disclaimer}",
            {"body": "Not advice.", "link_page": "0", "starts_at": "2099-01-01T00:00"},
            302,
        ),
        ADMIN,
    ),  # fmt: skip
    "end the banner soon": (
        ("PATCH", "notices/{banner}", {"ends_at": SOON.isoformat() + "Z"}, 200),
        (
            "POST",
            "notices/{banner}",
            {"body": "Online.", "link_page": "0", "ends_at": SOON.strftime("%Y-%m-%dT%H:%M")},
            302,
        ),
        ADMIN,
    ),  # fmt: skip
    "crisis notice text": (
        ("PATCH", "notices/{crisis}", {"body": "Call a friend."}, 200),
        ("POST", "notices/{crisis}", {"body": "Call a friend.", "link_page": "0"}, 302),
        ADMIN,
    ),
    "read settings": (("GET", "settings", None, 200), ("GET", "settings", None, 200), ADMIN),
    "change settings": (
        ("PATCH", "settings", {"site_title": "Renamed"}, 200),
        ("POST", "settings", SETTINGS_FORM, 302),
        ADMIN,
    ),
    "switch availability": (
        ("PATCH", "settings", {"availability": "accepting"}, 200),
        ("POST", "notices/switches", {"availability": "accepting"}, 302),
        ADMIN,
    ),
}


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list | tuple):
        return type(value)(_fill(v, ids) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _scope_for(app, path: str, method: str, role: str) -> tuple[str, str | None]:
    """(the first scope the route takes that the role may hold, a scope it does not take)."""
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(f"/api/v1/admin/{path.split('?')[0]}", method=method)
    taken = app.view_functions[endpoint].required_scopes
    held = next(s for s in taken if s in ROLE_SCOPES[role])
    other = next((s for s in ROLE_SCOPES[role] if s not in taken), None)
    return held, other


def _api_call(client, token, method, path, body):
    headers = {"Authorization": f"Bearer {token}"}
    if body == UPLOAD:
        data = {"file": (io.BytesIO(_png()), "new.png"), "alt": "A new dot"}
        return client.open(f"/api/v1/admin/{path}", method=method, headers=headers, data=data)
    return client.open(f"/api/v1/admin/{path}", method=method, headers=headers, json=body)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("name", list(TABLE))
def test_each_route_answers_each_token_as_the_screens_answer_its_account(
    template, tmp_path, name, kind
):
    api, screen, _ = TABLE[name]
    role, ids = KINDS[kind], template[1]
    method, path, body, success = _fill(api, ids)

    # The Admin API, with a token holding only a scope the route takes.
    app = _site(template, tmp_path / "api")
    held, other = _scope_for(app, path, method, role if kind != "unbound token" else "admin")
    client = app.test_client()
    if other is not None:  # a scope the route does not take never opens it
        lacking = _api_call(client, _token(app, kind, other), method, path, body)
        assert lacking.status_code == 403, lacking.text
    before = _visible_state(app)
    answer = _api_call(client, _token(app, kind, held), method, path, body)
    if role in TABLE[name][2]:
        assert answer.status_code == success, answer.text
    else:
        assert answer.status_code == 403, answer.text
        assert answer.mimetype == "application/problem+json"
        # Refused by the role (the services), or first by the scope the role cannot hold.
        assert any(why in answer.json["detail"] for why in ("administrator", "settings:write"))
        assert _visible_state(app) == before
    db.close()

    # The editor's screen, signed in as the token's account (an administrator for unbound).
    app = _site(template, tmp_path / "screen")
    client = app.test_client()
    signed_in = client.post("/admin/login", data={"email": f"{role}@example.org",
                                                  "password": PASSWORD})  # fmt: skip
    assert signed_in.status_code == 302
    method, path, form, success = _fill(screen, ids)
    if form == UPLOAD:
        form = {"file": (io.BytesIO(_png()), "new.png"), "alt": "A new dot"}
    before = _visible_state(app)
    shown = client.open(f"/admin/{path}", method=method, data=form)
    if role in TABLE[name][2]:
        assert shown.status_code == success, shown.text[:2000]
        assert "Nothing was saved" not in shown.text
    else:
        assert shown.status_code == 403
        assert _visible_state(app) == before
    db.close()


def test_the_switches_an_editor_token_was_refused_stay_as_they_were(template, tmp_path):
    """The issue's own case: an editor's notices:write token and the disclaimer."""
    app = _site(template, tmp_path / "site")
    token = _token(app, "editor token", "notices:write")
    ids = template[1]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    off = client.patch(f"/api/v1/admin/notices/{ids['disclaimer']}", headers=headers,
                       json={"enabled": False, "body": "Edited in the same request."})  # fmt: skip
    assert off.status_code == 403
    state = client.patch(
        "/api/v1/admin/settings", headers=headers, json={"availability": "waitlist"}
    )
    assert state.status_code == 403
    with app.app_context():
        db.connect(reuse_if_open=True)
        disclaimer = Notice.get_by_id(ids["disclaimer"])
        assert disclaimer.enabled and "Edited" not in disclaimer.body  # all or nothing
        assert Setting.get_or_none(Setting.key == "availability") is None
    db.close()


def test_editors_cannot_open_the_crisis_notice_but_read_it_like_every_notice(template, tmp_path):
    app = _site(template, tmp_path / "site")
    client, crisis = app.test_client(), template[1]["crisis"]
    client.post("/admin/login", data={"email": "editor@example.org", "password": PASSWORD})
    assert client.get(f"/admin/notices/{crisis}").status_code == 403
    assert "Crisis notice on the contact page" in client.get("/admin/notices").text
    token = _token(app, "editor token", "content:read")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/admin/notices/{crisis}", headers=headers).status_code == 200
    db.close()


def test_an_editor_saving_notice_text_keeps_the_window_an_administrator_set(template, tmp_path):
    app = _site(template, tmp_path / "site")
    banner, client = template[1]["banner"], app.test_client()
    admin = {"Authorization": f"Bearer {_token(app, 'admin token', 'notices:write')}"}
    ends = SOON.replace(second=30).isoformat() + "Z"  # seconds the form does not show
    assert client.patch(f"/api/v1/admin/notices/{banner}", headers=admin,
                        json={"ends_at": ends}).status_code == 200  # fmt: skip
    client.post("/admin/login", data={"email": "editor@example.org", "password": PASSWORD})
    form = client.get(f"/admin/notices/{banner}").text
    assert 'name="ends_at"' not in form  # shown as text: editors do not set the window
    data = {"body": "Edited by the editor.", "link_page": "0"}
    assert client.post(f"/admin/notices/{banner}", data=data).status_code == 302
    with app.app_context():
        db.connect(reuse_if_open=True)
        notice = Notice.get_by_id(banner)
        assert notice.body == "Edited by the editor." and notice.ends_at.second == 30
    db.close()
