"""Tags: their own taxonomy beside categories, set by name with a post, public pages with
paging and a feed, hidden while only private posts carry them, renamed and deleted."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest

from cms.accounts.actors import SYSTEM
from cms.content import tags
from cms.content.models import Post, PostTag, Tag
from cms.content.service import save_post, trash
from cms.core import clock
from cms.core.validation import ValidationError
from cms.site.models import save_settings

ATOM = "{http://www.w3.org/2005/Atom}"


def _post(title, tag_names, **fields):
    data = {"title": title, "body": f"About {title}.", "status": "published", "tags": tag_names}
    return save_post({**data, **fields}, actor=SYSTEM)


def test_tags_are_made_by_name_once_and_kept_in_order_of_name(ctx):
    first = _post("Worry", ["Anxiety", "Sleep hygiene"])
    second = _post("Nights", ["sleep hygiene", "  Anxiety "])
    assert [t.name for t in first.tag_list] == ["Anxiety", "Sleep hygiene"]
    assert [t.slug for t in second.tag_list] == ["anxiety", "sleep-hygiene"]
    assert Tag.select().count() == 2  # the same slug is the same tag
    assert [p.id for p in Post.tagged(Tag.get(Tag.slug == "anxiety"))] == [second.id, first.id]


def test_a_comma_separated_text_is_a_list_of_tags(ctx):
    post = save_post({"title": "Grief", "tags": "Loss, grief,, Loss , Support"}, actor=SYSTEM)
    assert [t.name for t in post.tag_list] == ["grief", "Loss", "Support"]


def test_saving_without_tags_keeps_them_and_an_empty_list_clears_them(ctx):
    post = _post("Kept", ["Stays"])
    post = save_post({"title": "Kept, renamed"}, post, actor=SYSTEM)
    assert [t.name for t in post.tag_list] == ["Stays"]
    post = save_post({"tags": []}, post, actor=SYSTEM)
    assert post.tag_list == []


@pytest.mark.parametrize(
    "value, message",
    [
        (["x" * 61], "60"),
        ([f"tag {n}" for n in range(31)], "at most 30"),
        (["ok", 7], "a name"),
        (["bad\x00name"], "control"),
        ({"a": 1}, "list"),
        (["   "], "needs a name"),
    ],
)
def test_bad_tags_are_refused_and_nothing_is_written(ctx, value, message):
    before = (Post.select().count(), Tag.select().count())
    with pytest.raises(ValidationError) as problem:
        save_post({"title": "Refused", "tags": value}, actor=SYSTEM)
    assert message in problem.value.errors["tags"]
    assert (Post.select().count(), Tag.select().count()) == before


def test_tag_page_lists_visible_posts_with_paging_and_a_feed(ctx):
    save_settings({"posts_per_page": 2})
    for n in range(3):
        _post(f"Mindful {n}", ["Mindfulness"])
    _post("Untagged", [])
    client = ctx.test_client()
    html = client.get("/tag/mindfulness").get_data(as_text=True)
    assert "Mindful 2" in html and "Mindful 1" in html and "Mindful 0" not in html
    assert "Untagged" not in html
    assert 'href="/tag/mindfulness/feed.xml"' in html
    pager = [a for a in html.split('"') if a.startswith("/tag/mindfulness?")]
    assert pager, "a second page is linked"
    second = client.get(pager[0].replace("&amp;", "&")).get_data(as_text=True)
    assert "Mindful 0" in second and "Mindful 2" not in second
    feed = ElementTree.fromstring(client.get("/tag/mindfulness/feed.xml").data)
    titles = [e.find(f"{ATOM}title").text for e in feed.iter(f"{ATOM}entry")]
    assert titles == ["Mindful 2", "Mindful 1", "Mindful 0"]


def test_a_tag_of_only_private_posts_is_not_shown_anywhere(ctx):
    _post("Draft", ["Secret topic"], status="draft")
    _post("Later", ["Secret topic"], published_at=clock.utcnow() + timedelta(days=3))
    trash(_post("Gone", ["Secret topic"]), actor=SYSTEM)
    client = ctx.test_client()
    assert client.get("/tag/secret-topic").status_code == 404
    assert client.get("/tag/secret-topic/feed.xml").status_code == 404
    assert b"secret-topic" not in client.get("/sitemap-pages.xml").data
    _post("Public now", ["Secret topic"])
    assert client.get("/tag/secret-topic").status_code == 200
    assert b"/tag/secret-topic" in client.get("/sitemap-pages.xml").data


def test_post_page_links_its_tags(ctx):
    post = _post("Linked", ["Self-care"])
    html = ctx.test_client().get(post.url).get_data(as_text=True)
    assert '<a href="/tag/self-care" rel="tag">#Self-care</a>' in html


def test_rename_redirects_the_old_address_and_delete_keeps_the_posts(ctx):
    post = _post("Renamed", ["Old name", "Other"])
    tag = Tag.get(Tag.slug == "old-name")
    tags.save_tag(tag, {"name": "New name", "slug": "new-name"}, actor=SYSTEM)
    client = ctx.test_client()
    moved = client.get("/tag/old-name")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/tag/new-name")
    with pytest.raises(ValidationError):
        tags.save_tag(tag, {"slug": "Not A Slug"}, actor=SYSTEM)
    tags.delete_tag(Tag.get(Tag.slug == "new-name"), actor=SYSTEM)
    assert [t.name for t in Post.get_by_id(post.id).tag_list] == ["Other"]
    assert PostTag.select().where(PostTag.post == post).count() == 1
    assert client.get("/tag/new-name").status_code == 404


def test_a_trashed_and_restored_post_keeps_its_tags(ctx):
    from cms.content.service import restore

    post = _post("Round trip", ["Returning"])
    trash(post, actor=SYSTEM)
    restore(Post.get_by_id(post.id), actor=SYSTEM)
    assert [t.name for t in Post.get_by_id(post.id).tag_list] == ["Returning"]
    assert ctx.test_client().get("/tag/returning").status_code == 200
