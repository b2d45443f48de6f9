"""What a revision keeps beside the text (migration 0017): a post's tags and categories, and
the SEO title and social image of a post or page.

None in a column means not recorded (revisions made before 0017, and autosaves, which keep
only the typed text); restoring such a revision keeps what the entry has today. A tag or
category is kept as {"id", "slug", "name"}: restored by id while it still is the same one,
else by slug, else left out and named, as is a social image deleted since.
"""

import json

from ..core.security import row_id
from ..core.validation import ValidationError, single_line
from ..media.models import Media
from .fields import MAX_CATEGORIES, MAX_SEO_TITLE
from .models import Category, Post, Tag
from .slugs import make_slug
from .tags import tag_names

NOT_RECORDED = "not recorded"
TAXONOMIES = (("tags", Tag, "Tags", "tag"), ("categories", Category, "Categories", "category"))


def _term(row) -> dict:
    return {"id": row.id, "slug": row.slug, "name": row.name}


def recorded_terms(entry) -> dict:
    """The fields a revision of this entry keeps beside its text, as Revision.create takes them."""
    terms = {"seo_title": entry.seo_title, "social_image_id": entry.social_image_id}
    if isinstance(entry, Post):
        terms["tags"] = json.dumps([_term(t) for t in entry.tag_list])
        terms["categories"] = json.dumps([_term(c) for c in entry.category_list])
    return terms


def recorded(revision, column: str) -> list[dict] | None:
    """A revision's tags or categories as recorded, or None when they were not."""
    try:
        items = json.loads(getattr(revision, column) or "null")
    except ValueError:
        return None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return None
    return items


def _found(model, item: dict):
    """The tag or category a recorded one is now: the same id unless the id was reused."""
    row = model.get_or_none(model.id == item.get("id")) if type(item.get("id")) is int else None
    if row is not None and (row.slug == item.get("slug") or row.name == item.get("name")):
        return row
    return model.get_or_none(model.slug == str(item.get("slug") or ""))


def restored_terms(revision) -> tuple[dict, list[str]]:
    """The recorded fields as save data, and what of them no longer exists, in words."""
    data, gone = {}, []
    if revision.seo_title is not None:
        data["seo_title"] = revision.seo_title
        image = revision.social_image_id
        if image is None or Media.select().where(Media.id == image).exists():
            data["social_image"] = image
        else:
            gone.append("the social image")
    for column, model, _, word in TAXONOMIES:
        items = recorded(revision, column)
        if items is None:
            continue
        found = [(item, _found(model, item)) for item in items]
        rows = [row for _, row in found if row is not None]
        data[column] = [t.name for t in rows] if model is Tag else [c.id for c in rows]
        gone += [f"the {word} “{item.get('name')}”" for item, row in found if row is None]
    return data, gone


def missing_terms(revision) -> list[str]:
    """The recorded tags, categories and social image of a revision that no longer exist."""
    return restored_terms(revision)[1]


def _names(revision, column: str) -> str:
    items = recorded(revision, column)
    if items is None:
        return NOT_RECORDED
    return ", ".join(str(item.get("name")) for item in items) or "none"


def _image(revision) -> str:
    if revision.seo_title is None:
        return NOT_RECORDED
    if revision.social_image_id is None:
        return "none"
    media = Media.get_or_none(Media.id == revision.social_image_id)
    if media is None:
        return f"image {revision.social_image_id} (deleted since)"
    return f"{media.alt} ({media.filename})" if media.alt else media.filename


def term_changes(old, new) -> list[tuple[str, str, str]]:
    """(label, old, new) for the tags, categories, SEO title and social image two revisions
    differ in, as a person reads them."""
    sides = [
        (label, _names(old, column), _names(new, column)) for column, _, label, _ in TAXONOMIES
    ]
    seo = [NOT_RECORDED if r.seo_title is None else r.seo_title for r in (old, new)]
    sides.append(("SEO title", *seo))
    same_image = (old.seo_title is None) == (new.seo_title is None) and (
        old.social_image_id == new.social_image_id
    )
    if not same_image:
        sides.append(("Social image", _image(old), _image(new)))
    return [(label, before, after) for label, before, after in sides if before != after]


def exported_terms(revision) -> dict:
    """A revision's recorded fields in the portable format (tags by name, categories by slug)."""
    tags, categories = recorded(revision, "tags"), recorded(revision, "categories")
    return {
        "seo_title": revision.seo_title,
        "social_image": revision.social_image_id,
        "tags": None if tags is None else [t.get("name") for t in tags],
        "categories": None if categories is None else [c.get("slug") for c in categories],
    }


def _by_slug(model, slug: str, name: str) -> dict:
    row = model.get_or_none(model.slug == slug)
    return _term(row) if row else {"id": None, "slug": slug, "name": name}


def _imported_categories(value) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValidationError({"categories": "Give a list of category slugs."})
    if len(value) > MAX_CATEGORIES:
        raise ValidationError({"categories": f"Choose at most {MAX_CATEGORIES} categories."})
    return [_by_slug(Category, slug, slug) for slug in dict.fromkeys(value)]


def imported_terms(kind: str, data: dict) -> dict:
    """Checked recorded fields of an imported revision, as Revision.create takes them; those
    the import lacks are not recorded. Raises ValidationError."""
    errors: dict[str, str] = {}
    terms = {"seo_title": None, "social_image_id": None, "tags": None, "categories": None}
    if data.get("seo_title") is not None:
        seo_title = single_line(data["seo_title"], "seo_title", errors, limit=MAX_SEO_TITLE)
        image = data.get("social_image")
        if image is not None and (type(image) is not int or row_id(image) is None):
            errors["social_image"] = "An image is named by its id."
        if errors:
            raise ValidationError(errors)
        terms.update(seo_title=seo_title, social_image_id=image)
    if kind == "post" and data.get("tags") is not None:
        tags = [_by_slug(Tag, make_slug(name), name) for name in tag_names(data["tags"])]
        terms["tags"] = json.dumps(tags)
    if kind == "post" and data.get("categories") is not None:
        terms["categories"] = json.dumps(_imported_categories(data["categories"]))
    return terms
