"""Reading a portable export back, section by section, through the same services as the
editor (as SYSTEM): each item meets the editor's rules, and a refused one is named."""

import hashlib
import os
import re
from contextlib import contextmanager
from datetime import datetime

from flask import current_app

from ..accounts.actors import SYSTEM
from ..accounts.models import User
from ..content.categories import save_category
from ..content.imported import clear_revisions, import_revision, keep_import_times
from ..content.redirects import save_redirect
from ..content.service import save_page, save_post, trash
from ..core.validation import ValidationError, parse_datetime
from ..media.service import keep_upload_time, process_upload
from ..site.menu import save_menu
from ..site.models import Notice, availability
from ..site.notices import save_notice, save_switches
from ..site.settings import update_settings
from .bootstrap import ensure_notices

MEDIA_TYPES = {"image/jpeg", "image/png", "image/webp"}
ENTRY_FIELDS = ("title", "slug", "body", "excerpt", "meta_description", "status", "seo_title")
# Fields exports made before they existed lack: what such an entry had.
ENTRY_DEFAULTS = {"seo_title": "", "social_image": None, "tags": []}
REVISION_TERMS = ("seo_title", "social_image", "tags", "categories")
REVISION_FIELDS = ("kind", "title", "slug", "body", "excerpt", "meta_description", "status",
                   "note")  # fmt: skip
MEDIA_REF = re.compile(r"/media/([0-9]+)(?![0-9])")
MAX_POSITION = 999


class PortableError(Exception):
    """The export folder cannot be written or read (an import changes nothing then)."""


def _time(value) -> datetime | None:
    """A time from the export (ISO 8601) as naive UTC; anything else is a ValueError."""
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date and time")
    return parse_datetime(value)  # the one parser and year range (cms.core.validation)


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


def import_media(directory: str, items: list) -> dict[int, int]:
    """Each image through the upload pipeline; return {id in the export: id here}."""
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
            if created := _time(m["created_at"]):
                keep_upload_time(media, created, actor=SYSTEM)
            ids[m["id"]] = media.id
    return ids


def renumber(text, media: dict[int, int]):
    """Point /media/<id> references at the ids the images got here."""
    if not isinstance(text, str) or all(old == new for old, new in media.items()):
        return text
    return MEDIA_REF.sub(lambda m: f"/media/{media.get(int(m[1]), m[1])}", text)


def import_entries(kind: str, items: list, missing: set, media: dict) -> dict[str, int]:
    """Posts or pages with their authors and times; return {slug: id here}."""
    save = save_post if kind == "post" else save_page
    ids = {}
    for e in items:
        with _item(f"{kind} {e.get('slug')!r}"):
            e = ENTRY_DEFAULTS | e
            data = {f: e[f] for f in ENTRY_FIELDS} | {"published_at": e["published_at"]}
            data["body"] = renumber(data["body"], media)
            data["social_image"] = e["social_image"] and media.get(e["social_image"], -1)
            if kind == "post":
                image = e["featured_image"] and media.get(e["featured_image"], -1)
                data.update(categories=e["categories"], featured_image=image, tags=e["tags"])
            else:
                data.update(is_policy=e["is_policy"], effective_date=e["effective_date"] or "")
            email = e["author"]
            author = User.get_or_none(User.email == _text(email, "author")) if email else None
            if email and author is None:
                missing.add(email)
            times = {f: _time(e[f]) for f in ("created_at", "updated_at", "deleted_at")}
            entry = save(data, actor=SYSTEM, author=author, note="imported")
            if e["deleted_at"]:
                trash(entry, actor=SYSTEM)
            keep_import_times(entry, **times, actor=SYSTEM)
            ids[entry.slug] = entry.id
    return ids


def import_categories(items: list) -> None:
    """Each category through the editor's service; then each one under its parent."""
    made = []
    for c in items:
        with _item(f"category {c.get('slug')!r}"):
            made.append((save_category({**c, "parent": None}, actor=SYSTEM), c.get("parent")))
    for category, parent in made:
        if parent is not None:
            with _item(f"category {category.slug!r}"):
                if not isinstance(parent, str):
                    raise TypeError("parent must be a category's slug")
                save_category({"parent": parent}, category, actor=SYSTEM)


def _page_id(pages: dict, slug, label: str) -> int | None:
    if slug is None:
        return None
    if not isinstance(slug, str) or slug not in pages:
        raise PortableError(f"{label}: the page {slug!r} is not in the export.")
    return pages[slug]


def import_settings(values: dict, media: dict) -> None:
    """The settings, with logo and favicon pointed at the images' ids here."""
    values = dict(values)
    with _item("settings"):
        for key in ("logo_media_id", "favicon_media_id"):
            if values.get(key) not in (None, "", 0):
                values[key] = media.get(values[key], -1)  # -1: refused, no such image
        update_settings(values, actor=SYSTEM)


def import_notices(items: list, pages: dict, media: dict) -> None:
    """The site's own notices take the export's text, link, window and switch."""
    ensure_notices()
    shown = {n.id for n in Notice.select() if n.enabled}
    for n in items:
        label = f"notice {n.get('key')!r}"
        with _item(label):
            notice = Notice.get_or_none(Notice.key == _text(n["key"], "key"))
            if notice is None:
                raise PortableError(f"{label}: this version of practice-cms has no such notice.")
            data = {
                "body": renumber(n["body"], media), "link_label": n["link_label"],
                "link_url": n["link_url"], "link_page": _page_id(pages, n["link_page"], label),
            }  # fmt: skip
            if not notice.always_shown:  # the crisis notice has no window (older ones dropped)
                data.update(starts_at=_time(n["starts_at"]), ends_at=_time(n["ends_at"]))
            updated = _time(n["updated_at"])
            save_notice(notice, data, actor=SYSTEM, keep_past=True, updated_at=updated)
            if not isinstance(n["enabled"], bool):
                raise TypeError("enabled must be true or false")
            (shown.add if n["enabled"] else shown.discard)(notice.id)
    with _item("notices"):
        save_switches(availability(), shown, actor=SYSTEM)


def import_menu(items: list, pages: dict) -> None:
    """The header menu, in the export's order and with its order numbers."""
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
        save_menu(rows, actor=SYSTEM, positions=positions)  # the export's own order numbers


def import_redirects(items: list) -> None:
    """Each redirect as given (its own chains and time)."""
    for r in items:
        with _item(f"redirect {r.get('old_path')!r}"):
            save_redirect(r["old_path"], r["new_path"], _time(r["created_at"]), actor=SYSTEM)


def import_revisions(items: list, ids: dict, media: dict) -> None:
    """The earlier saved states, in place of those the import itself made."""
    clear_revisions(actor=SYSTEM)  # the site was empty: these are the import's own
    for r in items:
        with _item(f"revision of {r.get('kind')} {r.get('entry')!r}"):
            email = r["user"]
            user = User.get_or_none(User.email == _text(email, "user")) if email else None
            data = {f: r[f] for f in REVISION_FIELDS if f != "kind"}
            data.update(published_at=r["published_at"], effective_date=r["effective_date"])
            data["body"] = renumber(data["body"], media)
            # Recorded since 0017 (older exports lack them: not recorded); an image left
            # out of the export is one deleted since, so no image.
            data.update({f: r.get(f) for f in REVISION_TERMS})
            data["social_image"] = media.get(data["social_image"])
            entry_id = ids.get(r["kind"], {}).get(r["entry"], 0)
            import_revision(r["kind"], entry_id, data, user, _time(r["created_at"]), actor=SYSTEM)
