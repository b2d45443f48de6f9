"""Export all content to a portable folder (content.json + media files) and import it back.

The format names things by slug (media by id, because post bodies link to /media/<id>/),
holds no rendered HTML (it is rendered again on import, so an edited file cannot smuggle
markup past the sanitizer) and no accounts (authors are matched by e-mail).

An import writes through the same services as the editor, as an administrator: every
field meets the editor's rules, images are decoded and re-encoded like uploads, and the
whole import is one transaction, so a bad item leaves the site as it was.
"""

import hashlib
import json
import os
import re
from contextlib import contextmanager
from datetime import date, datetime

from flask import current_app

from ..accounts.actors import SYSTEM
from ..accounts.models import User
from ..content.models import Category, Page, Post, Redirect, Revision
from ..content.service import (
    import_revision,
    save_category,
    save_page,
    save_post,
    save_redirect,
    trash,
)
from ..core import clock
from ..core.db import db
from ..core.validation import ValidationError, parse_datetime
from ..media.models import Media
from ..site.menu import save_menu
from ..site.models import NavItem, Notice, Setting, availability
from ..site.notices import save_notice, save_switches
from ..site.settings import update_settings

FORMAT, VERSION = "practice-cms-export", 1
MEDIA_TYPES = {"image/jpeg", "image/png", "image/webp"}
ENTRY_FIELDS = ("title", "slug", "body", "excerpt", "meta_description", "status")
ENTRY_TIMES = ("published_at", "created_at", "updated_at", "deleted_at")
NOTICE_FIELDS = ("key", "label", "body", "link_label", "link_url", "placement",
                 "availability_state", "enabled", "position")  # fmt: skip
NOTICE_TIMES = ("starts_at", "ends_at", "updated_at")
REVISION_FIELDS = ("kind", "title", "slug", "body", "excerpt", "meta_description", "status",
                   "note")  # fmt: skip
SECTIONS = ("categories", "media", "pages", "posts", "notices", "nav", "redirects")
MEDIA_REF = re.compile(r"/media/([0-9]+)(?![0-9])")
MAX_POSITION = 999


class PortableError(Exception):
    """The export folder cannot be written or read (an import changes nothing then)."""


def _iso(value):
    return value.isoformat() if isinstance(value, datetime | date) else value


def _time(value) -> datetime | None:
    """A time from the export (ISO 8601) as naive UTC; anything else is a ValueError."""
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date and time")
    return parse_datetime(value)  # the one parser and year range (cms.core.validation)


def _email(user_id) -> str | None:
    user = User.get_or_none(User.id == user_id) if user_id else None
    return user.email if user else None


def _entry(entry) -> dict:
    data = {f: getattr(entry, f) for f in ENTRY_FIELDS}
    data.update({f: _iso(getattr(entry, f)) for f in ENTRY_TIMES})
    data["author"] = _email(entry.author_id)
    if isinstance(entry, Post):
        data["featured_image"] = entry.featured_image_id
        data["categories"] = sorted(c.slug for c in entry.category_list)
    else:
        data.update(is_policy=entry.is_policy, effective_date=_iso(entry.effective_date))
    return data


def _media(item: Media, directory: str) -> dict:
    from ..media.models import MediaVariant

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
            {"name": c.name, "slug": c.slug, "description": c.description}
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
             "created_at": _iso(r.created_at), "user": _email(r.user_id)}
            for r in Revision.select().order_by(Revision.created_at, Revision.id)
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


@contextmanager
def _item(label: str):
    """Name the item at fault when the services refuse it or the file lacks a field."""
    try:
        yield
    except ValidationError as exc:
        raise PortableError(f"{label}: {exc}") from None
    except KeyError as exc:
        raise PortableError(
            f"{label}: the field {exc} is missing (content.json is incomplete or malformed)."
        ) from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise PortableError(f"{label}: content.json is incomplete or malformed ({exc}).") from None


def _file(directory: str, name: str, sha256: str) -> bytes:
    root = os.path.realpath(directory)
    path = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath([root, path]) != root or not os.path.isfile(path):
        raise PortableError(f"Media file {name} is missing or outside the export folder.")
    if os.path.getsize(path) > current_app.config["MAX_UPLOAD_BYTES"]:
        raise PortableError(f"Media file {name} is larger than an upload may be.")
    with open(path, "rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise PortableError(f"Media file {name} does not match its checksum.")
    return data


def _text(value, field: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field} must be text")
    return value


def _import_media(directory: str, items: list) -> dict[int, int]:
    """Each image through the upload pipeline; return {id in the export: id here}."""
    from ..media.service import process_upload

    ids: dict[int, int] = {}
    for m in items:
        with _item(f"media {m.get('id')!r}"):
            if m["mime"] not in MEDIA_TYPES:
                raise PortableError(f"Media {m['id']}: only JPEG, PNG and WebP are accepted.")
            if type(m["id"]) is not int or m["id"] in ids:
                raise ValueError("each image needs its own whole-number id")
            data = _file(directory, _text(m["file"], "file"), m["sha256"])
            media = process_upload(
                data, _text(m["filename"], "filename"), _text(m["alt"], "alt"), actor=SYSTEM
            )
            created = _time(m["created_at"]) or media.created_at
            Media.update(created_at=created).where(Media.id == media.id).execute()
            ids[m["id"]] = media.id
    return ids


def _renumber(text, media: dict[int, int]):
    """Point /media/<id> references at the ids the images got here."""
    if not isinstance(text, str) or all(old == new for old, new in media.items()):
        return text
    return MEDIA_REF.sub(lambda m: f"/media/{media.get(int(m[1]), m[1])}", text)


def _import_entries(kind: str, items: list, missing: set, media: dict) -> dict[str, int]:
    model, save = (Post, save_post) if kind == "post" else (Page, save_page)
    ids = {}
    for e in items:
        with _item(f"{kind} {e.get('slug')!r}"):
            data = {f: e[f] for f in ENTRY_FIELDS} | {"published_at": e["published_at"]}
            data["body"] = _renumber(data["body"], media)
            if kind == "post":
                image = e["featured_image"] and media.get(e["featured_image"], -1)
                data.update(categories=e["categories"], featured_image=image)
            else:
                data.update(is_policy=e["is_policy"], effective_date=e["effective_date"] or "")
            email = e["author"]
            author = User.get_or_none(User.email == _text(email, "author")) if email else None
            if email and author is None:
                missing.add(email)
            times = {f: _time(e[f]) for f in ("created_at", "updated_at", "deleted_at")}
            entry = save(data, user=author, note="imported")
            if e["deleted_at"]:
                trash(entry)
            model.update(**times).where(model.id == entry.id).execute()
            ids[entry.slug] = entry.id
    return ids


def _import_categories(items: list) -> None:
    for c in items:
        with _item(f"category {c.get('slug')!r}"):
            save_category(c)


def _page_id(pages: dict, slug, label: str) -> int | None:
    if slug is None:
        return None
    if not isinstance(slug, str) or slug not in pages:
        raise PortableError(f"{label}: the page {slug!r} is not in the export.")
    return pages[slug]


def _import_settings(values: dict, media: dict) -> None:
    values = dict(values)
    with _item("settings"):
        for key in ("logo_media_id", "favicon_media_id"):
            if values.get(key) not in (None, "", 0):
                values[key] = media.get(values[key], -1)  # -1: refused, no such image
        update_settings(values, actor=SYSTEM)


def _import_notices(items: list, pages: dict, media: dict) -> None:
    """The site's own notices take the export's text, link, window and switch."""
    from .bootstrap import ensure_notices

    ensure_notices()
    shown = {n.id for n in Notice.select() if n.enabled}
    for n in items:
        label = f"notice {n.get('key')!r}"
        with _item(label):
            notice = Notice.get_or_none(Notice.key == _text(n["key"], "key"))
            if notice is None:
                raise PortableError(f"{label}: this version of practice-cms has no such notice.")
            data = {
                "body": _renumber(n["body"], media), "link_label": n["link_label"],
                "link_url": n["link_url"], "link_page": _page_id(pages, n["link_page"], label),
            }  # fmt: skip
            if not notice.always_shown:  # the crisis notice has no window (older ones dropped)
                data.update(starts_at=_time(n["starts_at"]), ends_at=_time(n["ends_at"]))
            save_notice(notice, data, actor=SYSTEM, keep_past=True)
            updated = _time(n["updated_at"]) or clock.utcnow()
            Notice.update(updated_at=updated).where(Notice.id == notice.id).execute()
            if not isinstance(n["enabled"], bool):
                raise TypeError("enabled must be true or false")
            (shown.add if n["enabled"] else shown.discard)(notice.id)
    with _item("notices"):
        save_switches(availability(), shown, actor=SYSTEM)


def _import_menu(items: list, pages: dict) -> None:
    rows, positions = [], []
    for n in items:
        label = f"menu item {n.get('label')!r}"
        with _item(label):
            target = n["target"]
            if target == "page":
                target = f"page:{_page_id(pages, n['page'], label)}"
            rows.append({"label": n["label"], "target": target, "url": n["url"]})
            position = n["position"]
            if type(position) is not int or not 0 <= position <= MAX_POSITION:
                raise ValueError(f"position must be a whole number from 0 to {MAX_POSITION}")
            positions.append(position)
    with _item("menu"):
        save_menu(rows, actor=SYSTEM)
    # The menu keeps the export's order numbers (the order itself is the same).
    for item, position in zip(NavItem.menu(), positions, strict=True):
        NavItem.update(position=position).where(NavItem.id == item.id).execute()


def _import_redirects(items: list) -> None:
    for r in items:
        with _item(f"redirect {r.get('old_path')!r}"):
            save_redirect(r["old_path"], r["new_path"], _time(r["created_at"]))


def _import_revisions(items: list, ids: dict, media: dict) -> None:
    Revision.delete().execute()  # the site was empty: these are the import's own
    for r in items:
        with _item(f"revision of {r.get('kind')} {r.get('entry')!r}"):
            email = r["user"]
            user = User.get_or_none(User.email == _text(email, "user")) if email else None
            data = {f: r[f] for f in REVISION_FIELDS if f != "kind"}
            data.update(published_at=r["published_at"], effective_date=r["effective_date"])
            data["body"] = _renumber(data["body"], media)
            entry_id = ids.get(r["kind"], {}).get(r["entry"], 0)
            import_revision(r["kind"], entry_id, data, user, _time(r["created_at"]))


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
        media = _import_media(directory, sections["media"])
        _import_categories(sections["categories"])
        pages = _import_entries("page", sections["pages"], missing, media)
        posts = _import_entries("post", sections["posts"], missing, media)
        _import_settings(content["settings"], media)
        _import_notices(sections["notices"], pages, media)
        _import_menu(sections["nav"], pages)
        _import_redirects(sections["redirects"])
        if "revisions" in content:
            _import_revisions(content["revisions"], {"page": pages, "post": posts}, media)
    counts = {k: len(sections[k]) for k in ("categories", "media", "pages", "posts", "notices")}
    if missing:
        counts["authors without an account here (left blank)"] = len(missing)
    return counts
