"""The content model. Queries live on the models; writes go through cms.content.service."""

from urllib.parse import quote

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

STATUSES = ("draft", "published")


class AtSlug:
    """A row shown at a public path made of its slug: URL is the path's pattern."""

    URL = "/{}"

    @classmethod
    def url_of(cls, slug: str) -> str:
        """The public path of the row with this slug, percent-encoded like url_for."""
        return cls.URL.format(quote(slug, safe=""))

    @property
    def url(self) -> str:
        return self.url_of(self.slug)


class Category(AtSlug, BaseModel):
    URL = "/category/{}"

    name = CharField()
    slug = CharField(unique=True)
    description = TextField(default="")

    @property
    def feed_url(self) -> str:
        return self.url + "/feed.xml"

    @classmethod
    def with_counts(cls):
        """Categories that have visible posts, with a post_count each, by name."""
        return (
            cls.select(cls, fn.COUNT(Post.id).alias("post_count"))
            .join(PostCategory)
            .join(Post)
            .where(Post.visible_clause())
            .group_by(cls.id)
            .order_by(cls.name)
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

    @classmethod
    def in_category(cls, category, until=None):
        """Visible posts in a category, newest first.

        EXISTS keeps SQLite walking the publication-order index and stopping at the
        LIMIT, instead of sorting every post of the category.
        """
        member = PostCategory.select(SQL("1")).where(
            (PostCategory.post == cls.id) & (PostCategory.category == category)
        )
        return cls.live(until).where(fn.EXISTS(member))

    @classmethod
    def links(cls):
        """Visible posts with only what a link needs (no bodies), newest first."""
        return cls.live().select(cls.id, cls.title, cls.slug, cls.published_at)

    def recommended(self, limit: int = 3, candidates: int = 100, category_ids=None):
        """Other visible posts: those sharing most categories first, then the newest.

        Ranks the newest `candidates` posts that share a category (one query, ranked by
        SQLite), so the cost stays the same however many posts the site has; the newest
        posts fill up when too few share one.
        """
        mine = category_ids
        if mine is None:
            mine = [pc.category_id for pc in PostCategory.select().where(PostCategory.post == self)]
        ranked = []
        if mine:
            marks = ", ".join("?" * len(mine))
            ranked = list(
                Post.raw(
                    f"""SELECT id, title, slug, published_at FROM (
                      SELECT p.id, p.title, p.slug, p.published_at,
                        (SELECT COUNT(*) FROM post_category pc WHERE pc.post_id = p.id
                          AND pc.category_id IN ({marks})) AS shared
                      FROM post p
                      WHERE p.status = 'published' AND p.deleted_at IS NULL
                        AND p.published_at <= ? AND p.id != ?
                        AND EXISTS (SELECT 1 FROM post_category pc WHERE pc.post_id = p.id
                          AND pc.category_id IN ({marks}))
                      ORDER BY p.published_at DESC, p.id DESC LIMIT ?)
                    ORDER BY shared DESC, published_at DESC, id DESC LIMIT ?""",  # noqa: S608
                    *mine,
                    clock.utcnow(),
                    self.id,
                    *mine,
                    candidates,
                    limit,
                )
            )
        if len(ranked) < limit:
            taken = [self.id, *(p.id for p in ranked)]
            ranked += list(Post.links().where(Post.id.not_in(taken)).limit(limit - len(ranked)))
        return ranked

    def neighbours(self):
        """(previous, next) visible posts in publication order."""
        # Plain SQL: built once, not per request. The older side needs no "now" bound
        # (this post is visible), so SQLite seeks straight to this post in the index.
        visible = "status = 'published' AND deleted_at IS NULL"
        older = Post.raw(
            f"SELECT id, title, slug, published_at FROM post WHERE {visible}"  # noqa: S608
            " AND (published_at, id) < (?, ?) ORDER BY published_at DESC, id DESC LIMIT 1",
            self.published_at,
            self.id,
        )
        newer = Post.raw(
            f"SELECT id, title, slug, published_at FROM post WHERE {visible}"  # noqa: S608
            " AND (published_at, id) > (?, ?) AND published_at <= ?"
            " ORDER BY published_at, id LIMIT 1",
            self.published_at,
            self.id,
            clock.utcnow(),
        )
        return next(iter(older), None), next(iter(newer), None)


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
