"""The activity log in words: every action the site records has a sentence."""

import re
from pathlib import Path

from cms.audit import ACTION_WORDS, WRITES, plain_words

CMS = Path(__file__).resolve().parents[1] / "cms"


def test_every_recorded_action_has_words(app):
    declared = {action for write in WRITES.values() for action in write.actions}
    logged = set()
    for path in CMS.rglob("*.py"):
        logged |= set(re.findall(r'_log\(\s*"([a-z_]+(?:\.[a-z_]+)?)"', path.read_text()))
    assert "login.failed" in logged and "post.trash" in declared
    assert sorted((declared | logged | {"login", "logout"}) - set(ACTION_WORDS)) == []


def test_entries_read_as_sentences():
    assert plain_words("post.trash", "post 12: Winter hours") == (
        "Deleted the post “Winter hours” (moved to the trash)"
    )
    assert plain_words("page.publish", "page 3: Fees: sliding scale") == (
        "Published the page “Fees: sliding scale”"
    )
    assert plain_words("settings.update", "site_title, tagline") == (
        "Changed the settings: site_title, tagline"
    )
    assert plain_words("message.handled", "message 4: handled") == (
        "Marked a contact message handled"
    )
    assert plain_words("post.archive", "post 9: Draft") == "Post: archive post 9: Draft"


def test_the_activity_screen_shows_the_words_and_the_code(client, auth):
    auth.login()
    client.post("/admin/categories", data={"name": "Grief", "slug": "", "description": ""})
    html = client.get("/admin/activity").get_data(as_text=True)
    assert "Created the category “Grief”" in html and "<code>category.create</code>" in html
    assert "Signed in" in html
