"""Every refused form in the editor starts with a summary of what to fix, linked to the
fields, before the form itself."""

import re
from pathlib import Path

import pytest

from tests.helpers.accounts import PASSWORD

ADMIN_TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "admin"
# Fields included into the writing screen's form, which shows the summary.
WRITING_SCREEN = {"_seo_tags_fields.html"}


def summary(html: str) -> str:
    found = re.search(r'<div class="error-summary.*?</div>', html, re.S)
    assert found, "no error summary"
    return found[0]


def test_every_form_template_shows_the_summary():
    missing = [
        path.name
        for path in ADMIN_TEMPLATES.glob("*.html")
        if "form_field(" in path.read_text()
        and "error_summary(" not in path.read_text()
        and path.name not in WRITING_SCREEN
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("path", "data", "target", "words"),
    [
        ("/admin/users/new", {"email": "not an address", "name": "Sam", "role": "editor",
                              "start": "link"}, "email", "E-mail"),
        ("/admin/categories", {"name": "", "slug": "", "description": ""}, "name", "Name"),
        ("/admin/tokens", {"name": "", "scopes": ["content:read"]}, "name", "Name"),
        ("/admin/account/password", {"current_password": PASSWORD, "new_password": "a calm sea",
                                     "confirm": "another"}, "confirm", "Repeat the password"),
        ("/admin/posts/new", {"title": "", "body": "Text.", "action": "draft"}, "title",
         "Title"),
        ("/admin/media", {"alt": "A calm lake"}, "file", "Image"),
    ],
)  # fmt: skip
def test_a_refused_form_lists_its_fields_first(client, auth, path, data, target, words):
    auth.login()
    response = client.post(path, data=data)
    html = response.get_data(as_text=True)
    box = summary(html)
    assert f'href="#{target}"' in box and words in box, box
    assert f'id="{target}"' in html
    assert html.index("error-summary") < html.index(f'id="{target}"')


def test_a_form_without_errors_has_no_summary(client, auth):
    auth.login()
    for path in ("/admin/settings", "/admin/users/new", "/admin/account", "/admin/tokens"):
        assert "error-summary" not in client.get(path).get_data(as_text=True), path
