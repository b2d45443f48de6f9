"""Export all content to a portable folder (content.json + media files) and import it back.

The format names things by slug (media by id, because post bodies link to /media/<id>/),
holds no rendered HTML (it is rendered again on import, so an edited file cannot smuggle
markup past the sanitizer) and no accounts (authors are matched by e-mail).
"""

import hashlib
import json
import os
from datetime import date, datetime

from . import clock
from .content import render_markdown
from .db import db
from .models import Category, Media, Page, Post, Redirect, Revision, User
from .services import ValidationError, save_category, save_page, save_post, trash
from .site import NavItem, Notice, Setting, save_settings

FORMAT, VERSION = "practice-cms-export", 1
MEDIA_TYPES = {"image/jpeg", "image/png", "image/webp"}
ENTRY_FIELDS = ("title", "slug", "body", "excerpt", "meta_description", "status")
ENTRY_TIMES = ("published_at", "created_at", "updated_at", "deleted_at")
NOTICE_FIELDS = ("key", "label", "body", "link_label", "link_url", "placement",
                 "availability_state", "enabled", "position")  # fmt: skip
NOTICE_TIMES = ("starts_at", "ends_at", "updated_at")
REVISION_FIELDS = ("kind", "title", "slug", "body", "excerpt", "meta_description", "status",
                   "note")  # fmt: skip


class PortableError(Exception):
    """The export folder cannot be written or read (an import changes nothing then)."""


def _iso(value):
    return value.isoformat() if isinstance(value, datetime | date) else value


def _time(value):
    return datetime.fromisoformat(value) if value else None


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
    from .media import MediaVariant

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
    return content


def _file(directory: str, name: str, sha256: str) -> bytes:
    root = os.path.realpath(directory)
    path = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath([root, path]) != root or not os.path.isfile(path):
        raise PortableError(f"Media file {name} is missing or outside the export folder.")
    with open(path, "rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise PortableError(f"Media file {name} does not match its checksum.")
    return data


def _import_media(directory: str, items: list) -> None:
    from .media import MediaVariant

    for m in items:
        if m["mime"] not in MEDIA_TYPES or any(v["mime"] not in MEDIA_TYPES for v in m["variants"]):
            raise PortableError(f"Media {m['id']}: only JPEG, PNG and WebP images are accepted.")
        fields = {k: m[k] for k in ("id", "filename", "mime", "width", "height", "alt", "sha256")}
        Media.insert(
            **fields,
            created_at=_time(m["created_at"]),
            data=_file(directory, m["file"], m["sha256"]),
        ).execute()
        for v in m["variants"]:
            MediaVariant.create(
                media=m["id"], width=v["width"], height=v["height"], mime=v["mime"],
                sha256=v["sha256"], data=_file(directory, v["file"], v["sha256"]),
            )  # fmt: skip


def _import_entries(kind: str, items: list, missing: set) -> dict[str, int]:
    model, save = (Post, save_post) if kind == "post" else (Page, save_page)
    ids = {}
    for e in items:
        data = {f: e[f] for f in ENTRY_FIELDS} | {"published_at": e["published_at"]}
        if kind == "post":
            data.update(categories=e["categories"], featured_image=e["featured_image"])
        else:
            data.update(is_policy=e["is_policy"], effective_date=e["effective_date"] or "")
        author = User.get_or_none(User.email == e["author"]) if e["author"] else None
        if e["author"] and author is None:
            missing.add(e["author"])
        try:
            entry = save(data, user=author, note="imported")
        except ValidationError as exc:
            raise PortableError(f"{kind} {e['slug']!r}: {exc}") from None
        if e["deleted_at"]:
            trash(entry)
        times = {f: _time(e[f]) for f in ("created_at", "updated_at", "deleted_at")}
        model.update(**times).where(model.id == entry.id).execute()
        ids[entry.slug] = entry.id
    return ids


def _import_categories(items: list) -> None:
    for c in items:
        try:
            save_category(c)
        except ValidationError as exc:
            raise PortableError(f"category {c.get('slug')!r}: {exc}") from None


def _import_site_parts(content: dict, pages: dict) -> None:
    try:
        save_settings(content["settings"])
    except KeyError as exc:
        raise PortableError(f"Settings: {exc}") from None
    Notice.delete().execute()
    for n in content["notices"]:
        Notice.create(
            **{f: n[f] for f in NOTICE_FIELDS}, **{f: _time(n[f]) for f in NOTICE_TIMES},
            body_html=render_markdown(n["body"]), link_page=pages.get(n["link_page"]),
        )  # fmt: skip
    NavItem.delete().execute()
    for n in content["nav"]:
        NavItem.create(
            page=pages.get(n["page"]), **{k: n[k] for k in ("label", "target", "url", "position")}
        )
    for r in content["redirects"]:
        Redirect.replace(
            old_path=r["old_path"], new_path=r["new_path"], created_at=_time(r["created_at"])
        ).execute()


def _import_revisions(items: list, ids: dict) -> None:
    Revision.delete().execute()  # the site was empty: these are the import's own
    for r in items:
        user = User.get_or_none(User.email == r["user"]) if r["user"] else None
        Revision.create(
            **{f: r[f] for f in REVISION_FIELDS}, object_id=ids[r["kind"]].get(r["entry"], 0),
            published_at=_time(r["published_at"]), created_at=_time(r["created_at"]),
            effective_date=r["effective_date"], user=user,
        )  # fmt: skip


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
    try:
        with db.atomic():
            _import_media(directory, content["media"])
            _import_categories(content["categories"])
            pages = _import_entries("page", content["pages"], missing)
            posts = _import_entries("post", content["posts"], missing)
            _import_site_parts(content, {slug: Page.get_by_id(i) for slug, i in pages.items()})
            if "revisions" in content:
                _import_revisions(content["revisions"], {"page": pages, "post": posts})
    except (KeyError, TypeError, ValueError) as exc:
        raise PortableError(f"content.json is incomplete or malformed ({exc!r}).") from None
    counts = {k: len(content[k]) for k in ("categories", "media", "pages", "posts", "notices")}
    if missing:
        counts["authors without an account here (left blank)"] = len(missing)
    return counts
