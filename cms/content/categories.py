"""Categories: create, rename, merge, trash and restore (posts keep their other categories).

Open to both roles, like posts; each write logs one action (category.create, .update,
.merge, .trash, .restore) in its transaction.
"""

import json

from ..audit import record, writes
from ..core.db import db
from ..core.security import row_id
from ..core.validation import ConflictError, ValidationError, multi_line, single_line
from .fields import (
    MAX_CATEGORIES,
    MAX_CATEGORY_DEPTH,
    MAX_CATEGORY_NAME,
    MAX_DESCRIPTION,
    SLUG_TAKEN,
)
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


def _height(category_id: int) -> int:
    """Levels of categories below this one (0 for a leaf), bounded by the depth limit."""
    level, height, seen = [category_id], 0, {category_id}
    while height <= MAX_CATEGORY_DEPTH:
        level = [c.id for c in Category.select(Category.id).where(Category.parent.in_(level))]
        level = [i for i in level if i not in seen]
        if not level:
            return height
        seen.update(level)
        height += 1
    return height


def checked_parent(value, category) -> Category | None:
    """The parent a category may have: an existing other category, not one below it, and
    not so deep that the tree passes MAX_CATEGORY_DEPTH levels. Raises ValidationError."""
    if value in (None, "", 0, "0"):
        return None
    parent = value if isinstance(value, Category) else None
    if parent is None and isinstance(value, int | str) and not isinstance(value, bool):
        key = str(value).strip()
        parent = Category.get_or_none(Category.slug == key)
        if parent is None and row_id(key) is not None:
            parent = Category.get_or_none(Category.id == row_id(key))
    if parent is None:
        raise ConflictError({"parent": "No such category."})
    chain = [parent, *parent.ancestors()]
    if category is not None and any(c.id == category.id for c in chain):
        raise ValidationError({"parent": "A category cannot sit under itself or one below it."})
    below = _height(category.id) if category is not None else 0
    if len(chain) + 1 + below > MAX_CATEGORY_DEPTH:
        raise ValidationError(
            {"parent": f"Categories nest at most {MAX_CATEGORY_DEPTH} levels deep."}
        )
    return parent


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
        # Under the write lock: a concurrent save cannot make a cycle meanwhile.
        parent = checked_parent(data.get("parent", category and category.parent_id), category)
        if category is None:
            category = Category.create(name=name, slug=slug, description=description, parent=parent)
            record("category.create", category, actor)
            return category
        current = locked_category(category, expected_version)
        if category_version(current) != category_version(category):  # saved meanwhile, unchecked
            return _save(data, current, None, actor)
        old = category.slug
        category.name, category.slug, category.description = name, slug, description
        category.parent = parent
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
        children = [c.id for c in Category.select(Category.id).where(Category.parent == category)]
        trashed = CategoryTrash.create(
            category_id=category.id, name=category.name, slug=category.slug,
            description=category.description, post_ids=json.dumps(post_ids),
            parent_id=category.parent_id, child_ids=json.dumps(children),
        )  # fmt: skip
        record("category.trash", category, actor)
        # Its post links cascade away (posts keep the others); its children move to the top.
        category.delete_instance()
    return trashed


@writes("category.restore", what="restore categories")
def restore_category(trashed: CategoryTrash, *, actor) -> Category:
    """Bring a trashed category back (same id when free) with its posts that still exist."""
    if Category.select().where(Category.slug == trashed.slug).exists():
        raise ConflictError({"slug": "Another category now uses this slug; rename it first."})
    with db.atomic():
        free = not Category.select().where(Category.id == trashed.category_id).exists()
        fields = {"name": trashed.name, "slug": trashed.slug, "description": trashed.description}
        parent = Category.get_or_none(Category.id == trashed.parent_id)
        category = Category.create(
            **({"id": trashed.category_id} if free else {}), **fields, parent=parent
        )
        # Children still at the top (not moved elsewhere meanwhile) come back under it.
        above = [c.id for c in category.ancestors()]  # none of them may come under it
        Category.update(parent=category).where(
            Category.id.in_(json.loads(trashed.child_ids or "[]"))
            & Category.parent.is_null()
            & Category.id.not_in(above)
        ).execute()
        alive = Post.select(Post.id).where(Post.id.in_(json.loads(trashed.post_ids)))
        PostCategory.insert_many(
            [(post.id, category.id) for post in alive],
            fields=[PostCategory.post, PostCategory.category],
        ).execute()
        trashed.delete_instance()
        record("category.restore", category, actor)
    return category
