"""Categories: create, rename, merge, trash and restore (posts keep their other categories).

Open to both roles, like posts; each write logs one action (category.create, .update,
.merge, .trash, .restore) in its transaction.
"""

import json

from ..audit import record, writes
from ..core.db import db
from ..core.security import row_id
from ..core.validation import ConflictError, ValidationError, multi_line, single_line
from .fields import MAX_CATEGORIES, MAX_CATEGORY_NAME, MAX_DESCRIPTION, SLUG_TAKEN
from .models import Category, Post, PostCategory
from .records import CategoryTrash
from .redirects import point
from .slugs import make_slug, slug_taken
from .versions import category_version, locked_category


def categories_from(value) -> list[Category]:
    """Resolve category ids, slugs or Category objects; unknown ones are an error."""
    if value is not None and not isinstance(value, list | tuple):
        raise ValidationError({"categories": "Give a list of categories."})
    if len(value or ()) > MAX_CATEGORIES:
        raise ValidationError({"categories": f"Choose at most {MAX_CATEGORIES} categories."})
    found, unknown = [], []
    for item in value or []:
        if isinstance(item, Category):
            found.append(item)
            continue
        key = str(item).strip()
        cat = Category.get_or_none(Category.slug == key)
        if cat is None and row_id(key) is not None:
            cat = Category.get_or_none(Category.id == row_id(key))
        (found if cat else unknown).append(cat or key)
    if unknown:  # a reference to what is not there (now): a conflict, not a malformed value
        raise ConflictError({"categories": f"Unknown categories: {', '.join(map(str, unknown))}."})
    return list({c.id: c for c in found}.values())


def _given(data: dict, field: str, category):
    return data.get(field, getattr(category, field) if category else None)


def _checked(data: dict, category) -> tuple[str, str, str]:
    """(name, slug, description) as they will be stored. Raises ValidationError."""
    errors: dict[str, str] = {}
    name = single_line(
        _given(data, "name", category), "name", errors, limit=MAX_CATEGORY_NAME,
        required="A category needs a name.", refuse="name" in data,
    )  # fmt: skip
    description = multi_line(
        _given(data, "description", category), "description", errors, limit=MAX_DESCRIPTION,
        refuse="description" in data,
    )  # fmt: skip
    slug = single_line(data.get("slug"), "slug", errors)  # empty: keep it, or make it from the name
    slug = slug or (category.slug if category else make_slug(name))
    if slug != make_slug(slug):
        errors["slug"] = "Use lower-case letters, digits and hyphens only."
    if errors:
        raise ValidationError(errors)
    return name, slug, description


def _save(data: dict, category: Category | None, expected_version, actor) -> Category:
    name, slug, description = _checked(data, category)
    if slug_taken(Category, slug, category):
        raise ConflictError({"slug": SLUG_TAKEN})
    with db.atomic():
        if category is None:
            category = Category.create(name=name, slug=slug, description=description)
            record("category.create", category, actor)
            return category
        current = locked_category(category, expected_version)
        if category_version(current) != category_version(category):  # saved meanwhile, unchecked
            return _save(data, current, None, actor)
        old = category.slug
        category.name, category.slug, category.description = name, slug, description
        category.save()
        if old != slug:
            point(f"/category/{old}", f"/category/{slug}")
        record("category.update", category, actor)
        return category


@writes("category.create", "category.update", what="change categories")
def save_category(
    data: dict, category: Category | None = None, expected_version=None, *, actor
) -> Category:
    """Create or rename a category (expected_version: a category_version, as for posts)."""
    return _save(data, category, expected_version, actor)


@writes("category.merge", what="merge categories")
def merge_categories(source: Category, target: Category, *, actor) -> Category:
    """Move every post of `source` into `target`, then remove `source` (its URL redirects)."""
    if source.id == target.id:
        raise ValidationError({"target": "Choose a different category to merge into."})
    with db.atomic():
        already = PostCategory.select(PostCategory.post).where(PostCategory.category == target)
        PostCategory.update(category=target).where(
            (PostCategory.category == source) & PostCategory.post.not_in(already)
        ).execute()
        source.delete_instance()  # the remaining duplicate links cascade away
        point(f"/category/{source.slug}", f"/category/{target.slug}")
        record("category.merge", f"{source.name} → {target.name}", actor)
    return target


@writes("category.trash", what="delete categories")
def trash_category(category: Category, expected_version=None, *, actor) -> CategoryTrash:
    """Delete a category but keep it, with its post links, in the trash for restore_category."""
    with db.atomic():
        category = locked_category(category, expected_version)
        links = PostCategory.select().where(PostCategory.category == category)
        post_ids = [pc.post_id for pc in links]
        trashed = CategoryTrash.create(
            category_id=category.id, name=category.name, slug=category.slug,
            description=category.description, post_ids=json.dumps(post_ids),
        )  # fmt: skip
        record("category.trash", category, actor)
        category.delete_instance()  # its post links cascade away; posts keep the others
    return trashed


@writes("category.restore", what="restore categories")
def restore_category(trashed: CategoryTrash, *, actor) -> Category:
    """Bring a trashed category back (same id when free) with its posts that still exist."""
    if Category.select().where(Category.slug == trashed.slug).exists():
        raise ConflictError({"slug": "Another category now uses this slug; rename it first."})
    with db.atomic():
        free = not Category.select().where(Category.id == trashed.category_id).exists()
        fields = {"name": trashed.name, "slug": trashed.slug, "description": trashed.description}
        category = Category.create(**({"id": trashed.category_id} if free else {}), **fields)
        alive = Post.select(Post.id).where(Post.id.in_(json.loads(trashed.post_ids)))
        PostCategory.insert_many(
            [(post.id, category.id) for post in alive],
            fields=[PostCategory.post, PostCategory.category],
        ).execute()
        trashed.delete_instance()
        record("category.restore", category, actor)
    return category
