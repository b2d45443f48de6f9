"""First start: create or upgrade the schema, ship the default notices, load demo content."""

from .content import render_markdown
from .db import connect, db, migrate, pending_migrations
from .models import Page
from .site import NavItem, Notice
from .totp import reseal_secrets

DEFAULT_NOTICES = [
    {
        "key": "availability-not-accepting",
        "label": "Availability: not accepting new clients",
        "availability_state": "not_accepting",
        "placement": "top",
        "body": "Thank you for your interest in working with me. "
        "I am no longer accepting new clients.",
        "position": 0,
    },
    {
        "key": "availability-waitlist",
        "label": "Availability: waitlist",
        "availability_state": "waitlist",
        "placement": "top",
        "body": "My practice is currently full. You are welcome to ask to be added to my "
        "waitlist, and I will contact you when a space opens.",
        "position": 0,
    },
    {
        "key": "availability-accepting",
        "label": "Availability: accepting new clients",
        "availability_state": "accepting",
        "placement": "top",
        "body": "I am currently accepting new clients. You are welcome to get in touch "
        "to book a free 15-minute consultation.",
        "position": 0,
    },
    {
        "key": "online-therapy",
        "label": "Online therapy banner",
        "placement": "banner",
        "body": "Secure online therapy sessions are available.",
        "link_label": "Learn more",
        "link_page_slug": "online-therapy",
        "position": 1,
    },
    {
        "key": "disclaimer",
        "label": "Terms of use disclaimer under every post",
        "placement": "post",
        "body": "**Terms & conditions of use / not a substitute for professional advice.** "
        "The articles on this site are general information only. They are not "
        "psychotherapy, counselling or medical advice, and reading them does not create "
        "a therapeutic relationship. If you need help, please contact a qualified "
        "professional.",
        "link_label": "Terms of use",
        "link_page_slug": "terms-of-use",
        "position": 2,
    },
    {
        "key": "contact-crisis",
        "label": "Crisis notice on the contact page",
        "placement": "contact",
        "body": "**If you are in crisis or in danger, do not use this form.** In an emergency "
        "call 911 or go to the nearest emergency department. In Canada you can call or "
        "text 9-8-8, the Suicide Crisis Helpline, at any time. This inbox is not "
        "monitored around the clock.",
        "position": 0,
    },
]

DEFAULT_MENU = [
    ("Home", "home", None),
    ("Blog", "blog", None),
    ("About", "page", "about"),
    ("Online therapy", "page", "online-therapy"),
    ("Contact", "contact", None),
]


def ensure_notices() -> None:
    """Create any default notice that does not exist yet (never overwrites edits)."""
    existing = {key for (key,) in Notice.select(Notice.key).tuples()}
    for spec in DEFAULT_NOTICES:
        if spec["key"] in existing:
            continue
        spec = dict(spec)
        slug = spec.pop("link_page_slug", None)
        page = Page.get_or_none(Page.slug == slug) if slug else None
        Notice.create(link_page=page, body_html=render_markdown(spec["body"]), **spec)


def link_notice_pages() -> None:
    """Point default notices at their pages once those pages exist."""
    for spec in DEFAULT_NOTICES:
        slug = spec.get("link_page_slug")
        page = Page.get_or_none(Page.slug == slug) if slug else None
        if page:
            Notice.update(link_page=page).where(
                (Notice.key == spec["key"]) & Notice.link_page.is_null() & (Notice.link_url == "")
            ).execute()


def ensure_menu() -> None:
    """Create the default header menu if there is none."""
    if NavItem.select().exists():
        return
    for position, (label, target, slug) in enumerate(DEFAULT_MENU):
        page = Page.get_or_none(Page.slug == slug) if slug else None
        if target == "page" and page is None:
            continue
        NavItem.create(label=label, target=target, page=page, position=position)


def prepare_database(app) -> None:
    """Migrate the schema; on a brand-new database add defaults (and demo content)."""
    with app.app_context():
        connect()
        try:
            fresh = not db.table_exists("site_state")
            if app.config["AUTO_MIGRATE"] or fresh:
                if not fresh and pending_migrations():
                    from .backup import create_backup

                    create_backup(app)  # an upgrade never starts without a way back
                migrate()
                reseal_secrets()  # here the secret key is the one this instance will use
            if fresh:
                with db.atomic():
                    ensure_notices()
                if app.config["DEMO_CONTENT"]:
                    from .demo import load_demo

                    load_demo()
                with db.atomic():
                    link_notice_pages()
                    ensure_menu()
        finally:
            # Never keep a connection opened before a server forks its workers.
            db.close()
