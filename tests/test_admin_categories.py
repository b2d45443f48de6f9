"""Categories in the editor go to the same trash as in the Admin API, and come back."""

from cms.accounts.actors import SYSTEM
from cms.audit import Activity
from cms.content.categories import save_category
from cms.content.models import Category, Post, PostCategory
from cms.content.records import CategoryTrash


def _categories_of(post_id: int) -> set[str]:
    links = PostCategory.select().join(Category).where(PostCategory.post == post_id)
    return {link.category.slug for link in links}


def test_delete_moves_to_the_trash_and_the_categories_screen_restores(client, auth, app):
    auth.login("editor@example.org")
    with app.app_context():
        resources = Category.get(Category.slug == "resources")
        both = Post.get(Post.title == "How to choose a therapist who fits")
        before = _categories_of(both.id)
    assert {"faq", "resources"} <= before
    client.post(f"/admin/categories/{resources.id}/delete")
    with app.app_context():
        assert Category.get_or_none(Category.id == resources.id) is None
        assert _categories_of(both.id) == before - {"resources"}  # the others stay
        trashed = CategoryTrash.get(CategoryTrash.category_id == resources.id)
    listing = client.get("/admin/categories").get_data(as_text=True)
    assert "Deleted categories" in listing and "Restore Resources" in listing
    response = client.post(f"/admin/categories/trash/{trashed.id}/restore")
    assert response.status_code == 302
    with app.app_context():
        assert Category.get_by_id(resources.id).slug == "resources"
        assert _categories_of(both.id) == before
        assert not CategoryTrash.select().exists()
        assert Activity.recent().first().action == "category.restore"
    assert "Deleted categories" not in client.get("/admin/categories").get_data(as_text=True)


def test_restore_refuses_a_slug_taken_in_the_meantime(client, auth, app):
    auth.login("editor@example.org")
    with app.app_context():
        faq = Category.get(Category.slug == "faq")
    client.post(f"/admin/categories/{faq.id}/delete")
    with app.app_context():
        save_category({"name": "New FAQ", "slug": "faq"}, actor=SYSTEM)
        trashed = CategoryTrash.get(CategoryTrash.category_id == faq.id)
    response = client.post(f"/admin/categories/trash/{trashed.id}/restore", follow_redirects=True)
    assert response.status_code == 200 and "rename it first" in response.get_data(as_text=True)
    with app.app_context():
        assert CategoryTrash.select().count() == 1
    assert client.post("/admin/categories/trash/999/restore").status_code == 404
