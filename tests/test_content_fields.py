"""Content field limits have one home (cms.content.fields): the editor's forms render them as
maxlength and check them as the service does, and no template or module writes them again."""

import pathlib
import re

import pytest

from cms.content import fields
from cms.content.models import Post

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAMES = [name for name in dir(fields) if name.startswith(("MAX_", "RESERVED_", "SLUG_"))]


def _maxlength(html: str, name: str) -> int | None:
    tag = re.search(rf'<(?:input|textarea)\b[^>]*\bname="{name}"[^>]*>', html).group(0)
    found = re.search(r'\bmaxlength="(\d+)"', tag)
    return int(found.group(1)) if found else None


def test_the_editor_forms_render_the_limits(client, auth, users):
    auth.login()
    post = client.get("/admin/posts/new").text
    expected = {
        "title": fields.MAX_TITLE, "slug": fields.MAX_SLUG, "excerpt": fields.MAX_EXCERPT,
        "meta_description": fields.MAX_META, "body": fields.MAX_BODY,
    }  # fmt: skip
    assert {name: _maxlength(post, name) for name in expected} == expected
    listing = client.get("/admin/posts/").text
    assert _maxlength(listing, "q") == fields.MAX_TITLE  # a longer query matches no title
    category = client.get("/admin/categories").text
    expected = {
        "name": fields.MAX_CATEGORY_NAME, "slug": fields.MAX_SLUG,
        "description": fields.MAX_DESCRIPTION,
    }  # fmt: skip
    assert {name: _maxlength(category, name) for name in expected} == expected


@pytest.mark.parametrize(("lines", "saved"), [(fields.MAX_EXCERPT // 2, True), (501, False)])
def test_a_line_break_counts_once_as_in_the_browser(app, client, auth, users, lines, saved):
    """A form sends a break as CRLF; the limit counts it as one character, like maxlength."""
    auth.login()
    excerpt = "a\r\n" * lines  # 2 characters a line as typed, 3 as sent
    page = client.post(
        "/admin/posts/new", data={"title": "Breaks", "body": "Text.", "excerpt": excerpt}
    )
    assert (page.status_code == 302) is saved
    if not saved:
        assert f"at most {fields.MAX_EXCERPT:,} characters (it has 1,002)" in page.text
    with app.app_context():
        assert Post.select().where(Post.title == "Breaks").exists() is saved


CONTENT_TEMPLATES = ("create", "edit", "posts", "categories", "trash", "revisions", "preview")


def test_no_content_template_writes_a_limit_of_its_own():
    literal = re.compile(r"maxlength=\"?\d")
    screens = [
        path
        for path in (ROOT / "templates" / "admin").glob("*.html")
        if path.stem.startswith(CONTENT_TEMPLATES)
    ]
    assert len(screens) >= 10  # the writing screens are where they were
    assert [path.name for path in screens if literal.search(path.read_text())] == []


def test_only_cms_content_fields_defines_the_limits():
    assignment = re.compile(rf"^({'|'.join(NAMES)})\s*=", re.M)
    defined = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "cms").rglob("*.py")
        if assignment.search(path.read_text())
    ]
    assert defined == ["cms/content/fields.py"]
