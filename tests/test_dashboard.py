"""The dashboard says what to do next: write, read the new messages, check availability,
see what is scheduled."""

from datetime import timedelta

from cms.accounts.actors import SYSTEM
from cms.content.service import save_post
from cms.core import clock
from cms.messages.service import store_message
from tests.helpers.contact import GOOD


def test_the_dashboard_links_the_next_actions(client, auth, app):
    with app.app_context():
        soon = clock.utcnow() + timedelta(days=2)
        later = clock.utcnow() + timedelta(days=9)
        save_post(
            {"title": "Later post", "status": "published", "published_at": later}, actor=SYSTEM
        )
        save_post(
            {"title": "Sooner post", "status": "published", "published_at": soon}, actor=SYSTEM
        )
        store_message(dict(GOOD))
        store_message(dict(GOOD))
    auth.login()
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/posts/new"><strong>Write a post</strong>' in html
    assert 'href="/admin/inbox"><strong>2 unread messages</strong> in the inbox' in html
    assert (
        "Availability: <strong>" in html and 'href="/admin/notices#switches-form">Switch it' in html
    )
    assert html.index("Sooner post") < html.index("Later post")  # the next one first
    assert "/admin/posts/" in html and "publishes <time" in html


def test_an_editor_without_inbox_access_sees_no_message_count(client, auth, app):
    with app.app_context():
        store_message(dict(GOOD))
    auth.login("editor@example.org")
    html = client.get("/admin/").get_data(as_text=True)
    assert "unread message" not in html and "Write a post" in html
    assert "See the notices" in html
