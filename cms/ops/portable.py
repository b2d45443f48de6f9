"""Export all content to a portable folder (content.json + media files) and import it back.

The format names things by slug (media by id, because post bodies link to /media/<id>/),
holds no rendered HTML (it is rendered again on import, so an edited file cannot smuggle
markup past the sanitizer) and no accounts (authors are matched by e-mail).

An import writes through the same services as the editor, as an administrator: every
field meets the editor's rules, images are decoded and re-encoded like uploads, and the
whole import is one transaction, so a bad item leaves the site as it was.
"""

import json
import os
from datetime import date, datetime

from ..accounts.models import User
from ..content.models import Category, Page, Post
from ..content.records import Redirect, Revision
from ..content.revision_terms import exported_terms
from ..core import clock
from ..core.db import db
from ..media.models import Media, MediaVariant
from ..site.models import NavItem, Notice, Setting
from .portable_import import (
    ENTRY_FIELDS,
    REVISION_FIELDS,
    PortableError,
    import_categories,
    import_entries,
    import_media,
    import_menu,
    import_notices,
    import_redirects,
    import_revisions,
    import_settings,
)

FORMAT, VERSION = "practice-cms-export", 1
ENTRY_TIMES = ("published_at", "created_at", "updated_at", "deleted_at")
NOTICE_FIELDS = ("key", "label", "body", "link_label", "link_url", "placement",
                 "availability_state", "enabled", "position")  # fmt: skip
NOTICE_TIMES = ("starts_at", "ends_at", "updated_at")
SECTIONS = ("categories", "media", "pages", "posts", "notices", "nav", "redirects")


def _iso(value):
    return value.isoformat() if isinstance(value, datetime | date) else value


def _email(user_id) -> str | None:
    user = User.get_or_none(User.id == user_id) if user_id else None
    return user.email if user else None


def _entry(entry) -> dict:
    data = {f: getattr(entry, f) for f in ENTRY_FIELDS}
    data.update({f: _iso(getattr(entry, f)) for f in ENTRY_TIMES})
    data["author"] = _email(entry.author_id)
    data["social_image"] = entry.social_image_id
    if isinstance(entry, Post):
        data["featured_image"] = entry.featured_image_id
        data["categories"] = sorted(c.slug for c in entry.category_list)
        data["tags"] = [t.name for t in entry.tag_list]
    else:
        data.update(is_policy=entry.is_policy, effective_date=_iso(entry.effective_date))
    return data


def _media(item: Media, directory: str) -> dict:
    def write(name: str, data: bytes) -> str:
        with open(os.path.join(directory, "media", name), "wb") as fh:
            fh.write(data)
        return f"media/{name}"

    variants = MediaVariant.select().where(MediaVariant.media == item).order_by(MediaVariant.width)
    return {
        "id": item.id, "filename": item.filename, "mime": item.mime, "width": item.width,
        "height": item.height, "alt": item.alt, "sha256": item.sha256,
        "created_at": _iso(item.created_at),
        "file": write(f"{item.id}-{item.filename}", bytes(item.data)),
        "variants": [
            {"width": v.width, "height": v.height, "mime": v.mime, "sha256": v.sha256,
             "file": write(f"{item.id}-w{v.width}-{item.filename}", bytes(v.data))}
            for v in variants
        ],
    }  # fmt: skip


def export_site(directory: str, revisions: bool = True) -> dict[str, int]:
    """Write everything to directory/content.json and directory/media/; return counts."""
    os.makedirs(os.path.join(directory, "media"), exist_ok=True)
    slugs = {"post": dict(Post.select(Post.id, Post.slug).tuples()),
             "page": dict(Page.select(Page.id, Page.slug).tuples())}  # fmt: skip
    content = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": clock.utcnow().isoformat() + "Z",
        "settings": {
            s.key: json.loads(s.value)
            for s in Setting.select().order_by(Setting.key)
            if s.key != "demo_content"  # row ids of this site's demo, meaningless elsewhere
        },
        "categories": [
            {
                "name": c.name,
                "slug": c.slug,
                "description": c.description,
                "parent": c.parent.slug if c.parent_id else None,
            }
            for c in Category.select().order_by(Category.slug)
        ],
        "media": [_media(m, directory) for m in Media.select().order_by(Media.id)],
        "pages": [_entry(p) for p in Page.select().order_by(Page.id)],
        "posts": [_entry(p) for p in Post.select().order_by(Post.id)],
        "notices": [
            {
                **{f: getattr(n, f) for f in NOTICE_FIELDS},
                **{f: _iso(getattr(n, f)) for f in NOTICE_TIMES},
                "link_page": n.link_page.slug if n.link_page_id else None,
            }
            for n in Notice.select().order_by(Notice.key)
        ],  # fmt: skip
        "nav": [
            {
                "label": n.label,
                "target": n.target,
                "url": n.url,
                "position": n.position,
                "page": n.page.slug if n.page_id else None,
            }
            for n in NavItem.select().order_by(NavItem.position, NavItem.id)
        ],  # fmt: skip
        "redirects": [
            {"old_path": r.old_path, "new_path": r.new_path, "created_at": _iso(r.created_at)}
            for r in Redirect.select().order_by(Redirect.old_path)
        ],
    }
    if revisions:
        content["revisions"] = [
            {**{f: getattr(r, f) for f in REVISION_FIELDS},
             "entry": slugs.get(r.kind, {}).get(r.object_id),
             "published_at": _iso(r.published_at), "effective_date": _iso(r.effective_date),
             "created_at": _iso(r.created_at), "user": _email(r.user_id), **exported_terms(r)}
            for r in Revision.select().where(~Revision.autosave)  # unsaved typing stays home
            .order_by(Revision.created_at, Revision.id)
        ]  # fmt: skip
    with open(os.path.join(directory, "content.json"), "w") as fh:
        json.dump(content, fh, indent=1, ensure_ascii=False)
    keys = ("categories", "media", "pages", "posts", "notices", "redirects", "revisions")
    return {k: len(content[k]) for k in keys if k in content}


def _read(directory: str) -> dict:
    try:
        with open(os.path.join(directory, "content.json"), encoding="utf-8") as fh:
            content = json.load(fh)
    except FileNotFoundError:
        raise PortableError(f"{directory} has no content.json.") from None
    except (ValueError, OSError) as exc:
        raise PortableError(f"content.json cannot be read: {exc}") from None
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise PortableError("content.json is not a practice-cms export.")
    if content.get("version") != VERSION:
        raise PortableError(f"Export format version {content.get('version')} is not supported.")
    for key in (*SECTIONS, "revisions"):
        items = content.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise PortableError(f"content.json: {key} must be a list of objects.")
    if not isinstance(content.get("settings"), dict):
        raise PortableError("content.json: settings must be an object.")
    return content


def import_site(directory: str) -> dict[str, int]:
    """Import an export folder into a site without content, all or nothing."""
    content = _read(directory)
    existing = {m.__name__: m.select().count() for m in (Post, Page, Category, Media)}
    if any(existing.values()):
        found = ", ".join(f"{n} {name.lower()}" for name, n in existing.items() if n)
        raise PortableError(
            f"This site already has content ({found}). Import into an empty site: start it "
            "with CMS_DEMO_CONTENT=false, or run `flask --app app cms demo --remove`."
        )
    missing: set[str] = set()
    sections = {key: content.get(key, []) for key in SECTIONS}
    with db.atomic():
        media = import_media(directory, sections["media"])
        import_categories(sections["categories"])
        pages = import_entries("page", sections["pages"], missing, media)
        posts = import_entries("post", sections["posts"], missing, media)
        import_settings(content["settings"], media)
        import_notices(sections["notices"], pages, media)
        import_menu(sections["nav"], pages)
        import_redirects(sections["redirects"])
        if "revisions" in content:
            import_revisions(content["revisions"], {"page": pages, "post": posts}, media)
    counts = {k: len(sections[k]) for k in ("categories", "media", "pages", "posts", "notices")}
    if missing:
        counts["authors without an account here (left blank)"] = len(missing)
    return counts
