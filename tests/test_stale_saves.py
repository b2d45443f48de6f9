"""No edit silently overwrites another: every door refuses a save from a stale version.

Two people (or two tabs) open the same thing; the first save is kept, and the second,
from the version loaded before it, is refused with both versions shown and the second
writer's text intact, until they choose. The Admin API does the same with ETags.
"""

import io
import json
import re
import threading
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser

import pytest
from PIL import Image
from werkzeug.datastructures import MultiDict

from cms.accounts.actors import SYSTEM
from cms.accounts.tokens import create_token
from cms.accounts.users import create_user
from cms.content import service as services
from cms.content.models import Category, Page, Post
from cms.content.versions import entry_version
from cms.core import clock
from cms.core.db import db
from cms.core.validation import StaleError, version_token
from cms.media.service import process_upload
from cms.site.models import NavItem, Notice, Setting
from cms.site.settings import stored_settings, update_settings

PASSWORD = "correct horse battery"
ALL_SCOPES = "content:read,content:write,notices:write,settings:write,media:write"


class FormFields(HTMLParser):
    """What a browser sends with the form of a page that has this id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.found = form_id, False, False
        self.fields, self._textarea, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.found and a.get("id") == self.form_id:
            self.inside = self.found = True
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append([a["name"], a.get("value", "on")])
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
            self.fields.append(self._textarea)
        elif tag == "select":
            self._select = [a["name"], None]
            self.fields.append(self._select)
        elif tag == "option" and self._select and (self._select[1] is None or "selected" in a):
            self._select[1] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:  # a browser drops the newline that opens the text
            first = not self._textarea[1]
            self._textarea[1] += data.removeprefix("\r").removeprefix("\n") if first else data


def form_of(html: str, form_id: str, **changes) -> MultiDict:
    """The form as a browser would send it, with some fields changed."""
    parser = FormFields(form_id)
    parser.feed(html)
    assert parser.found, "no such form"
    data = MultiDict([(name, value) for name, value in parser.fields if value is not None])
    for name, value in changes.items():
        data.setlist(name.replace("__", "-"), value if isinstance(value, list) else [value])
    return data


def hidden(html: str, name: str) -> str:
    return unescape(re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1))


@pytest.fixture
def two(app, users):
    """Two signed-in browsers: Ada (admin) and Eddie (editor), and a second admin, Bea."""
    with app.app_context():
        create_user("bea@example.org", PASSWORD, "admin", "Bea Admin", actor=SYSTEM)
    clients = {}
    for who in ("admin", "editor", "bea"):
        client = app.test_client()
        email = "bea@example.org" if who == "bea" else f"{who}@example.org"
        assert (
            client.post("/admin/login", data={"email": email, "password": PASSWORD}).status_code
            == 302
        )
        clients[who] = client
    return clients


def first_post(app) -> Post:
    with app.app_context():
        return Post.select().order_by(Post.id).first()


# --- The editor: posts and pages -----------------------------------------------------


@pytest.mark.parametrize("kind, model", [("posts", Post), ("pages", Page)])
def test_second_save_from_a_stale_editor_is_refused_with_both_texts(app, two, kind, model):
    with app.app_context():
        entry_id = model.select().order_by(model.id).first().id
    url = f"/admin/{kind}/{entry_id}/edit"
    ada, eddie = two["admin"].get(url).text, two["editor"].get(url).text
    first = two["admin"].post(url, data=form_of(ada, "entry-form", body="Ada's new text.\n"))
    assert first.status_code == 302
    eddies = "Eddie's own paragraph, typed while Ada saved."
    second = two["editor"].post(url, data=form_of(eddie, "entry-form", body=eddies))
    assert second.status_code == 409
    html = second.text
    assert "Ada Admin saved this" in html
    assert "Ada&#39;s new text." in html  # theirs, in the comparison
    kept = form_of(html, "entry-form")
    assert kept["body"] == eddies  # Eddie's text is still in the form, nothing lost
    assert "Keep mine (replace theirs)" in html and "Start from theirs" in html
    with app.app_context():
        assert model.get_by_id(entry_id).body == "Ada's new text.\n"
    # Saving the same stale form again is refused again: only "Keep mine" replaces theirs.
    assert two["editor"].post(url, data=kept).status_code == 409
    assert two["editor"].post(url, data=keep_mine(html, "entry-form")).status_code == 302
    with app.app_context():
        assert model.get_by_id(entry_id).body == eddies


def keep_mine(html: str, form_id: str, action: str = "save") -> MultiDict:
    """What "Keep mine (replace theirs)" on a conflict screen sends."""
    version = re.search(r'name="theirs_version" value="([^"]+)"', html).group(1)
    return form_of(html, form_id, overwrite=action, theirs_version=version)


def test_keep_mine_is_itself_checked_against_a_third_save(app, two):
    post = first_post(app)
    url = f"/admin/posts/{post.id}/edit"
    stale = two["editor"].get(url).text
    two["admin"].post(url, data=form_of(two["admin"].get(url).text, "entry-form", body="One."))
    conflict = two["editor"].post(url, data=form_of(stale, "entry-form", body="Mine.")).text
    two["admin"].post(url, data=form_of(two["admin"].get(url).text, "entry-form", body="Two."))
    again = two["editor"].post(url, data=keep_mine(conflict, "entry-form"))
    assert again.status_code == 409 and "Two." in again.text
    with app.app_context():
        assert Post.get_by_id(post.id).body == "Two."


def test_publishing_from_a_stale_form_is_refused_and_keep_mine_publishes(app, two):
    with app.app_context():
        draft = services.save_post({"title": "Draft", "body": "v1"}, actor=SYSTEM)
    url = f"/admin/posts/{draft.id}/edit"
    stale = two["editor"].get(url).text
    two["admin"].post(url, data=form_of(two["admin"].get(url).text, "entry-form", body="v2"))
    refused = two["editor"].post(
        url, data=form_of(stale, "entry-form", body="v3", action="publish")
    )
    assert refused.status_code == 409 and 'name="overwrite" value="publish"' in refused.text
    with app.app_context():
        assert Post.get_by_id(draft.id).status == "draft"
    choice = keep_mine(refused.text, "entry-form", "publish")
    assert two["editor"].post(url, data=choice).status_code == 302
    with app.app_context():
        assert (Post.get_by_id(draft.id).body, Post.get_by_id(draft.id).status) == (
            "v3",
            "published",
        )


def test_an_unchanged_entry_saves_from_its_form(app, two):
    post = first_post(app)
    url = f"/admin/posts/{post.id}/edit"
    html = two["admin"].get(url).text
    assert two["admin"].post(url, data=form_of(html, "entry-form", body="Fine.")).status_code == 302
    again = two["admin"].get(url).text
    assert hidden(again, "version") != hidden(html, "version")  # a new version after a save


# --- "Also being edited by" -------------------------------------------------------------


def test_another_account_on_the_same_entry_is_named_and_expires(app, two):
    post = first_post(app)
    url = f"/admin/posts/{post.id}/edit"
    assert "Also being edited" not in two["admin"].get(url).text  # alone
    seen = two["editor"].get(url).text
    assert "Also being edited by Ada Admin since" in seen
    assert "Also being edited by Eddie since" in two["admin"].get(url).text
    beat = two["admin"].post("/admin/presence", data={"kind": "post", "id": str(post.id)})
    assert beat.get_json()["text"].startswith("Also being edited by Eddie since")
    clock.advance(timedelta(minutes=3))  # Eddie's screen sent no heartbeat since
    beat = two["admin"].post("/admin/presence", data={"kind": "post", "id": str(post.id)})
    assert beat.get_json()["text"] == ""
    assert "Also being edited" not in two["admin"].get(url).text


def test_presence_heartbeat_is_bounded(app, two):
    assert two["admin"].post("/admin/presence", data={"kind": "user", "id": "1"}).status_code == 400
    assert (
        two["admin"].post("/admin/presence", data={"kind": "post", "id": "9" * 30}).status_code
        == 400
    )
    assert (
        two["editor"].post("/admin/presence", data={"kind": "settings", "id": "0"}).status_code
        == 403
    )
    assert (
        app.test_client().post("/admin/presence", data={"kind": "post", "id": "1"}).status_code
        == 302
    )


# --- Categories, notices, menu, settings, switches in the editor -------------------------


def test_stale_category_rename_is_refused(app, two):
    with app.app_context():
        category = Category.select().order_by(Category.id).first()
    url = f"/admin/categories/{category.id}"
    stale = two["editor"].get(url).text
    assert two["admin"].post(url, data=form_of(two["admin"].get(url).text, "category-form",
                                               name="Ada's name")).status_code == 302  # fmt: skip
    refused = two["editor"].post(url, data=form_of(stale, "category-form", name="Eddie's name",
                                                    description="Eddie's words"))  # fmt: skip
    assert refused.status_code == 409
    assert "Ada&#39;s name" in refused.text and "Eddie&#39;s words" in refused.text
    assert form_of(refused.text, "category-form")["name"] == "Eddie's name"
    with app.app_context():
        assert Category.get_by_id(category.id).name == "Ada's name"


def test_stale_notice_edit_is_refused_but_a_switch_meanwhile_is_no_conflict(app, two):
    with app.app_context():
        notice = Notice.get(Notice.key == "online-therapy")
    url = f"/admin/notices/{notice.id}"
    stale, bea = two["editor"].get(url).text, two["bea"].get(url).text
    first = two["bea"].post(url, data=form_of(bea, "notice-form", body="Bea's notice."))
    assert first.status_code == 302
    refused = two["editor"].post(url, data=form_of(stale, "notice-form", body="Eddie's notice."))
    assert refused.status_code == 409
    assert "Bea&#39;s notice." in refused.text
    assert form_of(refused.text, "notice-form")["body"] == "Eddie's notice."
    with app.app_context():
        assert Notice.get_by_id(notice.id).body == "Bea's notice."
    # A switch flipped on the notices screen meanwhile leaves the text alone: no conflict.
    fresh = two["editor"].get(url).text
    two["admin"].post("/admin/notices/switches", data=form_of(
        two["admin"].get("/admin/notices").text, "switches-form", shown=[]))  # fmt: skip
    assert (
        two["editor"].post(url, data=form_of(fresh, "notice-form", body="Now.")).status_code == 302
    )


def menu_form(html: str, label: str) -> MultiDict:
    return form_of(html, "menu-form", items__0__label=label)


def test_stale_menu_is_refused_with_both_menus(app, two):
    stale = two["bea"].get("/admin/menu").text
    assert (
        two["admin"]
        .post("/admin/menu", data=menu_form(two["admin"].get("/admin/menu").text, "Ada's home"))
        .status_code
        == 302
    )
    refused = two["bea"].post("/admin/menu", data=menu_form(stale, "Bea's home"))
    assert refused.status_code == 409
    assert "Ada&#39;s home" in refused.text and "Bea&#39;s home" in refused.text
    with app.app_context():
        assert NavItem.menu().first().label == "Ada's home"
    assert (
        two["bea"].post("/admin/menu", data=keep_mine(refused.text, "menu-form")).status_code == 302
    )
    with app.app_context():
        assert NavItem.menu().first().label == "Bea's home"


def test_settings_save_only_what_changed_and_refuse_a_setting_changed_twice(app, two):
    ada, bea = two["admin"].get("/admin/settings").text, two["bea"].get("/admin/settings").text
    assert (
        two["admin"]
        .post("/admin/settings", data=form_of(ada, "settings-form", tagline="Ada's tagline"))
        .status_code
        == 302
    )
    # Bea changed another setting: saved, and Ada's tagline is not put back.
    assert (
        two["bea"]
        .post("/admin/settings", data=form_of(bea, "settings-form", city="Guelph"))
        .status_code
        == 302
    )
    with app.app_context():
        values = stored_settings()
    assert (values["tagline"], values["city"]) == ("Ada's tagline", "Guelph")
    # Bea, from the same old page, changes the tagline too: refused, both values shown.
    refused = two["bea"].post(
        "/admin/settings", data=form_of(bea, "settings-form", tagline="Bea's tagline")
    )
    assert refused.status_code == 409
    assert "It is now “Ada&#39;s tagline”" in refused.text
    kept = form_of(refused.text, "settings-form")
    assert kept["tagline"] == "Bea's tagline"
    with app.app_context():
        assert stored_settings()["tagline"] == "Ada's tagline"
    # Saving the page as it came back is Bea's choice: hers replaces Ada's, the city stays.
    assert two["bea"].post("/admin/settings", data=kept).status_code == 302
    with app.app_context():
        assert (stored_settings()["tagline"], stored_settings()["city"]) == (
            "Bea's tagline",
            "Guelph",
        )


def switches(html: str, **changes) -> MultiDict:
    return form_of(html, "switches-form", **changes)


def test_switches_save_only_what_changed_and_refuse_a_switch_changed_twice(app, two):
    with app.app_context():
        banner = Notice.get(Notice.key == "online-therapy")
    ada, bea = two["admin"].get("/admin/notices").text, two["bea"].get("/admin/notices").text
    was_on = str(banner.id) in switches(ada).getlist("shown")
    assert (
        two["admin"]
        .post("/admin/notices/switches", data=switches(ada, availability="waitlist"))
        .status_code
        == 302
    )
    # Bea only flips the banner: her save keeps Ada's availability.
    shown = [v for v in switches(bea).getlist("shown") if v != str(banner.id)]
    flip = shown if was_on else [*shown, str(banner.id)]
    assert (
        two["bea"].post("/admin/notices/switches", data=switches(bea, shown=flip)).status_code
        == 302
    )
    with app.app_context():
        assert stored_settings()["availability"] == "waitlist"
        assert Notice.get_by_id(banner.id).enabled is (not was_on)
    # Bea, from the same old page, also chooses an availability: refused, Ada's stays.
    refused = two["bea"].post(
        "/admin/notices/switches", data=switches(bea, shown=flip, availability="accepting")
    )
    assert refused.status_code == 409
    assert "someone else changed availability (now “Waitlist”)" in refused.text
    assert switches(refused.text)["availability"] == "accepting"  # her choice is still there
    with app.app_context():
        assert stored_settings()["availability"] == "waitlist"
    assert (
        two["bea"].post("/admin/notices/switches", data=switches(refused.text)).status_code == 302
    )
    with app.app_context():
        assert stored_settings()["availability"] == "accepting"


# --- The Admin API -----------------------------------------------------------------------


@pytest.fixture
def api(app, users):
    """A client with an administrator's token."""
    with app.app_context():
        token = create_token("script", ALL_SCOPES, users["admin"], actor=SYSTEM)[1]
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_api_etags_and_a_stale_if_match_gets_412(app, api):
    post = first_post(app)
    url = f"/api/v1/admin/posts/{post.id}"
    loaded = api.get(url)
    etag = loaded.headers["ETag"]
    assert etag.startswith('"') and loaded.headers["Last-Modified"]
    assert api.get("/api/v1/admin/posts").headers["ETag"]  # lists too
    first = api.patch(url, json={"body": "First."}, headers={"If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] != etag
    assert api.get(url).headers["ETag"] == first.headers["ETag"]
    second = api.put(url, json={"title": "T", "body": "Second.", "status": "draft"},
                     headers={"If-Match": etag})  # fmt: skip
    assert second.status_code == 412
    assert second.mimetype == "application/problem+json"
    assert second.headers["ETag"] == first.headers["ETag"] == second.get_json()["current_etag"]
    assert api.delete(url, headers={"If-Match": etag}).status_code == 412
    assert api.post(f"{url}/unpublish", headers={"If-Match": etag}).status_code == 412
    with app.app_context():
        stored = Post.get_by_id(post.id)
        assert (stored.body, stored.deleted_at, stored.status) == ("First.", None, "published")
    assert api.patch(url, json={"body": "x"}, headers={"If-Match": f"W/{etag}"}).status_code == 412
    assert api.patch(url, json={"body": "Any."}, headers={"If-Match": "*"}).status_code == 200
    assert api.patch(url, json={"body": "Script."}).status_code == 200  # no header: allowed


def test_api_stale_if_unmodified_since_gets_412(app, api):
    post = first_post(app)
    url = f"/api/v1/admin/posts/{post.id}"
    modified = api.get(url).headers["Last-Modified"]
    clock.advance(timedelta(seconds=5))
    assert api.patch(url, json={"body": "First."}).status_code == 200
    stale = api.put(url, json={"title": "T", "body": "Second.", "status": "draft"},
                    headers={"If-Unmodified-Since": modified})  # fmt: skip
    assert stale.status_code == 412
    with app.app_context():
        assert Post.get_by_id(post.id).body == "First."
    fresh = api.get(url).headers["Last-Modified"]
    ok = api.patch(url, json={"body": "Third."}, headers={"If-Unmodified-Since": fresh})
    assert ok.status_code == 200


def test_api_patch_changes_only_the_fields_sent(app, api):
    post = first_post(app)
    url = f"/api/v1/admin/posts/{post.id}"
    etag = api.get(url).headers["ETag"]
    assert (
        api.patch(url, json={"title": "New title"}, headers={"If-Match": etag}).status_code == 200
    )
    with app.app_context():
        stored = Post.get_by_id(post.id)
        assert (stored.title, stored.body, stored.slug) == ("New title", post.body, post.slug)


def test_a_save_of_other_fields_from_an_older_copy_keeps_what_was_saved_meanwhile(ctx):
    """The window between a door reading an entry and its write: without a version asked
    for, the fields it was not given keep what another save stored in between."""
    post = Post.select().order_by(Post.id).first()
    read_early = Post.get_by_id(post.id)
    services.save_post({"body": "Saved in between."}, Post.get_by_id(post.id), actor=SYSTEM)
    services.save_post({"title": "Retitled"}, read_early, actor=SYSTEM)  # a PATCH of the title only
    stored = Post.get_by_id(post.id)
    assert (stored.title, stored.body) == ("Retitled", "Saved in between.")


def test_api_categories_notices_settings_and_media_refuse_stale_if_match(app, api):
    with app.app_context():
        category = Category.select().first()
        notice = Notice.get(Notice.key == "online-therapy")
        png = io.BytesIO()
        Image.new("RGB", (40, 30), (10, 90, 140)).save(png, "PNG")
        media = process_upload(png.getvalue(), "sea.png", "Sea", actor=SYSTEM)
    cases = [
        (f"/api/v1/admin/categories/{category.id}", {"name": "First"}, {"name": "Second"}),
        (f"/api/v1/admin/notices/{notice.id}", {"body": "First"}, {"body": "Second"}),
        ("/api/v1/admin/settings", {"tagline": "First"}, {"tagline": "Second"}),
        ("/api/v1/admin/settings", {"availability": "waitlist"}, {"availability": "accepting"}),
        (f"/api/v1/admin/media/{media.id}", {"alt": "First"}, {"alt": "Second"}),
    ]
    for url, first, second in cases:
        etag = api.get(url).headers["ETag"]
        done = api.patch(url, json=first, headers={"If-Match": etag})
        assert done.status_code == 200, url
        refused = api.patch(url, json=second, headers={"If-Match": etag})
        assert refused.status_code == 412, url
        assert refused.headers["ETag"] == done.headers["ETag"] == api.get(url).headers["ETag"]
        field, value = next(iter(first.items()))
        assert api.get(url).get_json()[field] == value, url  # the first change is kept
    assert (
        api.delete(
            f"/api/v1/admin/categories/{category.id}", headers={"If-Match": '"0"'}
        ).status_code
        == 412
    )
    assert (
        api.delete(f"/api/v1/admin/media/{media.id}", headers={"If-Match": '"0"'}).status_code
        == 412
    )
    with app.app_context():
        assert Category.get_or_none(Category.id == category.id) is not None


def test_api_notice_switch_changes_the_etag(app, api):
    with app.app_context():
        notice = Notice.get(Notice.key == "online-therapy")
    url = f"/api/v1/admin/notices/{notice.id}"
    before = api.get(url)
    flipped = api.patch(url, json={"enabled": not before.get_json()["enabled"]})
    assert flipped.status_code == 200 and flipped.headers["ETag"] != before.headers["ETag"]
    stale = api.patch(
        url, json={"body": "From before."}, headers={"If-Match": before.headers["ETag"]}
    )
    assert stale.status_code == 412


def test_if_unmodified_since_compares_dates_not_text(app, api):
    url = f"/api/v1/admin/posts/{first_post(app).id}"
    modified = parsedate_to_datetime(api.get(url).headers["Last-Modified"])
    for offset, status in ((timedelta(days=1), 200), (timedelta(seconds=-1), 412)):
        since = format_datetime(modified + offset, usegmt=True)
        response = api.patch(url, json={"body": "x"}, headers={"If-Unmodified-Since": since})
        assert response.status_code == status
        modified = parsedate_to_datetime(api.get(url).headers["Last-Modified"])


# --- Races: two saves from the same loaded version, at the same time ----------------------


def _race(app, monkeypatch, save_one) -> list:
    """Run save_one(n) in two threads that both get past validation before either writes."""
    barrier = threading.Barrier(2, timeout=10)
    real = services.render_markdown

    def slow_render(text):
        barrier.wait()  # both saves have validated: now both go for the write lock
        return real(text)

    monkeypatch.setattr(services, "render_markdown", slow_render)
    outcomes = [None, None]

    def run(n):
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                outcomes[n] = save_one(n)
            except StaleError as exc:
                outcomes[n] = exc
            finally:
                db.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return outcomes


@pytest.mark.parametrize("round_", range(3))
def test_two_racing_saves_from_one_version_exactly_one_wins(app, monkeypatch, round_):
    with app.app_context():
        post = Post.select().order_by(Post.id).first()
        version = entry_version(post)
    outcomes = _race(app, monkeypatch, lambda n: services.save_post(
        {"body": f"Writer {n}"}, Post.get_by_id(post.id), expected_version=version,
        actor=SYSTEM))  # fmt: skip
    stale = [o for o in outcomes if isinstance(o, StaleError)]
    won = [o for o in outcomes if isinstance(o, Post)]
    assert len(stale) == 1 and len(won) == 1
    with app.app_context():
        assert Post.get_by_id(post.id).body == won[0].body
        assert stale[0].current.body == won[0].body  # the loser is told what won


def test_two_racing_settings_changes_of_one_setting_exactly_one_wins(app, users):
    with app.app_context():
        loaded = {key: version_token(value) for key, value in stored_settings().items()}
    admin, barrier, outcomes = users["admin"], threading.Barrier(2, timeout=10), [None, None]

    def run(n):
        with app.app_context():
            db.connect(reuse_if_open=True)
            barrier.wait()
            try:
                outcomes[n] = update_settings({"tagline": f"T{n}"}, actor=admin, loaded=loaded)
            except StaleError as exc:
                outcomes[n] = exc
            finally:
                db.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(isinstance(o, StaleError) for o in outcomes) == 1
    winner = next(o for o in outcomes if isinstance(o, dict))
    with app.app_context():
        assert json.loads(Setting.get_by_id("tagline").value) == winner["tagline"]


@pytest.mark.parametrize(
    "loaded",
    ["not json", "[1, 2]", '{"availability": 1, "enabled": [1, 2]}', '{"enabled": {"1": "x"}}'],
)
def test_a_garbled_loaded_state_is_never_a_server_error(app, two, loaded):
    """The loaded state comes back from the browser: whatever it says, a clear answer."""
    html = two["admin"].get("/admin/notices").text
    answer = two["bea"].post(
        "/admin/notices/switches", data=switches(html, availability="waitlist", loaded=loaded)
    )
    assert answer.status_code in (302, 409)
    settings = form_of(two["admin"].get("/admin/settings").text, "settings-form", loaded=loaded)
    assert two["bea"].post("/admin/settings", data=settings).status_code in (302, 409)
