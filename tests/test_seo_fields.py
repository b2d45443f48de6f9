"""SEO fields of posts and pages: a title for <title> and og:title, a social image for
og:image (a post's featured image when none is chosen), by every door, within limits."""

import io

import pytest
from PIL import Image

from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.accounts.tokens import create_token
from cms.content.fields import MAX_SEO_TITLE
from cms.content.models import Page, Post
from cms.content.service import save_page, save_post
from cms.core.validation import ConflictError, ValidationError
from cms.media.service import delete_media, process_upload


def _image(name="share.png", alt="A path through a forest"):
    out = io.BytesIO()
    Image.new("RGB", (1200, 630), (60, 100, 80)).save(out, "PNG")
    return process_upload(out.getvalue(), name, alt, actor=SYSTEM)


def _meta(html: str, prop: str) -> list[str]:
    marker = f'<meta property="{prop}" content="'
    return [part.split('"', 1)[0] for part in html.split(marker)[1:]]


def test_the_seo_title_replaces_the_title_in_title_and_og_title_only(ctx):
    save_post({"title": "On sleep", "seo_title": "Sleep and anxiety: a therapist's guide",
               "status": "published"}, actor=SYSTEM)  # fmt: skip
    html = ctx.test_client().get("/blog/on-sleep").get_data(as_text=True)
    assert "<title>Sleep and anxiety: a therapist&#39;s guide ·" in html
    assert _meta(html, "og:title") == ["Sleep and anxiety: a therapist&#39;s guide"]
    assert "<h1>On sleep</h1>" in html  # the page itself keeps its title


def test_og_image_is_the_social_image_else_the_featured_image_else_none(ctx):
    featured, social = _image("featured.png"), _image("social.png", "Shared")
    post = save_post({"title": "Pictured", "status": "published", "featured_image": featured.id},
                     actor=SYSTEM)  # fmt: skip
    client = ctx.test_client()
    html = client.get(post.url).get_data(as_text=True)
    assert _meta(html, "og:image") == [f"http://localhost/media/{featured.id}"]
    assert _meta(html, "og:image:width") == ["1200"]
    save_post({"social_image": social.id}, post, actor=SYSTEM)
    html = client.get(post.url).get_data(as_text=True)
    assert _meta(html, "og:image") == [f"http://localhost/media/{social.id}"]
    assert _meta(html, "og:image:alt") == ["Shared"]
    plain = save_post({"title": "Plain", "status": "published"}, actor=SYSTEM)
    assert _meta(client.get(plain.url).get_data(as_text=True), "og:image") == []


def test_a_page_has_its_own_seo_title_and_social_image(ctx):
    image = _image()
    fields = {"title": "About", "slug": "about-me", "status": "published",
              "seo_title": "About the practice", "social_image": image.id}  # fmt: skip
    save_page(fields, actor=SYSTEM)
    html = ctx.test_client().get("/about-me").get_data(as_text=True)
    assert _meta(html, "og:title") == ["About the practice"]
    assert _meta(html, "og:image") == [f"http://localhost/media/{image.id}"]


@pytest.mark.parametrize(
    "fields, error, field",
    [
        ({"seo_title": "x" * (MAX_SEO_TITLE + 1)}, ValidationError, "seo_title"),
        ({"seo_title": "line\x00break"}, ValidationError, "seo_title"),
        ({"social_image": 999_999}, ConflictError, "social_image"),
        ({"social_image": "1"}, ConflictError, "social_image"),
    ],
)
def test_bad_seo_fields_are_refused(ctx, fields, error, field):
    with pytest.raises(error) as problem:
        save_post({"title": "Refused", **fields}, actor=SYSTEM)
    assert field in problem.value.errors
    assert not Post.select().where(Post.title == "Refused").exists()


def test_a_social_image_is_public_with_its_entry_and_kept_while_used(ctx):
    image = _image()
    post = save_post({"title": "Shared", "social_image": image.id}, actor=SYSTEM)
    client = ctx.test_client()
    assert client.get(f"/media/{image.id}").status_code == 404  # a draft's image stays private
    save_post({"status": "published"}, post, actor=SYSTEM)
    assert client.get(f"/media/{image.id}").status_code == 200  # og:image must load
    with pytest.raises(ConflictError) as problem:
        delete_media(image, actor=SYSTEM)
    assert "social media image of “Shared”" in problem.value.errors["media"]


def test_the_editor_saves_tags_and_seo_fields(client, auth, app):
    auth.login()
    with app.app_context():
        image = _image()
    form = client.get("/admin/posts/new").get_data(as_text=True)
    assert 'name="tags"' in form and 'name="seo_title"' in form
    assert f'maxlength="{MAX_SEO_TITLE}"' in form
    response = client.post("/admin/posts/new", data={
        "title": "Written here", "body": "Text", "status": "draft", "tags": "Calm, Sleep",
        "seo_title": "Written here, for search", "social_image": str(image.id),
    })  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        post = Post.get(Post.slug == "written-here")
        assert [t.name for t in post.tag_list] == ["Calm", "Sleep"]
        assert (post.seo_title, post.social_image_id) == ("Written here, for search", image.id)
    edit = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert 'value="Calm, Sleep"' in edit and 'value="Written here, for search"' in edit
    page_form = client.get("/admin/pages/new").get_data(as_text=True)
    assert 'name="tags"' not in page_form and 'name="seo_title"' in page_form
    refused = client.post("/admin/posts/new", data={
        "title": "Too long", "body": "", "status": "draft", "seo_title": "x" * 500})  # fmt: skip
    assert refused.status_code == 200 and "Nothing was saved" in refused.get_data(as_text=True)


def test_the_api_reads_and_writes_seo_fields_and_tags(app, client):
    with app.app_context():
        admin = User.create(email="api@example.org", name="Api", role="admin")
        token = create_token("seo", ["content:read", "content:write"], user=admin, actor=SYSTEM)
        image = _image()
    headers = {"Authorization": f"Bearer {token[1]}"}
    made = client.post("/api/v1/admin/posts", headers=headers, json={
        "title": "Via the API", "status": "published", "tags": ["Grief", "Loss"],
        "seo_title": "Grief, explained", "social_image": image.id})  # fmt: skip
    assert made.status_code == 201, made.json
    assert made.json["tags"] == ["Grief", "Loss"]
    assert made.json["social_image_url"] == f"http://localhost/media/{image.id}"
    public = client.get("/api/v1/posts/via-the-api").json
    assert public["seo_title"] == "Grief, explained" and public["tags"] == ["Grief", "Loss"]
    listed = client.get("/api/v1/posts").json["items"]
    assert next(p for p in listed if p["slug"] == "via-the-api")["tags"] == ["Grief", "Loss"]
    for bad in ({"tags": "Grief"}, {"tags": [""]}, {"tags": ["x" * 61]}, {"seo_title": 5},
                {"social_image_url": "http://x"}):  # fmt: skip
        refused = client.patch(f"/api/v1/admin/posts/{made.json['id']}", headers=headers, json=bad)
        assert refused.status_code == 422, bad
    page = client.post("/api/v1/admin/pages", headers=headers,
                       json={"title": "Tagged page", "tags": ["No"]})  # fmt: skip
    assert page.status_code == 422
    with app.app_context():
        assert not Page.select().where(Page.title == "Tagged page").exists()
