"""Policies clients rely on: a change is a new version or a listed correction, and an
earlier version's page shows what was in force then, never text written after it ended."""

import html as html_lib
import re
from datetime import date, timedelta

import pytest

from cms.accounts.actors import SYSTEM
from cms.content.models import Page
from cms.content.policies import ASK, earlier_policy_versions, policy_timeline
from cms.content.service import save_page
from cms.core import clock

JAN, JUN = date(2026, 1, 1), date(2026, 6, 1)


@pytest.fixture
def policy(app):
    """A public policy, effective 1 January, as first written."""
    with app.app_context():
        page = save_page(
            {"title": "Fees policy", "body": "Sessions cost $150.", "status": "published",
             "published_at": clock.utcnow() - timedelta(days=30), "is_policy": True,
             "effective_date": JAN},
            actor=SYSTEM,
        )  # fmt: skip
        return page.id


def _save(app, page_id, **changes):
    with app.app_context():
        page = Page.get_by_id(page_id)
        data = {"title": page.title, "body": page.body, "status": "published",
                "published_at": page.published_at, "is_policy": True,
                "effective_date": page.effective_date, **changes}  # fmt: skip
        return save_page(data, page, actor=SYSTEM)


def test_same_date_is_a_correction_new_date_a_new_version(app, client, policy):
    _save(app, policy, body="Sessions cost $150 (50 minutes).")  # a correction
    _save(app, policy, body="Sessions cost $160.", effective_date=JUN)  # a new version
    with app.app_context():
        timeline = policy_timeline(Page.get_by_id(policy))
        assert [v.effective_date for v in timeline] == [JAN, JUN]
        assert len(timeline[0].corrections) == 1 and timeline[1].corrections == []
        slug = Page.get_by_id(policy).slug
    earlier = client.get(f"/{slug}/versions/{JAN.isoformat()}").get_data(as_text=True)
    assert "Sessions cost $150 (50 minutes)." in earlier  # as it stood when it ended
    assert "Corrected (wording only, the same version) on" in earlier
    listing = client.get(f"/{slug}/versions").get_data(as_text=True)
    assert "corrected on" in listing


def test_an_ended_version_is_never_rewritten(app, client, policy):
    _save(app, policy, body="Sessions cost $160.", effective_date=JUN)
    _save(app, policy, body="Sessions were always free.", effective_date=JAN)  # back-dated
    with app.app_context():
        page = Page.get_by_id(policy)
        versions = earlier_policy_versions(page)
        jan = next(v for v in versions if v.effective_date == JAN)
        assert jan.revision.body == "Sessions cost $150."
    text = client.get(f"/{page.slug}/versions/{JAN.isoformat()}").get_data(as_text=True)
    assert "Sessions cost $150." in text and "always free" not in text


def test_the_current_policy_lists_its_corrections(app, client, policy):
    _save(app, policy, body="Sessions cost $150, paid at the session.")
    with app.app_context():
        slug = Page.get_by_id(policy).slug
    page = client.get(f"/{slug}").get_data(as_text=True)
    assert "Corrected (wording only, the same version) on" in page


def _edit_form(page_html: str) -> dict:
    data = {}
    for tag in re.findall(r"<input[^>]*>", page_html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or re.search(r'type="(radio|checkbox|submit)"', tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name[1]] = html_lib.unescape(value[1]) if value else ""
    for name, body in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page_html, re.S
    ):
        data[name] = html_lib.unescape(body).lstrip("\n")
    for name, body in re.findall(
        r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page_html, re.S
    ):
        chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"', body) or re.search(
            r'<option[^>]*value="([^"]*)"[^>]*selected', body
        )
        data[name] = chosen[1] if chosen else ""
    data.update(is_policy="y", action="save")
    return data


def test_the_editor_asks_new_version_or_correction(app, client, auth, policy):
    auth.login()
    edit = client.get(f"/admin/pages/{policy}/edit").get_data(as_text=True)
    assert 'name="policy_change"' in edit and "a correction" in edit
    form = _edit_form(edit)
    form["body"] = "Sessions cost $170."
    asked = client.post(f"/admin/pages/{policy}/edit", data=form).get_data(as_text=True)
    assert ASK in html_lib.unescape(asked)
    same_date = client.post(f"/admin/pages/{policy}/edit", data={**form, "policy_change": "new"})
    assert "needs its own effective date" in same_date.get_data(as_text=True)
    moved = {**form, "policy_change": "correction", "effective_date": "2026-06-01"}
    refused = client.post(f"/admin/pages/{policy}/edit", data=moved).get_data(as_text=True)
    assert "A correction keeps the effective date" in html_lib.unescape(refused)
    with app.app_context():
        assert Page.get_by_id(policy).body == "Sessions cost $150."  # nothing saved yet
    done = client.post(
        f"/admin/pages/{policy}/edit",
        data={**form, "policy_change": "new", "effective_date": "2026-06-01"},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    with app.app_context():
        page = Page.get_by_id(policy)
        assert page.effective_date == JUN
        assert [v.effective_date for v in earlier_policy_versions(page)] == [JAN]


def test_a_policy_prints_with_its_address_and_the_print_date(app, client, policy):
    with app.app_context():
        slug = Page.get_by_id(policy).slug
    page = client.get(f"/{slug}").get_data(as_text=True)
    assert "css/print.css" in page and "js/print-date.js" in page
    assert f"Printed from http://localhost/{slug}" in page and 'class="print-date"' in page
    css = client.get("/static/css/print.css").get_data(as_text=True)
    assert "@media print" in css and "overflow: visible" in css
    client.get("/static/css/print.css").close()
