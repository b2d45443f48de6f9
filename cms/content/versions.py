"""Versions of posts, pages and categories (their ETags), and reading them again under the
write lock, so a change made from a stale copy is refused instead of overwriting."""

from ..core.validation import ValidationError, check_version, version_token
from .models import Category, Post, PostCategory, PostTag

ENTRY_VERSIONED = (
    "title", "slug", "body", "excerpt", "meta_description", "status", "published_at",
    "updated_at", "deleted_at", "seo_title", "social_image_id",
)  # fmt: skip


def entry_version(entry) -> str:
    """The version of a post or page (its ETag): it changes with every save, trash and restore."""
    state = [type(entry).__name__, entry.id, *(getattr(entry, f) for f in ENTRY_VERSIONED)]
    if isinstance(entry, Post):
        links = PostCategory.select(PostCategory.category).where(PostCategory.post == entry.id)
        tags = PostTag.select(PostTag.tag).where(PostTag.post == entry.id)
        state += [entry.featured_image_id, sorted(link.category_id for link in links)]
        state += [sorted(link.tag_id for link in tags)]
    else:
        state += [entry.is_policy, entry.effective_date]
    return version_token(*state)


def category_version(category: Category) -> str:
    """The version of a category (its ETag)."""
    return version_token(
        category.id, category.name, category.slug, category.description, category.parent_id
    )


def locked_entry(model, entry, expected_version):
    """Under the write lock: the entry as stored now, if it is still the expected version."""
    current = model.get_or_none(model.id == entry.id)
    if current is None:
        raise ValidationError({"entry": "This post or page no longer exists."})
    check_version(expected_version, entry_version(current), current)
    return current


def locked_category(category: Category, expected_version) -> Category:
    """Under the write lock: the category as stored now, if it is still the expected version."""
    current = Category.get_or_none(Category.id == category.id)
    if current is None:
        raise ValidationError({"category": "This category no longer exists."})
    check_version(expected_version, category_version(current), current)
    return current
