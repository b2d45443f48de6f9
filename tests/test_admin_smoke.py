"""The editor's front door: sign-in required, sign-in and sign-out work, the dashboard."""

from datetime import timedelta

from cms.accounts.actors import SYSTEM
from cms.content.service import save_post, trash
from cms.core import clock


def test_dashboard_requires_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login?next=/admin/" in response.headers["Location"]


def test_sign_in_and_out(client, auth):
    response = auth.login()
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    auth.logout()
    assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused(client, auth):
    response = auth.login(password="wrong password here")
    assert response.status_code == 200
    assert "The e-mail or password is not correct." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_dashboard_counts_leave_out_the_trash(client, auth, app):
    with app.app_context():
        later = clock.utcnow() + timedelta(days=1)
        for title in ("Soon", "Soon but trashed"):
            post = save_post(
                {"title": title, "status": "published", "published_at": later}, actor=SYSTEM
            )
        trash(post, actor=SYSTEM)
        trash(save_post({"title": "Trashed draft"}, actor=SYSTEM), actor=SYSTEM)
    auth.login()
    html = client.get("/admin/").get_data(as_text=True)
    assert ">Soon</a>" in html and "Soon but trashed" not in html  # the scheduled list
    assert ">0 drafts</a>" in html
