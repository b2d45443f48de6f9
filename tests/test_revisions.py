"""Revisions: readable diffs, restore, and the public version history of policies."""

from datetime import date

from cms.accounts.actors import SYSTEM
from cms.content.models import Page, Post
from cms.content.records import Revision
from cms.content.revisions import policy_versions, text_diff
from cms.content.service import restore_revision, save_page, save_post

SOCIAL = "social-media-and-our-therapy-relationship"
POLICY = "social-media-policy"


def test_text_diff_marks_changed_words_and_skips_unchanged_lines():
    old = "\n".join(["one", "two", "three", "four", "five", "six", "seven", "the quick fox"])
    new = old.replace("the quick fox", "the slow fox") + "\nnew line"
    lines = text_diff(old, new)
    assert lines[0] is not None and lines[0].op == " "
    removed = next(line for line in lines if line and line.op == "-")
    assert ("quick", True) in removed.parts and ("the ", False) in removed.parts
    added = [line for line in lines if line and line.op == "+"]
    assert ("slow", True) in added[0].parts and added[1].parts == [("new line", True)]
    assert "one" not in [line.parts[0][0] for line in lines if line]  # far from the change
    assert text_diff("same", "same") == []


def test_every_save_keeps_a_revision_and_restore_adds_one(ctx):
    post = save_post({"title": "Draft one", "body": "First text."}, actor=SYSTEM)
    save_post({"title": "Draft two", "body": "Second text."}, post, actor=SYSTEM)
    first = Revision.history("post", post.id)[-1]
    restored = restore_revision(first, actor=SYSTEM)
    assert (restored.title, restored.body) == ("Draft one", "First text.")
    history = list(Revision.history("post", post.id))
    assert len(history) == 3 and history[0].note == f"restored revision {first.id}"


def test_revision_screens_list_diff_and_restore(client, auth, app):
    auth.login("editor@example.org")
    with app.app_context():
        post = Post.get(Post.slug == SOCIAL)
        save_post(
            {"body": post.body + "\n\n<script>alert('x')</script> added line"}, post, actor=SYSTEM
        )
        old, new = Revision.history("post", post.id)[-1], Revision.history("post", post.id)[0]
    listing = client.get(f"/admin/posts/{post.id}/revisions").text
    assert "Compare A and B" in listing and listing.count('name="a"') == 2
    diff = client.get(f"/admin/posts/{post.id}/revisions/diff?a={new.id}&b={old.id}").text
    assert "&lt;script&gt;alert" in diff and "<script>alert" not in diff
    assert '<li class="diff-ins">' in diff
    assert client.get(f"/admin/posts/{post.id}/revisions/diff?a=x&b=1").status_code == 400
    assert client.get(f"/admin/posts/{post.id}/revisions/diff?a=1&b=99999").status_code == 404
    assert client.post(f"/admin/posts/{post.id}/revisions/{old.id}/restore").status_code == 302
    with app.app_context():
        assert "added line" not in Post.get_by_id(post.id).body
        assert Revision.history("post", post.id).count() == 3
    # A revision of another entry cannot be restored through this one.
    with app.app_context():
        other = Post.get(Post.slug != SOCIAL)
    url = f"/admin/posts/{other.id}/revisions/{old.id}/restore"
    assert client.post(url).status_code == 404


def test_policy_page_links_to_earlier_versions(client, app):
    with app.app_context():
        page = Page.get(Page.slug == POLICY)
        first_date = page.effective_date
        save_page(
            {"body": "Old wording, revised.", "effective_date": first_date}, page, actor=SYSTEM
        )
        save_page({"body": "New wording.", "effective_date": date(2026, 9, 1)}, page, actor=SYSTEM)
        save_page(
            {"title": "Secret draft", "status": "draft"},
            save_page({"title": "Other"}, actor=SYSTEM),
            actor=SYSTEM,
        )
        versions = policy_versions(page)
    assert [v.effective_date for v in versions] == [first_date]
    html = client.get(f"/{POLICY}").text
    assert "Effective date" in html and "1 September 2026" in html
    assert "Earlier versions" in html
    link = f"/{POLICY}/versions/{first_date.isoformat()}"
    assert link in html
    old = client.get(link).text
    assert "Old wording, revised." in old and "New wording." not in old
    assert "until <time" in old and "Read the current version" in old
    assert client.get(f"/{POLICY}/versions").status_code == 200
    assert client.get(f"/{POLICY}/versions/2020-01-01").status_code == 404
    assert client.get(f"/{POLICY}/versions/not-a-date").status_code == 404
    assert client.get("/about/versions").status_code == 404  # not a policy


def test_draft_policy_text_never_appears_in_the_history(client, app):
    with app.app_context():
        page = Page.get(Page.slug == POLICY)
        save_page({"body": "Unpublished idea.", "status": "draft",
                   "effective_date": date(2027, 1, 1)}, page, actor=SYSTEM)  # fmt: skip
        save_page({"status": "published", "body": "Final.",
                   "effective_date": date(2027, 2, 1)}, page, actor=SYSTEM)  # fmt: skip
    html = client.get(f"/{POLICY}").text
    assert "/versions/2027-01-01" not in html
