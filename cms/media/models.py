"""The image library's tables: an upload and its resized copies, bytes in the database."""

from peewee import (
    BlobField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from ..core import clock
from ..core.db import BaseModel


class Media(BaseModel):
    """An uploaded image; the bytes live in the database (one file to back up)."""

    URL = "/media/{}"

    filename = CharField()
    mime = CharField()
    width = IntegerField(default=0)
    height = IntegerField(default=0)
    alt = TextField(default="")
    data = BlobField()
    sha256 = CharField(index=True)
    created_at = DateTimeField(default=clock.utcnow)

    @classmethod
    def url_of(cls, media_id: int) -> str:
        """The public path of the image with this id."""
        return cls.URL.format(media_id)

    @property
    def url(self) -> str:
        return self.url_of(self.id)


class MediaVariant(BaseModel):
    """A smaller copy of an image, for srcset."""

    media = ForeignKeyField(Media, backref="variants", on_delete="CASCADE")
    width = IntegerField()
    height = IntegerField()
    mime = CharField()
    data = BlobField()
    sha256 = CharField()

    class Meta:
        indexes = ((("media", "width"), True),)


def media_url(media: Media) -> str:
    """The public address of the full-size image."""
    return f"/media/{media.id}/{media.filename}"


def srcset(media: Media) -> str:
    """The srcset value listing the variants and the original."""
    widths = MediaVariant.select(MediaVariant.width).where(MediaVariant.media == media)
    parts = [
        f"/media/{media.id}/w/{v.width} {v.width}w" for v in widths.order_by(MediaVariant.width)
    ]
    return ", ".join([*parts, f"{media_url(media)} {media.width}w"])
