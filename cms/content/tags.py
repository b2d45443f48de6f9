"""Tags: free keywords of posts, their own taxonomy beside categories.

A post's tags are given by name (the editor's comma-separated field, the API's list, an
import); a name not yet used makes a new tag in the post's own save. Renaming and
removing a tag are writes of their own (tag.update, tag.delete); a removed tag's address
no longer answers, and its posts keep their other tags.
"""

from ..audit import record, writes
from ..core.db import db
from ..core.security import row_id
from ..core.validation import ConflictError, ValidationError, single_line
from .fields import MAX_TAG_NAME, MAX_TAGS, SLUG_TAKEN
from .models import Post, PostTag, Tag
from .redirects import point
from .slugs import make_slug, slug_taken


def split_tags(text: str) -> list[str]:
    """The names in a comma-separated field, in order, blanks and repeats left out."""
    return list(dict.fromkeys(part.strip() for part in (text or "").split(",") if part.strip()))


def tag_names(value) -> list[str]:
    """Checked tag names from a list (or a comma-separated string). Raises ValidationError."""
    if isinstance(value, str):
        value = split_tags(value)
    if not isinstance(value, list | tuple):
        raise ValidationError({"tags": "Give a list of tags."})
    errors: dict[str, str] = {}
    names = []
    for item in value:
        if isinstance(item, Tag):
            item = item.name
        if not isinstance(item, str):
            raise ValidationError({"tags": "Each tag is a name (a string)."})
        name = single_line(item, "tags", errors, limit=MAX_TAG_NAME, required="A tag needs a name.")
        if errors:
            raise ValidationError({"tags": f"{errors['tags']} ({item[:MAX_TAG_NAME]!r})"})
        if make_slug(name) not in {make_slug(n) for n in names}:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise ValidationError({"tags": f"Choose at most {MAX_TAGS} tags."})
    return names


def set_post_tags(post: Post, names: list[str]) -> list[Tag]:
    """Inside the post's save: link exactly these tags (made when new), by slug."""
    tags = []
    for name in names:
        slug = make_slug(name)
        tag = Tag.get_or_none(Tag.slug == slug) or Tag.create(name=name, slug=slug)
        tags.append(tag)
    PostTag.delete().where(PostTag.post == post).execute()
    if tags:
        PostTag.insert_many(
            [(post.id, t.id) for t in tags], fields=[PostTag.post, PostTag.tag]
        ).execute()
    return tags


def tag_of(key) -> Tag | None:
    """The tag with this slug or id, or None."""
    key = str(key).strip()
    tag = Tag.get_or_none(Tag.slug == key)
    if tag is None and row_id(key) is not None:
        tag = Tag.get_or_none(Tag.id == row_id(key))
    return tag


@writes("tag.update", what="change tags")
def save_tag(tag: Tag, data: dict, *, actor) -> Tag:
    """Rename a tag (its slug too, when given); the old address redirects to the new one."""
    errors: dict[str, str] = {}
    name = single_line(
        data.get("name", tag.name), "name", errors, limit=MAX_TAG_NAME,
        required="A tag needs a name.",
    )  # fmt: skip
    slug = single_line(data.get("slug"), "slug", errors) or tag.slug
    if slug != make_slug(slug):
        errors["slug"] = "Use lower-case letters, digits and hyphens only."
    if errors:
        raise ValidationError(errors)
    with db.atomic():
        if slug_taken(Tag, slug, tag):
            raise ConflictError({"slug": SLUG_TAKEN})
        old = tag.slug
        tag.name, tag.slug = name, slug
        tag.save()
        if old != slug:
            point(Tag.url_of(old), Tag.url_of(slug))
        record("tag.update", tag, actor)
    return tag


@writes("tag.delete", what="delete tags")
def delete_tag(tag: Tag, *, actor) -> None:
    """Remove a tag from every post and delete it."""
    with db.atomic():
        record("tag.delete", tag, actor)
        tag.delete_instance()  # its post links cascade away
