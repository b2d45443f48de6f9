"""A refused settings save says at the top exactly what was not saved, with links to the
fields, and keeps every typed value; an emptied social-link row removes that link."""

import json
import re

from tests.test_admin_site import settings_form, stored_settings


def test_an_emptied_social_link_row_removes_the_link(client, auth, app):
    auth.login()
    two = {"social_links-1-label": "Psychology Today", "social_links-1-url": "https://pt.example/x"}
    assert client.post("/admin/settings", data=settings_form(**two)).status_code == 302
    assert len(json.loads(stored_settings(app)["social_links"])) == 2
    emptied = settings_form(**{"social_links-0-label": "", "social_links-0-url": "", **two})
    response = client.post("/admin/settings", data=emptied)
    assert response.status_code == 302, response.text
    links = json.loads(stored_settings(app)["social_links"])
    assert [link["label"] for link in links] == ["Psychology Today"]


def test_clearing_only_the_address_removes_the_link_and_says_so(client, auth, app):
    auth.login()
    response = client.post(
        "/admin/settings", data=settings_form(**{"social_links-0-url": ""}), follow_redirects=True
    )
    assert "Removed the social link “LinkedIn”" in response.text
    assert json.loads(stored_settings(app)["social_links"]) == []


def test_a_refused_save_names_every_unsaved_change_at_the_top(client, auth, app):
    auth.login()
    before = stored_settings(app)
    changes = {
        "site_title": "Calm Harbour Therapy",
        "accent_color": "#ffff00",  # too light: refused
        "registration_number": "CRPO 0042",
        "social_links-0-url": "javascript:alert(1)",  # refused
    }
    response = client.post("/admin/settings", data=settings_form(**changes))
    assert response.status_code == 200
    html = response.text
    summary = re.search(r'<div class="error-summary.*?</div>', html, re.S)[0]
    assert summary.index("error-summary") < html.index('id="settings-form"')
    assert 'href="#accent_color"' in summary and 'href="#social_links"' in summary
    assert "Nothing was saved" in html
    for name in ("Site title", "Accent colour", "Registration number", "Social links"):
        assert name in summary, name
    for typed in ("Calm Harbour Therapy", "CRPO 0042", "#ffff00", "javascript:alert(1)"):
        assert f'value="{typed}"' in html, typed
    assert stored_settings(app) == before
