"""The content model. Queries live on the models; writes go through cms.content.service."""

from peewee import (
    SQL,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    TextField,
    fn,
)

from ..accounts.models import User
from ..core import clock
from ..core.db import BaseModel
from ..media.models import Media
from .paths import AtSlug

STATUSES = ("draft", "published")


class Category(AtSlug, BaseModel):
    URL = "/category/{}"

    name = CharField()
    slug = CharField(unique=True)
    description = TextField(default="")
    # A category may sit under another (migration 0013); cms.content.categories keeps the
    # tree free of cycles and shallower than MAX_CATEGORY_DEPTH.
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="SET NULL")

    def ancestors(self) -> list["Category"]:
        """The categories above this one, the top first (bounded: the tree has no cycles)."""
        chain, seen, node = [], {self.id}, self
        while node.parent_id is not None and node.parent_id not in seen:
            node = Category.get_or_none(Category.id == node.parent_id)
            if node is None:
                break
            seen.add(node.id)
            chain.append(node)
        return chain[::-1]

    def public_children(self) -> list["Category"]:
        """The categories right under this one that show a visible post, by name."""
        under = Category.select().where(Category.parent == self).order_by(Category.name)
        return [c for c in under if Post.in_category(c, below=True).exists()]

    @classmethod
    def family(cls, seed):
        """(top, member) rows: each category `seed` selects, paired with itself and with
        every category below it (UNION, so even a corrupt cycle ends)."""
        inner, family = cls.alias("inner"), seed.cte("family", True, columns=("top", "member"))
        below = inner.select(family.c.top, inner.id)
        return family.union(below.join(family, on=inner.parent == family.c.member))

    def family_ids(self) -> list[int]:
        """This category's id and those of every category below it."""
        family = Category.family(Category.select(Category.id, Category.id).where(
            Category.id == self.id))  # fmt: skip
        return [member for (member,) in family.select_from(family.c.member).tuples()]

    @property
    def feed_url(self) -> str:
        return self.url + "/feed.xml"

    @classmethod
    def with_counts(cls):
        """Categories that have visible posts in them or in a category below them, with a
        post_count each (a post in two of the family counted once), by name."""
        family = cls.family(cls.select(cls.id, cls.id))
        return (
            cls.select(cls, fn.COUNT(Post.id.distinct()).alias("post_count"))
            .join(family, on=(family.c.top == cls.id))
            .join(PostCategory, on=(PostCategory.category == family.c.member))
            .join(Post, on=(PostCategory.post == Post.id))
            .where(Post.visible_clause())
            .group_by(cls.id)
            .order_by(cls.name)
            .with_cte(family)
        )


class Entry(AtSlug, BaseModel):
    """Fields shared by posts and pages, and the words their queries are made of."""

    URL = "/{}"  # the public path of a slug

    title = CharField()
    slug = CharField(unique=True)
    body = TextField(default="")
    body_html = TextField(default="")
    excerpt = TextField(default="")
    # False: the excerpt is made from the text at every save (migration 0011).
    excerpt_typed = BooleanField(default=False)
    meta_description = TextField(default="")
    # SEO (migration 0013): <title> and og:title instead of the title; the image shared.
    seo_title = CharField(default="")
    social_image = ForeignKeyField(Media, null=True, backref="+", on_delete="SET NULL")
    status = CharField(default="draft", index=True)
    published_at = DateTimeField(null=True, index=True)
    created_at = DateTimeField(default=clock.utcnow)
    updated_at = DateTimeField(default=clock.utcnow)
    deleted_at = DateTimeField(null=True)

    @classmethod
    def visible_clause(cls, until=None):
        """SQL condition: published, not trashed, publish time reached (by `until` <= now)."""
        return (
            (cls.status == "published")
            & cls.deleted_at.is_null()
            & (cls.published_at <= (until or clock.utcnow()))
        )

    @classmethod
    def live(cls, until=None):
        """Visible entries, newest first; `until` (never later than now) narrows the range."""
        return (
            cls.select()
            .where(cls.visible_clause(until))
            .order_by(cls.published_at.desc(), cls.id.desc())
        )

    @classmethod
    def public_by_slug(cls, slug: str):
        """The visible entry with this slug, or None."""
        # Plain SQL (the visible_clause in words): read on every post and page view, where
        # building the query with peewee would cost more than running it.
        table = cls._meta.table_name
        found = cls.raw(
            f"SELECT * FROM {table} WHERE slug = ? AND status = 'published'"  # noqa: S608
            " AND deleted_at IS NULL AND published_at <= ? LIMIT 1",
            slug,
            clock.utcnow(),
        )
        return next(iter(found), None)

    @classmethod
    def current(cls):
        """Entries not in the trash."""
        return cls.select().where(cls.deleted_at.is_null())

    @classmethod
    def trashed(cls):
        """Entries in the trash."""
        return cls.select().where(cls.deleted_at.is_null(False))

    @classmethod
    def drafts(cls):
        """Drafts not in the trash."""
        return cls.current().where(cls.status == "draft")

    @classmethod
    def scheduled(cls):
        """Published entries not in the trash whose publish time is still ahead."""
        return cls.current().where(
            (cls.status == "published") & (cls.published_at > clock.utcnow())
        )

    @property
    def share_title(self) -> str:
        """The title for <title> and og:title: the SEO title when one is set."""
        return self.seo_title or self.title

    @property
    def share_image(self):
        """The image shared on social media (og:image): the social image, else the featured
        image (posts), else None."""
        if self.social_image_id:
            return self.social_image
        return self.featured_image if getattr(self, "featured_image_id", None) else None

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == "published"
            and self.published_at is not None
            and self.published_at > clock.utcnow()
        )

    @property
    def is_visible(self) -> bool:
        return (
            self.status == "published"
            and self.deleted_at is None
            and self.published_at is not None
            and self.published_at <= clock.utcnow()
        )


class Post(Entry):
    URL = "/blog/{}"

    author = ForeignKeyField(User, null=True, backref="posts", on_delete="SET NULL")
    featured_image = ForeignKeyField(Media, null=True, on_delete="SET NULL")

    class Meta:
        # Covers the sitemap's reads of id ranges (migration 0016).
        indexes = ((("id", "status", "deleted_at", "published_at", "slug", "updated_at"), False),)

    @property
    def category_list(self):
        """This post's categories by name (plain SQL: read on every post view)."""
        return list(
            Category.raw(
                "SELECT c.* FROM category c JOIN post_category pc ON pc.category_id = c.id"
                " WHERE pc.post_id = ? ORDER BY c.name, c.id",
                self.id,
            )
        )

    @property
    def tag_list(self):
        """This post's tags by name, case aside (plain SQL, as category_list)."""
        return list(
            Tag.raw(
                "SELECT t.* FROM tag t JOIN post_tag pt ON pt.tag_id = t.id"
                " WHERE pt.post_id = ? ORDER BY LOWER(t.name), t.id",
                self.id,
            )
        )

    @classmethod
    def in_category(cls, category, until=None, below=False):
        """Visible posts in a category (with `below`, or in one under it), newest first.

        EXISTS keeps SQLite walking the publication-order index and stopping at the
        LIMIT, instead of sorting every post of the category.
        """
        ids = category.family_ids() if below else [category]
        member = PostCategory.select(SQL("1")).where(
            (PostCategory.post == cls.id) & PostCategory.category.in_(ids)
        )
        return cls.live(until).where(fn.EXISTS(member))

    @classmethod
    def tagged(cls, tag, until=None):
        """Visible posts with a tag, newest first (EXISTS, as in_category)."""
        member = PostTag.select(SQL("1")).where((PostTag.post == cls.id) & (PostTag.tag == tag))
        return cls.live(until).where(fn.EXISTS(member))

    @classmethod
    def links(cls):
        """Visible posts with only what a link needs (no bodies), newest first."""
        return cls.live().select(cls.id, cls.title, cls.slug, cls.published_at)


class Page(Entry):
    author = ForeignKeyField(User, null=True, backref="pages", on_delete="SET NULL")
    is_policy = BooleanField(default=False)
    effective_date = DateField(null=True)

    @classmethod
    def policies(cls):
        """Visible policy pages, by title."""
        return cls.select().where(cls.visible_clause() & cls.is_policy).order_by(cls.title)


class PostCategory(BaseModel):
    post = ForeignKeyField(Post, backref="post_categories", on_delete="CASCADE")
    category = ForeignKeyField(Category, backref="post_categories", on_delete="CASCADE")

    class Meta:
        indexes = ((("post", "category"), True),)


class Tag(AtSlug, BaseModel):
    """A tag: a free-form keyword of posts, its own taxonomy beside categories (0013)."""

    URL = "/tag/{}"

    name = CharField()
    slug = CharField(unique=True)

    @property
    def feed_url(self) -> str:
        return self.url + "/feed.xml"

    @classmethod
    def with_counts(cls):
        """Tags that have visible posts, with a post_count each, by name."""
        return (
            cls.select(cls, fn.COUNT(Post.id).alias("post_count"))
            .join(PostTag)
            .join(Post)
            .where(Post.visible_clause())
            .group_by(cls.id)
            .order_by(cls.name)
        )


class PostTag(BaseModel):
    post = ForeignKeyField(Post, backref="post_tags", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, backref="post_tags", on_delete="CASCADE")

    class Meta:
        indexes = ((("post", "tag"), True),)
