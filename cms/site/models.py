"""Site-wide data: settings, switchable notices, header navigation, the change counter."""

import json

from flask import g
from peewee import (
    JOIN,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from ..content.models import Category, Page, Post
from ..core import clock
from ..core.cache import memo
from ..core.db import BaseModel, db

AVAILABILITY_STATES = {
    "accepting": "Accepting new clients",
    "waitlist": "Waitlist",
    "not_accepting": "Not accepting new clients",
}
CRISIS_NOTICE = "contact-crisis"  # shown with the contact form whatever its switch says

# Every setting with its default; the database stores only what was changed.
DEFAULT_SETTINGS = {
    "site_title": "Practice",
    "tagline": "",
    "practitioner_name": "",
    "credentials": "",
    "registration_college": "",
    "registration_number": "",
    "contact_email": "",
    "phone": "",
    "city": "",
    "office_address": "",
    "show_office_address": False,
    "office_hours": "",
    "show_office_hours": False,
    "social_links": [],  # list of {"label": ..., "url": ...}
    "accent_color": "#2f5d62",
    "logo_media_id": None,
    "favicon_media_id": None,
    "availability": "not_accepting",
    "availability_everywhere": True,  # the availability notice on every public page
    "timezone": "America/Toronto",
    "posts_per_page": 10,
    "demo_content": None,  # ids of demo rows, so they can be removed again
    "editors_can_read_messages": False,  # the contact inbox is for admins unless allowed
}


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = TextField()  # JSON


class Notice(BaseModel):
    """A switchable message. Availability notices show only for their state.

    The availability notices are switched on and off together; the crisis notice always shows.
    """

    key = CharField(unique=True)
    label = CharField()
    body = TextField(default="")
    body_html = TextField(default="")
    link_label = CharField(default="")
    link_url = CharField(default="")
    link_page = ForeignKeyField(Page, null=True, on_delete="SET NULL")
    placement = CharField(default="banner")
    availability_state = CharField(null=True)
    enabled = BooleanField(default=True)
    starts_at = DateTimeField(null=True)
    ends_at = DateTimeField(null=True)
    position = IntegerField(default=0)
    updated_at = DateTimeField(default=clock.utcnow)

    @classmethod
    def active(cls, placement: str | None = None):
        """Notices switched on, inside their time window, and matching availability; and
        the crisis notice, whatever its switch and window say."""
        now = clock.utcnow()
        # The linked page comes with the notice: `href` reads it on every page shown.
        # Only what `href` needs of the page: its text would be read (and built) for nothing.
        linked = (Page.id, Page.slug, Page.status, Page.deleted_at, Page.published_at)
        query = (
            cls.select(cls, *linked)
            .join(Page, JOIN.LEFT_OUTER)
            .where(
                (cls.key == CRISIS_NOTICE)
                | (
                    cls.enabled
                    & (cls.starts_at.is_null() | (cls.starts_at <= now))
                    & (cls.ends_at.is_null() | (cls.ends_at > now))
                    & (
                        cls.availability_state.is_null()
                        | (cls.availability_state == availability())
                    )
                )
            )
        )
        if placement:
            query = query.where(cls.placement == placement)
        return query.order_by(cls.position, cls.id)

    @property
    def always_shown(self) -> bool:
        """True for the crisis notice: its text is editable, its visibility is not."""
        return self.key == CRISIS_NOTICE

    @property
    def href(self) -> str:
        """The link's address; none while the linked page is not live (a draft's address
        is not for visitors)."""
        if self.link_page_id:
            return f"/{self.link_page.slug}" if self.link_page.is_visible else ""
        return self.link_url


class NavItem(BaseModel):
    """One entry of the header menu: a page, or a fixed target such as the blog."""

    label = CharField()
    target = CharField()  # "home", "blog", "contact", "page", "url"
    page = ForeignKeyField(Page, null=True, on_delete="CASCADE")
    url = CharField(default="")
    position = IntegerField(default=0)

    @classmethod
    def menu(cls):
        """The header menu in the therapist's order."""
        return cls.select(cls, Page).join(Page, JOIN.LEFT_OUTER).order_by(cls.position, cls.id)

    @classmethod
    def shown(cls):
        """The header menu as visitors see it: links to pages that are not live are left
        out until the page is published."""
        return cls.menu().where((cls.target != "page") | Page.visible_clause())

    @property
    def href(self) -> str:
        fixed = {"home": "/", "blog": "/blog/", "contact": "/contact"}
        if self.target == "page" and self.page_id:
            return f"/{self.page.slug}"
        return fixed.get(self.target, self.url)


class SiteState(BaseModel):
    """One row; `version` is bumped by triggers on every content change."""

    version = IntegerField(default=0)


def _load_settings() -> dict:
    values = dict(DEFAULT_SETTINGS)
    for row in Setting.select():
        values[row.key] = json.loads(row.value)
    return values


def get_settings() -> dict:
    """All settings (defaults overlaid with stored values); treat the dict as read-only."""
    if "cms_settings" not in g:
        g.cms_settings = memo("settings", _load_settings)
    return g.cms_settings


def active_notices(placement: str) -> list:
    """The notices showing now in one place, kept until content or a time window changes
    (one query for every place)."""
    showing = memo("notices", lambda: list(Notice.active()))
    return [notice for notice in showing if notice.placement == placement]


def public_category(slug: str) -> Category | None:
    """The category with this slug if it has a published post; None for unknown ones and
    for those holding only drafts, scheduled or trashed posts (they stay private)."""
    category = Category.get_or_none(Category.slug == slug)
    if category is None or not Post.in_category(category, below=True).exists():
        return None
    return category


def setting(key: str):
    """One setting's value."""
    return get_settings()[key]


def save_settings(changes: dict) -> None:
    """Store changed settings in one transaction."""
    unknown = set(changes) - set(DEFAULT_SETTINGS)
    if unknown:
        raise KeyError(f"unknown settings: {', '.join(sorted(unknown))}")
    with db.atomic():
        for key, value in changes.items():
            Setting.replace(key=key, value=json.dumps(value)).execute()
    g.pop("cms_settings", None)


def availability() -> str:
    """The current availability state."""
    return setting("availability")
