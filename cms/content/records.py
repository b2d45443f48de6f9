"""What is kept beside the content: revisions, redirects and deleted categories."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from ..accounts.models import User
from ..core import clock
from ..core.db import BaseModel


class Revision(BaseModel):
    """A saved state of a post or page: who, when, what."""

    kind = CharField()  # "post" or "page"
    object_id = IntegerField()
    title = CharField()
    slug = CharField()
    body = TextField()
    excerpt = TextField(default="")
    excerpt_typed = BooleanField(default=False)
    meta_description = TextField(default="")
    status = CharField()
    published_at = DateTimeField(null=True)
    effective_date = DateField(null=True)
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=clock.utcnow)
    note = CharField(default="")
    autosave = BooleanField(default=False)  # kept while typing (cms.content.autosaves)
    # Recorded since migration 0017 (cms.content.revision_terms); None: not recorded.
    seo_title = TextField(null=True)  # None also leaves social_image_id unrecorded
    social_image_id = IntegerField(null=True)  # no foreign key: kept after the image goes
    tags = TextField(null=True)  # JSON list of {"id", "slug", "name"}
    categories = TextField(null=True)  # the same

    class Meta:
        indexes = ((("kind", "object_id", "created_at"), False),)

    @classmethod
    def history(cls, kind: str, object_id: int):
        """Saved revisions of one post or page (autosaves left out), newest first."""
        return (
            cls.select()
            .where((cls.kind == kind) & (cls.object_id == object_id) & ~cls.autosave)
            .order_by(cls.created_at.desc(), cls.id.desc())
        )


class Redirect(BaseModel):
    """An old path that answers 301 with a new one (changed slugs, imported URLs)."""

    old_path = CharField(unique=True)
    new_path = CharField()
    created_at = DateTimeField(default=clock.utcnow)


class CategoryTrash(BaseModel):
    """A deleted category, kept with its post links so it can be restored (migration 0005)."""

    category_id = IntegerField(index=True)
    name = CharField()
    slug = CharField()
    description = TextField(default="")
    post_ids = TextField()  # JSON list
    parent_id = IntegerField(null=True)  # where it sat, and what sat under it (0013)
    child_ids = TextField(default="[]")  # JSON list
    deleted_at = DateTimeField(default=clock.utcnow)
