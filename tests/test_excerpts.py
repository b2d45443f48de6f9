"""Excerpts: one not typed is made from the text at every save, so removed words leave the
site; a typed one is marked and kept; migration 0011 tells the stored ones apart."""

import html
import re
import sqlite3

import html5lib
import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.accounts.tokens import create_token
from cms.content import service as services
from cms.content.models import Post
from cms.content.records import Revision
from cms.core.db import configure, db, migrate

FIRST = "Opening words of the post."
SECRET = "A sentence the writer later removed."
BODY = f"{FIRST} {SECRET}"


def form_values(page: str) -> dict:
    """What the browser would send from the page's writing form, unchanged."""
    root = html5lib.parseFragment(page, namespaceHTMLElements=False)
    form = next(f for f in root.iter("form") if f.find(".//textarea[@name='body']") is not None)
    data = {}
    for element in form.iter():
        name = element.get("name")
        if not name or element.get("type") in ("submit", "button"):
            continue
        if element.tag == "textarea":
            data[name] = element.text or ""
        elif element.tag == "select":
            chosen = [
                o.get("value") for o in element.iter("option") if o.get("selected") is not None
            ]
            data[name] = chosen[0] if chosen else ""
        elif element.get("type") in ("checkbox", "radio"):
            if element.get("checked") is not None:
                data[name] = element.get("value", "y")
        else:
            data[name] = element.get("value", "")
    return data


def public_text(client, slug: str) -> str:
    """Everything a reader or a reader's software gets about the post."""
    pages = ["/blog/", "/feed.xml", f"/blog/{slug}", f"/api/v1/posts/{slug}", "/api/v1/posts"]
    return "\n".join(html.unescape(client.get(path).get_data(as_text=True)) for path in pages)


@pytest.fixture
def writer(client, auth):
    auth.login()
    client.post("/admin/posts/new", data={
        "title": "Removed words", "slug": "", "body": BODY, "excerpt": "", "status": "published",
        "meta_description": "", "published_at": "", "featured_image": "", "action": "save",
    })  # fmt: skip
    return client


def stored(app, slug="removed-words") -> Post:
    with app.app_context():
        db.connect(reuse_if_open=True)
        return Post.get(Post.slug == slug)


def test_words_removed_in_the_editor_leave_lists_feed_meta_and_api(app, writer):
    post = stored(app)
    assert SECRET in public_text(writer, post.slug)
    edit = f"/admin/posts/{post.id}/edit"
    data = form_values(writer.get(edit).get_data(as_text=True))
    data.update(body=FIRST, action="save")
    assert writer.post(edit, data=data).status_code == 302
    shown = public_text(writer, post.slug)
    assert SECRET not in shown
    assert f'<meta name="description" content="{FIRST}">' in shown
    assert (stored(app).excerpt, stored(app).excerpt_typed) == (FIRST, False)
    assert data["excerpt"] == ""  # the editor did not show the made excerpt as if typed


def test_words_removed_by_api_patch_or_a_put_of_what_was_read_leave_the_excerpt(app, client):
    with app.app_context():
        db.connect(reuse_if_open=True)
        token = create_token("script", "content:read,content:write", actor=SYSTEM)[1]
    headers = {"Authorization": f"Bearer {token}"}
    new = {"title": "Via API", "body": BODY, "status": "published"}
    made = client.post("/api/v1/admin/posts", headers=headers, json=new).json
    assert SECRET in made["excerpt"]
    url = f"/api/v1/admin/posts/{made['id']}"
    patched = client.patch(url, headers=headers, json={"body": FIRST}).json
    assert patched["excerpt"] == FIRST
    # A script that reads the post, changes the text and sends the whole thing back.
    read = client.get(url, headers=headers).json
    sent = {k: read[k] for k in ("title", "body", "excerpt", "status", "meta_description")}
    sent["body"] = "Entirely new wording."
    assert client.put(url, headers=headers, json=sent).json["excerpt"] == "Entirely new wording."
    assert SECRET not in public_text(client, made["slug"])


def test_a_typed_excerpt_is_marked_kept_shown_and_cleared_back_to_made(app, writer):
    post = stored(app)
    edit = f"/admin/posts/{post.id}/edit"
    page = writer.get(edit).get_data(as_text=True)
    assert "Leave empty to use the start of the text." in page
    data = form_values(page)
    data.update(excerpt="My own summary.", action="save")
    writer.post(edit, data=data)
    assert stored(app).excerpt_typed and stored(app).excerpt == "My own summary."
    data = form_values(writer.get(edit).get_data(as_text=True))
    assert data["excerpt"] == "My own summary."  # shown to edit
    data.update(body="Another text altogether.", action="save")
    writer.post(edit, data=data)
    assert stored(app).excerpt == "My own summary."  # typed: the text does not replace it
    data = form_values(writer.get(edit).get_data(as_text=True))
    data.update(excerpt="", action="save")
    writer.post(edit, data=data)
    post = stored(app)
    assert (post.excerpt, post.excerpt_typed) == ("Another text altogether.", False)


def test_a_typed_excerpt_equal_to_the_start_is_made_and_restore_keeps_the_kind(ctx):
    post = services.save_post(
        {"title": "Same", "body": "Start of it.", "excerpt": "Start of it."}, actor=SYSTEM
    )
    assert not post.excerpt_typed  # it said what the made one says: nothing to keep apart
    typed = services.save_post(
        {"title": "Typed", "body": "One.", "excerpt": "Summary."}, actor=SYSTEM
    )
    services.save_post({"body": "Two."}, typed, actor=SYSTEM)
    first = Revision.history("post", typed.id).order_by(Revision.id).first()
    assert first.excerpt_typed
    made = services.save_post({"title": "Made", "body": "Old words."}, actor=SYSTEM)
    services.save_post({"body": "New words."}, made, actor=SYSTEM)
    old = Revision.history("post", made.id).order_by(Revision.id).first()
    assert (old.excerpt, old.excerpt_typed) == ("Old words.", False)
    restored = services.restore_revision(old, actor=SYSTEM)
    assert (restored.excerpt, restored.excerpt_typed) == ("Old words.", False)
    services.save_post({"body": "Newest words."}, restored, actor=SYSTEM)
    assert Post.get_by_id(made.id).excerpt == "Newest words."


def _row(conn, table, **values):
    names = ", ".join(values)
    conn.execute(
        f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(values))})",  # noqa: S608
        list(values.values()),
    )


ENTRY = {"meta_description": "", "status": "published", "published_at": "2020-01-01 00:00:00",
         "created_at": "2020-01-01 00:00:00", "updated_at": "2020-01-01 00:00:00"}  # fmt: skip


def _revision(conn, object_id, body, excerpt, when):
    _row(conn, "revision", kind="post", object_id=object_id, title="T", slug=f"p{object_id}",
         body=body, excerpt=excerpt, meta_description="", status="published",
         published_at="2020-01-01 00:00:00", created_at=when, note="")  # fmt: skip


def test_migration_0011_tells_made_excerpts_from_typed_and_makes_them_again(tmp_path):
    path = str(tmp_path / "cms.sqlite3")
    configure(path)
    db.connect()
    migrate("0009_pending_secret")
    db.close()
    conn = sqlite3.connect(path)
    stale = "Hello there. Secret bit."
    # 1: the excerpt made at the first save, carried along after the text changed.
    _row(conn, "post", id=1, title="Stale", slug="p1", body="Hello there.",
         body_html="<p>Hello there.</p>", excerpt=stale, **ENTRY)  # fmt: skip
    _revision(conn, 1, stale, stale, "2020-01-01 00:00:00")
    _revision(conn, 1, "Hello there.", stale, "2020-01-02 00:00:00")
    # 2: a typed excerpt; 3: one made from a text whose start is a link.
    _row(conn, "post", id=2, title="Typed", slug="p2", body="Different text.",
         body_html="<p>Different text.</p>", excerpt="A summary I wrote.", **ENTRY)  # fmt: skip
    _revision(conn, 2, "Different text.", "A summary I wrote.", "2020-01-01 00:00:00")
    linked = "[Read](https://example.org/a) this first."
    _row(conn, "post", id=3, title="Link", slug="p3", body=linked,
         body_html='<p><a href="https://example.org/a">Read</a> this first.</p>',
         excerpt="Read this first.", **ENTRY)  # fmt: skip
    _revision(conn, 3, linked, "Read this first.", "2020-01-01 00:00:00")
    conn.commit()
    conn.close()

    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t", "TESTING": True})
    with app.app_context():
        db.connect(reuse_if_open=True)
        posts = {p.id: (p.excerpt, p.excerpt_typed) for p in Post.select()}
        assert posts == {
            1: ("Hello there.", False),
            2: ("A summary I wrote.", True),
            3: ("Read this first.", False),
        }
        flags = [(r.object_id, r.excerpt_typed) for r in Revision.select().order_by(Revision.id)]
        assert flags == [(1, False), (1, False), (2, True), (3, False)]
        page = app.test_client().get("/blog/").get_data(as_text=True)
        assert "Secret bit" not in page and re.search(r"<p>Hello there\.</p>", page)
    db.close()
