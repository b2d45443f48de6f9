"""Holes of the same classes found beside the main fixes: a setup link voided by a CLI
command, a site e-mail that adds a hidden Bcc, and numbers too large for SQLite in forms."""

import logging
import re
from datetime import timedelta

from cms import create_app
from cms.core import clock
from cms.core.db import db
from cms.site.models import get_settings

BIG = "9" * 26


def _links(caplog) -> list[str]:
    return re.findall(r"/admin/setup/([\w-]+)", " ".join(r.getMessage() for r in caplog.records))


def test_a_later_process_does_not_void_the_setup_link_the_server_logged(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "t",
        "DEMO_CONTENT": False,
        "SITE_URL": "https://therapist.example",
    }
    server = create_app(config)
    db.close()
    first = _links(caplog)[-1]
    clock.advance(timedelta(hours=3))  # the nightly backup timer, hours later
    create_app(config)
    db.close()
    second = _links(caplog)[-1]
    assert second != first
    client = server.test_client()
    assert client.get("/admin/setup/" + first).status_code == 200
    assert client.get("/admin/setup/" + second).status_code == 200


def test_the_site_e_mail_cannot_carry_a_bcc(app, auth, client):
    auth.login()
    from cms.accounts.actors import SYSTEM
    from cms.core.validation import ValidationError
    from cms.site.settings import update_settings

    with app.app_context():
        db.connect(reuse_if_open=True)
        try:
            update_settings({"contact_email": "me@x.org?bcc=spy%40evil.example"}, actor=SYSTEM)
        except ValidationError as exc:
            assert "contact_email" in exc.errors
        else:
            raise AssertionError("a mailto query was accepted as an address")
        update_settings(
            {"contact_email": "hello@example.org", "phone": "+1 (416) 555-0100"}, actor=SYSTEM
        )
        assert get_settings()["contact_email"] == "hello@example.org"
    page = client.get("/contact").get_data(as_text=True)
    assert 'href="mailto:hello@example.org"' in page
    assert 'href="tel:+14165550100"' in page


def test_numbers_too_large_for_sqlite_in_forms_are_refused_not_500(app, auth, client):
    auth.login()
    assert client.post("/admin/categories/1/merge", data={"target": BIG}).status_code == 302
    for data in (
        {"title": "x", "body": f"![a](/media/{BIG}/x.png)"},
        {"title": "x", "body": "b", "categories": BIG},
        {"title": "x", "body": "b", "featured_image": BIG},
    ):
        assert client.post("/admin/posts/new", data=data).status_code in (200, 302, 400)
    assert client.post("/admin/settings", data={"logo_media_id": BIG}).status_code in (200, 400)


def test_an_export_is_owner_only_whatever_the_umask(app, runner, tmp_path):
    import os
    import stat

    target = tmp_path / "export"
    old = os.umask(0)
    try:
        result = runner.invoke(args=["cms", "export", str(target)])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    for path in [target, *target.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_an_editor_saves_a_notice_text_without_meeting_its_time_window(app, client, users):
    """Editors change a notice's text; the time window is shown to them, not offered."""
    from datetime import datetime

    from cms.site.models import Notice

    with app.app_context():
        notice = Notice.get(Notice.key == "online-therapy")
        Notice.update(starts_at=datetime(2026, 1, 1, 9, 0)).where(Notice.id == notice.id).execute()
    client.post(
        "/admin/login", data={"email": "editor@example.org", "password": "correct horse battery"}
    )
    page = client.get(f"/admin/notices/{notice.id}").get_data(as_text=True)
    assert 'name="starts_at"' not in page and "An administrator decides" in page
    saved = client.post(f"/admin/notices/{notice.id}", data={"body": "Sessions by video."})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    with app.app_context():
        stored = Notice.get_by_id(notice.id)
        assert stored.body == "Sessions by video." and stored.starts_at == datetime(2026, 1, 1, 9)
