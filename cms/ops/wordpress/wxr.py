"""Read a WordPress export (WXR) file safely into plain data. Nothing here writes."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"


class WxrError(ValueError):
    """The file is not a WordPress export we can read safely."""


@dataclass
class Item:
    """One <item>: a post, page, attachment or anything else WordPress exports."""

    wp_id: int
    type: str
    status: str
    title: str
    slug: str
    link: str
    creator: str
    content: str
    excerpt: str
    date_gmt: datetime | None
    date_local: datetime | None
    parent: int
    attachment_url: str
    password: str = ""
    categories: list[tuple[str, str, str]] = field(default_factory=list)  # domain, slug, name
    meta: dict[str, str] = field(default_factory=dict)
    comments: int = 0
    menu_order: int = 0


@dataclass
class Export:
    """The parts of a WXR file an import needs."""

    base_url: str
    authors: dict[str, str]  # login -> e-mail
    categories: list[dict]  # term_id, slug, name, parent, description
    tags: list[dict]  # term_id, slug, name
    items: list[Item]
    menus: dict[str, str] = field(default_factory=dict)  # nav menu slug -> name


def _name(element: Element) -> str:
    """'wp:post_id', 'content:encoded', 'title': the tag with a stable prefix.

    WordPress changed its namespace URI between export versions (1.0, 1.1, 1.2), so the
    prefix is recognised by the URI's shape rather than an exact match.
    """
    tag = element.tag
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if uri == CONTENT_NS:
        return f"content:{local}"
    if uri == DC_NS:
        return f"dc:{local}"
    if uri.startswith("http://wordpress.org/export/"):
        return f"{'excerpt' if uri.rstrip('/').endswith('excerpt') else 'wp'}:{local}"
    return f"?:{local}"


def _text(element: Element, name: str) -> str:
    for child in element:
        if _name(child) == name:
            return (child.text or "").strip() if name != "content:encoded" else child.text or ""
    return ""


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _name(child) == name]


def _date(value: str) -> datetime | None:
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def _int(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _item(element: Element) -> Item:
    categories = [
        (c.get("domain", ""), unquote(c.get("nicename", "")), unescape((c.text or "").strip()))
        for c in _children(element, "category")
    ]
    meta = {
        _text(m, "wp:meta_key"): _text(m, "wp:meta_value")
        for m in _children(element, "wp:postmeta")
    }
    return Item(
        wp_id=_int(_text(element, "wp:post_id")),
        type=_text(element, "wp:post_type") or "post",
        status=_text(element, "wp:status") or "draft",
        title=unescape(_text(element, "title")),  # WordPress stores "&amp;" in some titles
        slug=unquote(_text(element, "wp:post_name")),
        link=_text(element, "link"),
        creator=_text(element, "dc:creator"),
        content=_text(element, "content:encoded"),
        excerpt=_text(element, "excerpt:encoded"),
        date_gmt=_date(_text(element, "wp:post_date_gmt")),
        date_local=_date(_text(element, "wp:post_date")),
        parent=_int(_text(element, "wp:post_parent")),
        attachment_url=_text(element, "wp:attachment_url"),
        password=_text(element, "wp:post_password"),
        categories=categories,
        meta=meta,
        comments=len(_children(element, "wp:comment")),
        menu_order=_int(_text(element, "wp:menu_order")),
    )


def _parse_tree(path: str) -> Element:
    try:
        # forbid_dtd: WordPress never writes a DTD, and a DTD is where entity bombs and
        # external entities (local file reads, network requests) live.
        return SafeET.parse(path, forbid_dtd=True).getroot()
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise WxrError(
            "The file declares a document type or entities. WordPress exports never do; "
            "such declarations can expand into gigabytes or read other files, so the file "
            "was not read."
        ) from None
    except ParseError as exc:
        raise WxrError(f"The file is not well-formed XML ({exc}).") from None
    except OSError as exc:
        raise WxrError(f"The file cannot be read: {exc.strerror or exc}.") from None


def parse(path: str) -> Export:
    """Parse a WXR file. Raises WxrError for hostile, malformed or non-WordPress files."""
    root = _parse_tree(path)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None or not _text(channel, "wp:wxr_version"):
        raise WxrError("The file is XML but not a WordPress export (no wp:wxr_version).")
    authors = {
        _text(a, "wp:author_login"): _text(a, "wp:author_email").lower()
        for a in _children(channel, "wp:author")
    }
    categories = [
        {
            "term_id": _int(_text(c, "wp:term_id")),
            "slug": unquote(_text(c, "wp:category_nicename")),
            "name": unescape(_text(c, "wp:cat_name")),  # stored as "Anxiety &amp; Panic"
            "parent": unquote(_text(c, "wp:category_parent")),
            "description": _text(c, "wp:category_description"),
        }
        for c in _children(channel, "wp:category")
    ]
    tags = [
        {
            "term_id": _int(_text(t, "wp:term_id")),
            "slug": unquote(_text(t, "wp:tag_slug")),
            "name": unescape(_text(t, "wp:tag_name")),
        }
        for t in _children(channel, "wp:tag")
    ]
    menus = {
        unquote(_text(t, "wp:term_slug")): unescape(_text(t, "wp:term_name"))
        for t in _children(channel, "wp:term")
        if _text(t, "wp:term_taxonomy") == "nav_menu"
    }
    base = _text(channel, "wp:base_site_url") or _text(channel, "link")
    return Export(
        base_url=base.rstrip("/"),
        authors=authors,
        categories=categories,
        tags=tags,
        items=[_item(i) for i in channel.findall("item")],
        menus=menus,
    )


def url_path(url: str) -> str:
    """The decoded path of a URL, without a trailing slash ('/' stays '/')."""
    return unquote(urlsplit(url).path).rstrip("/") or "/"


def old_address(url: str) -> str:
    """The path of an old address as a redirect keeps it: '/2024/05/a-post', or '/?p=12'
    for WordPress's plain permalinks (whose path alone is the home page)."""
    parts = urlsplit(url)
    path = unquote(parts.path).rstrip("/")
    return f"{path}/?{parts.query}" if parts.query else path or "/"


def sized_copies(item: Item) -> list[str]:
    """The file names of the smaller copies WordPress made of an image (from its metadata,
    stored as serialized PHP: ...s:4:"file";s:22:"calm-lake-300x200.jpg";...)."""
    meta = item.meta.get("_wp_attachment_metadata", "")
    return re.findall(r's:4:"file";s:\d+:"([^"/]+)"', meta)
