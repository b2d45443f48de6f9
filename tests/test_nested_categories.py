"""Nested categories: a parent, no cycles, a depth bound; a parent's page and feed list its
children's posts; breadcrumbs; trash, restore and merge keep the tree; the editor and the
API set the parent; migration 0013 keeps an older site's content."""

import re
import sqlite3
from xml.etree import ElementTree

import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.accounts.tokens import create_token
from cms.content.categories import (
    merge_categories,
    restore_category,
    save_category,
    trash_category,
)
from cms.content.fields import MAX_CATEGORY_DEPTH
from cms.content.models import Category
from cms.content.service import save_post
from cms.core.db import configure, db, migrate
from cms.core.validation import ConflictError, ValidationError

ATOM = "{http://www.w3.org/2005/Atom}"


def _cat(name, parent=None):
    return save_category({"name": name, "parent": parent}, actor=SYSTEM)


def _chain(n):
    made = [_cat("Level 1")]
    for level in range(2, n + 1):
        made.append(_cat(f"Level {level}", made[-1].slug))
    return made


def test_a_category_cannot_sit_under_itself_or_one_below_it(ctx):
    top, middle, low = _chain(3)
    for parent in (top, middle, low):
        with pytest.raises(ValidationError) as problem:
            save_category({"parent": parent.id}, top, actor=SYSTEM)
        assert "under itself" in problem.value.errors["parent"]
    assert Category.get_by_id(top.id).parent_id is None


def test_nesting_stops_at_the_depth_bound_counting_what_hangs_below(ctx):
    chain = _chain(MAX_CATEGORY_DEPTH)
    with pytest.raises(ValidationError) as problem:
        _cat("Too deep", chain[-1].slug)
    assert f"{MAX_CATEGORY_DEPTH} levels" in problem.value.errors["parent"]
    # Moving a two-level branch under the deepest but one would pass the bound too.
    branch = _cat("Branch")
    _cat("Twig", branch.slug)
    with pytest.raises(ValidationError):
        save_category({"parent": chain[-2].slug}, branch, actor=SYSTEM)
    save_category({"parent": chain[-3].slug}, branch, actor=SYSTEM)  # exactly the bound
    assert [c.name for c in Category.get_by_id(branch.id).ancestors()] == ["Level 1", "Level 2"]


def test_an_unknown_parent_is_a_conflict(ctx):
    with pytest.raises(ConflictError):
        _cat("Orphan", "no-such-category")


def test_a_parents_page_and_feed_list_its_childrens_posts_with_breadcrumbs(ctx):
    top = _cat("Mental health")
    child = _cat("Anxiety", top.slug)
    grandchild = _cat("Panic", child.slug)
    save_post({"title": "On panic", "status": "published", "categories": [grandchild.slug]},
              actor=SYSTEM)  # fmt: skip
    save_post({"title": "Only a draft", "categories": [top.slug]}, actor=SYSTEM)
    client = ctx.test_client()
    html = client.get("/category/mental-health").get_data(as_text=True)
    assert "On panic" in html and "Only a draft" not in html
    assert '<a href="/category/anxiety">Anxiety</a>' in html  # its subcategory, listed
    feed = ElementTree.fromstring(client.get("/category/mental-health/feed.xml").data)
    assert [e.find(f"{ATOM}title").text for e in feed.iter(f"{ATOM}entry")] == ["On panic"]
    crumbs = client.get("/category/panic").get_data(as_text=True)
    trail = crumbs.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert trail.index("/category/mental-health") < trail.index("/category/anxiety")
    assert '<span aria-current="page">Panic</span>' in trail
    post = client.get("/blog/on-panic").get_data(as_text=True)
    trail = post.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert "/category/mental-health" in trail and "/category/panic" in trail
    assert '<span aria-current="page">On panic</span>' in trail


def test_a_parent_whose_posts_are_all_below_is_listed_everywhere_categories_are(ctx):
    top = _cat("Mental health")
    child = _cat("Anxiety", top.slug)
    grandchild = _cat("Panic", child.slug)
    save_post({"title": "On panic", "status": "published",
               "categories": [grandchild.slug, child.slug]}, actor=SYSTEM)  # fmt: skip
    save_post({"title": "Worry", "status": "published", "categories": [child.slug]},
              actor=SYSTEM)  # fmt: skip
    save_post({"title": "Only a draft", "categories": [top.slug]}, actor=SYSTEM)
    client = ctx.test_client()
    counts = {c["slug"]: c["post_count"] for c in client.get("/api/v1/categories").json["items"]}
    # A post in two categories of one family counts once for the family's top.
    assert {k: counts.get(k) for k in ("mental-health", "anxiety", "panic")} == {
        "mental-health": 2, "anxiety": 2, "panic": 1
    }  # fmt: skip
    archive = client.get("/archive").get_data(as_text=True)
    assert 'href="/category/mental-health"' in archive
    sitemap = client.get("/sitemap-pages.xml").get_data(as_text=True)
    assert "/category/mental-health</loc>" in sitemap


def test_a_parent_with_only_private_posts_below_stays_hidden(ctx):
    top = _cat("Hidden topic")
    _cat("Hidden child", top.slug)
    save_post({"title": "Draft", "categories": ["hidden-child"]}, actor=SYSTEM)
    client = ctx.test_client()
    assert client.get("/category/hidden-topic").status_code == 404
    assert client.get("/category/hidden-child").status_code == 404
    listed = [c["slug"] for c in client.get("/api/v1/categories").json["items"]]
    assert "hidden-topic" not in listed and "hidden-child" not in listed
    assert "/category/hidden-topic" not in client.get("/archive").get_data(as_text=True)


def test_trash_lifts_the_children_and_restore_puts_them_back(ctx):
    top, middle, low = _chain(3)
    trashed = trash_category(middle, actor=SYSTEM)
    assert Category.get_by_id(low.id).parent_id == top.id
    restored = restore_category(trashed, actor=SYSTEM)
    assert restored.parent_id == top.id
    assert Category.get_by_id(low.id).parent_id == restored.id


def test_merging_moves_the_children_to_the_merged_ones_parent(ctx):
    top, middle, low = _chain(3)
    other = _cat("Other")
    merge_categories(middle, other, actor=SYSTEM)
    assert Category.get_by_id(low.id).parent_id == top.id


def test_the_categories_admin_sets_a_parent_and_shows_the_tree(client, auth):
    auth.login()
    client.post("/admin/categories", data={"name": "Therapy"})
    therapy = Category.get(Category.slug == "therapy")
    client.post("/admin/categories", data={"name": "Couples", "parent": str(therapy.id)})
    couples = Category.get(Category.slug == "couples")
    assert couples.parent_id == therapy.id
    page = client.get(f"/admin/categories/{therapy.id}").get_data(as_text=True)
    assert f'value="{couples.id}"' not in page.split('name="parent"')[1].split("</select>")[0]
    listing = client.get("/admin/categories").get_data(as_text=True)
    assert "(under Therapy)" in listing
    refused = client.post(
        f"/admin/categories/{therapy.id}", data={"name": "Therapy", "parent": str(couples.id)}
    )
    assert refused.status_code == 200 and "under itself" in refused.get_data(as_text=True)
    assert Category.get_by_id(therapy.id).parent_id is None
    # The writing screen's checkboxes follow the tree and name each one's parents.
    client.post("/admin/categories", data={"name": "Anxiety"})
    writing = client.get("/admin/posts/new").get_data(as_text=True)
    boxes = writing.split("<legend>Categories</legend>")[1].split("</fieldset>")[0]
    labels = re.findall(r"<label[^>]*>([^<]+)</label>", boxes)
    assert labels.index("Therapy") + 1 == labels.index("Therapy › Couples"), labels
    assert "Couples" not in labels and "Anxiety" in labels


def admin_api(app, scopes=("content:read", "content:write")):
    """Headers of an Admin API token with these scopes, made for a new administrator."""
    with app.app_context():
        admin = User.create(email="script@example.org", name="Script", role="admin")
        token = create_token("script", list(scopes), user=admin, actor=SYSTEM)[1]
    return {"Authorization": f"Bearer {token}"}


def test_the_api_reads_and_writes_the_parent(app, client):
    headers = admin_api(app)
    top = client.post("/api/v1/admin/categories", json={"name": "Grief"}, headers=headers)
    child = client.post(
        "/api/v1/admin/categories", json={"name": "Loss", "parent": "grief"}, headers=headers
    )
    assert child.status_code == 201 and child.json["parent"] == "grief"
    cycle = client.patch(
        f"/api/v1/admin/categories/{top.json['id']}", json={"parent": child.json["id"]},
        headers=headers,
    )  # fmt: skip
    assert cycle.status_code == 422 and "under itself" in cycle.get_data(as_text=True)
    unknown = client.patch(
        f"/api/v1/admin/categories/{child.json['id']}", json={"parent": "nope"}, headers=headers
    )
    assert unknown.status_code == 409
    wrong = client.patch(
        f"/api/v1/admin/categories/{child.json['id']}", json={"parent": [1]}, headers=headers
    )
    assert wrong.status_code == 422
    lifted = client.patch(
        f"/api/v1/admin/categories/{child.json['id']}", json={"parent": None}, headers=headers
    )
    assert lifted.status_code == 200 and lifted.json["parent"] is None


def test_migration_0013_keeps_an_older_sites_categories_and_posts(tmp_path):
    path = str(tmp_path / "cms.sqlite3")
    configure(path)
    db.connect()
    migrate("0012_drop_login_failure")
    db.execute_sql("INSERT INTO category (name, slug, description) VALUES ('FAQ', 'faq', '')")
    db.execute_sql(
        "INSERT INTO post (title, slug, body, body_html, excerpt, excerpt_typed,"
        " meta_description, status, published_at, created_at, updated_at) VALUES ('Old', 'old',"
        " 'Kept', '<p>Kept</p>', '', 0, '', 'published', '2020-01-01 00:00:00',"
        " '2020-01-01 00:00:00', '2020-01-01 00:00:00')"
    )
    db.execute_sql("INSERT INTO post_category (post_id, category_id) VALUES (1, 1)")
    db.close()
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t", "TESTING": True})
    with app.app_context():
        db.connect(reuse_if_open=True)
        faq = Category.get(Category.slug == "faq")
        assert faq.parent_id is None
        html = app.test_client().get("/category/faq").get_data(as_text=True)
        assert 'href="/blog/old"' in html
        post = app.test_client().get("/blog/old").get_data(as_text=True)
        assert "<title>Old ·" in post  # no SEO title: the title
    db.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("SELECT seo_title, social_image_id FROM post").fetchall() == [("", None)]
    conn.close()
