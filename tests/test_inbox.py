"""The inbox in the editor: unread count, read, handled, delete, who may see it."""

import os

import pytest

from cms.audit import Activity
from cms.core.db import db
from cms.messages import keys as messages
from cms.messages.keys import key_path
from cms.messages.models import Message
from cms.messages.service import store_message
from tests.helpers.contact import GOOD, raw_bytes


@pytest.fixture
def message_id(app, users):
    with app.app_context():
        db.connect(reuse_if_open=True)
        return store_message({**GOOD, "phone": "+1 416 555 0100", "waitlist": True}).id


def html(response) -> str:
    return response.get_data(as_text=True)


def test_admin_reads_a_message_and_the_unread_count_drops(client, auth, message_id):
    auth.login()
    listing = html(client.get("/admin/inbox"))
    assert "Inbox (1 unread)" in listing
    assert "Robin Example" in listing and "<strong>Unread</strong>" in listing
    page = client.get(f"/admin/inbox/{message_id}")
    assert page.status_code == 200
    body = html(page)
    assert GOOD["message"] in body
    assert 'href="mailto:robin@example.org"' in body and "+1 416 555 0100" in body
    assert "Asked to be added to the waitlist" in body
    assert "Inbox (1 unread)" in body  # opening changes nothing; marking read is a POST
    client.post(f"/admin/inbox/{message_id}/read")
    assert "Inbox (0 unread)" in html(client.get("/admin/inbox"))
    assert page.headers["Cache-Control"] == "private, no-store"


def test_inbox_says_when_each_message_will_be_deleted(app, client, auth, message_id):
    auth.login()
    with app.app_context():
        db.connect(reuse_if_open=True)
        message = Message.get_by_id(message_id)
        due = message.deletes_at
    assert (due - message.created_at).days == 90
    listing = html(client.get("/admin/inbox"))
    assert "deleted automatically 90 days after they arrive" in listing
    assert f'<time datetime="{due.isoformat()}+00:00">' in listing


def test_mark_handled_and_back(app, client, auth, message_id):
    auth.login()
    response = client.post(f"/admin/inbox/{message_id}/handled", data={"handled": "1"})
    assert response.status_code == 302
    assert "Handled on" in html(client.get(f"/admin/inbox/{message_id}"))
    assert "Handled</td>" in html(client.get("/admin/inbox"))
    client.post(f"/admin/inbox/{message_id}/handled", data={"handled": "0"})
    assert "Read, not handled yet" in html(client.get(f"/admin/inbox/{message_id}"))


def test_delete_is_permanent_and_logged_without_content(app, client, auth, message_id):
    with app.app_context():
        db.connect(reuse_if_open=True)
        sealed = Message.get_by_id(message_id).sealed
    auth.login()
    response = client.post(f"/admin/inbox/{message_id}/delete", follow_redirects=True)
    assert "The message was deleted permanently." in html(response)
    assert client.get(f"/admin/inbox/{message_id}").status_code == 404
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert Message.select().count() == 0
    assert sealed.encode() not in raw_bytes(app)  # overwritten (secure_delete), WAL emptied
    with app.app_context():
        [entry] = Activity.select().where(Activity.action == "message.delete")
        assert entry.target == f"message {message_id}"


def test_editors_need_an_admins_permission(client, auth, message_id):
    auth.login("editor@example.org")
    refused = client.get("/admin/inbox")
    assert refused.status_code == 403
    assert "administrators only" in html(refused)
    assert client.get(f"/admin/inbox/{message_id}").status_code == 403
    assert client.post(f"/admin/inbox/{message_id}/delete").status_code == 403
    assert "Inbox (" not in html(client.get("/admin/"))
    assert client.post("/admin/inbox/access", data={"editors": "1"}).status_code == 403
    auth.logout()

    auth.login()
    client.post("/admin/inbox/access", data={"editors": "1"})
    auth.logout()
    auth.login("editor@example.org")
    assert GOOD["message"] in html(client.get(f"/admin/inbox/{message_id}"))
    assert "Who can read messages" not in html(client.get("/admin/inbox"))  # admins decide


def test_signed_out_visitors_are_sent_to_sign_in(client, message_id):
    response = client.get(f"/admin/inbox/{message_id}")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]
    assert client.post(f"/admin/inbox/{message_id}/delete").status_code in (302, 400)


def test_a_message_the_key_cannot_open_is_explained(app, client, auth, message_id):
    with app.app_context():
        os.remove(key_path())
    messages._keys.clear()
    auth.login()
    assert "(cannot be decrypted)" in html(client.get("/admin/inbox"))
    page = client.get(f"/admin/inbox/{message_id}")
    assert page.status_code == 200
    assert "This message cannot be decrypted" in html(page)


def test_unknown_message_is_404(client, auth, message_id):
    auth.login()
    assert client.get("/admin/inbox/999").status_code == 404
    assert client.post("/admin/inbox/999/handled", data={"handled": "1"}).status_code == 404
