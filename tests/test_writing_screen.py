"""The writing screen's server side: the one primary button (publish now, schedule for the
chosen time, update), "Save draft" keeping the time, the Admin API keeping a scheduled time,
autosaves (kept apart from revisions, bounded, offered back, refused when stale, never
published), pasted HTML made Markdown, and images uploaded in place."""

import io
import random
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.accounts.tokens import create_token
from cms.content import autosaves
from cms.content.models import Post
from cms.content.pasted import pasted_markdown
from cms.content.records import Revision
from cms.content.revisions import policy_versions
from cms.content.service import publish, save_post
from cms.core import clock
from cms.core.db import db
from cms.media.models import Media
from tests.test_admin_posts import get_post, post_form

DATA = Path(__file__).resolve().parent / "data" / "paste"


def _sample(name: str) -> str:
    return (DATA / f"{name}.html").read_text(encoding="utf-8")


@pytest.fixture
def signed_in(auth):
    auth.login()
    return auth


def _later(days=3) -> str:
    return (datetime.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def _new(client, app, **fields):
    form = post_form(**{"action": "primary", **fields})
    response = client.post("/admin/posts/new", data=form, follow_redirects=True)
    return response.get_data(as_text=True), get_post(app, title=fields["title"]), form


def test_primary_button_with_a_future_time_schedules_and_says_when(client, signed_in, app):
    page, post, _ = _new(client, app, title="Soon", published_at=_later())
    assert post.status == "published" and post.published_at > clock.utcnow()
    assert re.search(r"Scheduled for \w{3} \d{1,2} \w{3}, \d\d:\d\d\. It is not public", page)
    assert client.get("/blog/soon").status_code == 404
    assert "Schedule for " in page  # the button still says what it will do


def test_primary_button_without_a_time_publishes_now(client, signed_in, app):
    page, post, _ = _new(client, app, title="Now")
    assert post.status == "published" and post.published_at <= clock.utcnow()
    assert "Published on" in page and client.get("/blog/now").status_code == 200
    assert ">Update</button>" in page


def test_save_draft_keeps_the_chosen_time(client, signed_in, app):
    later = _later()
    page, post, _ = _new(client, app, title="Later", published_at=later, action="draft")
    assert post.status == "draft" and post.published_at > clock.utcnow()
    assert "is kept for when you publish" in page and f'value="{later}"' in page
    client.post(f"/admin/posts/{post.id}/edit", data=post_form(title="Later", published_at=later,
                                                              action="primary"))  # fmt: skip
    post = get_post(app, id=post.id)
    assert post.is_scheduled  # the draft's time was used, not replaced by now


def test_update_of_a_live_post_keeps_its_time(client, signed_in, app):
    _, post, _ = _new(client, app, title="Live")
    first = post.published_at
    client.post(
        f"/admin/posts/{post.id}/edit",
        data=post_form(title="Live", body="Changed.", published_at="", action="primary"),
    )
    post = get_post(app, id=post.id)
    assert post.status == "published" and post.published_at == first and post.body == "Changed."


def test_api_publish_keeps_a_drafts_future_time(client, app, users):
    with app.app_context():
        db.connect(reuse_if_open=True)
        admin = User.get(User.email == "admin@example.org")
        token = create_token("script", ["content:write"], user=admin, actor=SYSTEM)[1]
    headers = {"Authorization": f"Bearer {token}"}
    at = (datetime.utcnow() + timedelta(days=2)).replace(microsecond=0)
    made = client.post(
        "/api/v1/admin/posts", headers=headers,
        json={"title": "Via API", "body": "x", "status": "draft",
              "published_at": at.isoformat() + "Z"},
    )  # fmt: skip
    assert made.status_code == 201, made.get_json()
    post_id = made.get_json()["id"]
    done = client.post(f"/api/v1/admin/posts/{post_id}/publish", headers=headers)
    assert done.status_code == 200, done.get_json()
    post = get_post(app, id=post_id)
    assert post.is_scheduled and post.published_at == at
    now = client.post(f"/api/v1/admin/posts/{post_id}/publish", headers=headers,
                      json={"published_at": None})  # fmt: skip
    assert now.status_code == 200 and not get_post(app, id=post_id).is_scheduled


def test_service_publish_without_a_time_schedules_for_the_stored_one(ctx):
    later = (clock.utcnow() + timedelta(days=1)).replace(microsecond=0)
    post = save_post({"title": "Kept", "body": "x", "published_at": later}, actor=SYSTEM)
    assert publish(post, actor=SYSTEM).published_at == later


def _autosave(client, post_id=None, **fields):
    url = f"/admin/posts/{post_id}/autosave" if post_id else "/admin/posts/autosave"
    return client.post(url, data={"title": "T", "body": "typed", **fields})


def test_autosave_is_kept_apart_and_offered_back(client, signed_in, app):
    post = get_post(app, slug="social-media-policy") or get_post(app, id=1)
    version = re.search(
        r'name="version"[^>]*value="([^"]*)"',
        client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True),
    ).group(1)
    answer = _autosave(client, post.id, title=post.title, body="Unsaved words.", version=version)
    assert answer.status_code == 200 and answer.get_json()["text"].startswith("Autosaved at")
    stored = get_post(app, id=post.id)
    assert stored.body == post.body and stored.updated_at == post.updated_at  # not a save
    page = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert "There is an autosaved text newer than the saved one" in page
    revisions = client.get(f"/admin/posts/{post.id}/revisions").get_data(as_text=True)
    assert "Unsaved words." not in revisions and "autosave" not in revisions
    with app.app_context():
        auto = Revision.get(Revision.autosave)
    restored = client.get(f"/admin/posts/{post.id}/edit?autosave={auto.id}").get_data(as_text=True)
    assert "Unsaved words.</textarea>" in restored
    client.post(f"/admin/posts/{post.id}/autosave/discard")
    page = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert "There is an autosaved text" not in page


def test_autosaves_are_bounded_and_never_publish(client, signed_in, app):
    _, post, _ = _new(client, app, title="Draft one", action="draft")
    for n in range(autosaves.KEEP + 4):
        assert _autosave(client, post.id, body=f"version {n}").status_code == 200
    with app.app_context():
        kept = list(Revision.select().where(Revision.autosave & (Revision.object_id == post.id)))
        assert len(kept) == autosaves.KEEP
        assert sorted(r.body for r in kept)[-1] == f"version {autosaves.KEEP + 3}"
    assert get_post(app, id=post.id).status == "draft"
    assert client.get(f"/blog/{post.slug}").status_code == 404


def test_autosave_refused_when_someone_saved_since(client, signed_in, app):
    _, post, _ = _new(client, app, title="Shared", action="draft")
    with app.app_context():
        db.connect(reuse_if_open=True)
        from cms.content.versions import entry_version

        old = entry_version(Post.get_by_id(post.id))
        save_post({"body": "theirs"}, Post.get_by_id(post.id), actor=SYSTEM)
    answer = _autosave(client, post.id, body="mine", version=old)
    assert answer.status_code == 409 and answer.get_json()["stale"] is True
    with app.app_context():
        assert not Revision.select().where(Revision.autosave).exists()


def test_autosave_of_a_new_post_is_offered_on_the_new_post_screen(client, signed_in, app):
    assert _autosave(client, title="Half written", body="Begun.").status_code == 200
    assert "There is an autosaved text" in client.get("/admin/posts/new").get_data(as_text=True)
    _new(client, app, title="Half written", action="draft")
    assert "There is an autosaved text" not in client.get("/admin/posts/new").get_data(as_text=True)


def test_autosave_of_a_trashed_post_is_refused(client, signed_in, app):
    _, post, _ = _new(client, app, title="Gone", action="draft")
    client.post(f"/admin/posts/{post.id}/delete")
    assert _autosave(client, post.id).status_code == 409


def test_autosaves_stay_out_of_a_policys_public_history(ctx):
    from cms.content.models import Page

    page = Page.select().where(Page.is_policy).first()
    if page is None:
        pytest.skip("the demo has no policy page")
    before = [r.id for r in policy_versions(page)]
    autosaves.autosave("page", page, {"title": page.title, "body": "draft words"}, actor=SYSTEM)
    assert [r.id for r in policy_versions(page)] == before


def test_word_paste_keeps_headings_bold_lists_and_links():
    markdown, dropped = pasted_markdown(_sample("word"))
    assert markdown.startswith("## Coping with anxiety\n\nAnxiety is a **normal** response")
    assert "*stress*" in markdown
    assert (
        "- Slow breathing\n- A walk outside\n- Talking to [someone you trust](https://example.org/help)"
        in markdown
    )
    assert "1. Notice the feeling\n2. Name it" in markdown
    assert "mso" not in markdown and "·" not in markdown and "o:p" not in markdown
    assert dropped == 1 and "file:" not in markdown  # a local image path is not a picture


def test_google_docs_paste_unwraps_the_bold_wrapper():
    markdown, _ = pasted_markdown(_sample("google-docs"))
    assert markdown.startswith(
        "## Sleep and mood\n\nGood sleep is **not a luxury**; it is *part of care*."
    )
    assert (
        "\n\nA second paragraph.\n\n- Keep a regular bedtime\n- [Read more about sleep]" in markdown
    )
    assert not markdown.startswith("**")  # the whole-document <b> wrapper is not bold


def test_pasted_html_goes_through_the_sanitizer(client, signed_in):
    html = (
        '<p onclick="x()">Hi <a href="javascript:alert(1)">there</a><script>alert(2)</script></p>'
    )
    answer = client.post("/admin/paste", data={"html": html}).get_json()
    assert answer["markdown"] == "Hi there"


def _jpeg(size=(2400, 1600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 90, 60)).save(out, "JPEG")
    return out.getvalue()


def test_upload_in_place_answers_with_markdown(client, signed_in, app):
    answer = client.post(
        "/admin/media/upload", data={"file": (io.BytesIO(_jpeg()), "walk.jpg"), "alt": "A path"},
        content_type="multipart/form-data",
    )  # fmt: skip
    data = answer.get_json()
    assert answer.status_code == 200 and data["markdown"].startswith("![A path](/media/")
    with app.app_context():
        assert Media.get_by_id(data["id"]).alt == "A path"
    picker = client.get("/admin/posts/new").get_data(as_text=True)
    assert data["markdown"] in picker


def test_upload_without_a_description_is_refused(client, signed_in):
    answer = client.post(
        "/admin/media/upload", data={"file": (io.BytesIO(_jpeg()), "a.jpg"), "alt": ""},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert answer.status_code == 422 and "Describe the image" in answer.get_json()["error"]


def test_oversized_upload_answers_in_the_editors_words(client, signed_in, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    answer = client.post(
        "/admin/media/upload",
        data={"file": (io.BytesIO(b"x" * (limit + 1)), "big.jpg"), "alt": "Big"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 413
    message = answer.get_json()["error"]
    assert "Nothing you typed is lost" in message and "Request Entity Too Large" not in message


def test_a_large_phone_photo_is_scaled_down_not_refused(client, signed_in, app):
    """A 24-megapixel photo of more than 8 MB: stored at half size, within the memory bounds."""
    noise = Image.frombytes("L", (3000, 2000), random.Random(20).randbytes(6_000_000))
    photo = io.BytesIO()
    noise.convert("RGB").resize((6000, 4000)).save(photo, "JPEG", quality=92)
    assert photo.tell() > 8 * 2**20
    answer = client.post(
        "/admin/media/upload", data={"file": (io.BytesIO(photo.getvalue()), "p.jpg"), "alt": "A"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    with app.app_context():
        media = Media.get_by_id(answer.get_json()["id"])
        assert (media.width, media.height) == (3000, 2000)
