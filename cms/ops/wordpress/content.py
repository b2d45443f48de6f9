"""WordPress post HTML -> tidy Markdown (or sanitized HTML when Markdown would lose things).

Shortcodes become plain HTML or disappear, embeds become links (the public site loads
nothing from other origins), and images are handed to a resolver that imports them.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Comment
from markdownify import MarkdownConverter

from ...content.render import BODY_IMAGE_SIZES
from ...content.sanitize import clean_html
from ...media.models import Media, srcset
from .blocks import (
    expand_reusable,
    finish_captions,
    finish_footnotes,
    link_card,
    mark_caption,
    tidy_blocks,
)

# Shortcodes we know by name; others are recognised by attributes or a closing tag, so
# ordinary bracketed text such as "[sic]" or "[1]" stays.
KNOWN_SHORTCODES = {"gallery", "embed", "video", "audio", "playlist", "caption", "wp_caption",
                    "youtube", "vimeo", "contact-form-7", "contact-form", "soundcloud"}  # fmt: skip
SHORTCODE = re.compile(
    r"\[(\[?)([A-Za-z][\w-]*)((?:\s+[^\]]*)?)\](?:(.*?)\[/\2\])?(\]?)", re.DOTALL
)
ATTRIBUTE = re.compile(r'([\w-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|(\S+))')
# Elements plain Markdown expresses without loss; anything else keeps the HTML.
MARKDOWN_TAGS = {"p", "br", "a", "strong", "b", "em", "i", "ul", "ol", "li", "blockquote",
                 "h1", "h2", "h3", "h4", "h5", "h6", "img", "code", "pre", "hr"}  # fmt: skip
BLOCKS = r"(?:p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|iframe|dl|!--)"
BLOCK_START = re.compile(rf"^\s*</?{BLOCKS}\b", re.I)
OUTER_BLOCKS = r"(?:div|h[1-6]|ul|ol|blockquote|pre|table|figure|hr|dl)"
BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
EMBED_TAGS = ("iframe", "embed", "object", "video", "audio")


@dataclass
class Converted:
    """The converted body and what the conversion had to change."""

    body: str
    format: str  # "markdown" or "html"
    notes: list[str] = field(default_factory=list)


def _attrs(text: str) -> dict[str, str]:
    return {m[1].lower(): m[2] or m[3] or m[4] or "" for m in ATTRIBUTE.finditer(text or "")}


def replace_shortcodes(text: str, gallery: Callable[[list[int]], str], notes: list[str]) -> str:
    """Turn captions, embeds and galleries into HTML; drop other shortcodes, keep their text."""

    def replace(match: re.Match) -> str:
        escaped, name, raw_attrs, inner, closing = match.groups()
        if escaped and closing:  # [[name]] is how WordPress writes a literal [name]
            return match.group(0)[1:-1]
        name_l, attrs = name.lower(), _attrs(raw_attrs)
        if name_l not in KNOWN_SHORTCODES and not raw_attrs.strip() and inner is None:
            return match.group(0)
        if name_l in ("caption", "wp_caption"):
            inner = inner or ""
            image = re.search(r"<a\b[^>]*>.*?</a>|<img\b[^>]*>", inner, re.S | re.I)
            caption = (inner[: image.start()] + inner[image.end() :]) if image else inner
            caption = caption.strip() or attrs.get("caption", "")
            figure = f"<p>{image.group(0) if image else ''}</p>"
            return figure + (f"<p><em>{mark_caption(caption)}</em></p>" if caption else "")
        if name_l in ("embed", "video", "audio", "youtube", "vimeo", "soundcloud"):
            url = (inner or "").strip() or attrs.get("src") or attrs.get("url") or ""
            url = url or next((v for k, v in attrs.items() if k in ("mp4", "mp3", "webm")), "")
            notes.append(f"embed [{name}] became a link")
            return link_card(url)
        if name_l == "gallery":
            ids = [int(i) for i in re.findall(r"\d+", attrs.get("ids", ""))]
            return gallery(ids)
        notes.append(f"unknown shortcode [{name}] removed")
        return replace_shortcodes(inner or "", gallery, notes)

    return SHORTCODE.sub(replace, text)


def autop(text: str) -> str:
    """WordPress's classic editor stores paragraphs as blank lines; make them <p>."""
    text = text.replace("\r\n", "\n")
    # Block elements are paragraphs of their own even without blank lines around them.
    text = re.sub(rf"(<{OUTER_BLOCKS}\b)", r"\n\n\1", text, flags=re.I)
    text = re.sub(rf"(</{OUTER_BLOCKS}>|<hr\b[^>]*>)", r"\1\n\n", text, flags=re.I)
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "\n".join(
        b if BLOCK_START.match(b) else "<p>" + b.replace("\n", "<br>\n") + "</p>" for b in blocks
    )


def _tidy(soup: BeautifulSoup, links: Callable, image: Callable, notes: list[str]) -> None:
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    for tag in soup.find_all(["script", "style", "noscript", "form"]):
        notes.append(f"<{tag.name}> removed")
        tag.decompose()
    for tag in soup.find_all(EMBED_TAGS):
        src = tag.get("src") or tag.get("data") or ""
        notes.append(f"<{tag.name}> embed became a link" if src else f"<{tag.name}> removed")
        tag.replace_with(BeautifulSoup(link_card(src), "html.parser") if src else "")
    for tag in soup.find_all(["div", "span", "figure", "section", "article"]):
        tag.unwrap()
    for tag in soup.find_all("figcaption"):
        tag.name = "p"
        tag.string = mark_caption(tag.get_text(" ", strip=True))
        tag.string.wrap(soup.new_tag("em"))
    for tag in soup.find_all("img"):
        src = image(tag.get("src", ""), tag.get("alt", ""))
        if src is None:
            tag.decompose()
            continue
        alt = tag.get("alt", "")
        tag.attrs = {"src": src, "alt": alt}
    for tag in soup.find_all("a"):
        href = tag.get("href", "")
        local = image(href, None) if re.search(r"\.(jpe?g|png|webp|gif)$", href, re.I) else None
        images = tag.find_all("img")
        if local and len(images) == 1 and images[0].get("src") == local:
            tag.unwrap()  # a link from an image to its own file: the image is enough
            continue
        href = local or links(href)
        tag.attrs = {"href": href} | ({"title": tag["title"]} if tag.get("title") else {})
    for tag in soup.find_all(True):
        if tag.name not in ("a", "img", "td", "th", "ol", "code"):
            tag.attrs = {}
    for tag in soup.find_all("p"):  # left empty by removed images and embeds
        if not tag.get_text(strip=True) and not tag.find(["img", "br"]):
            tag.decompose()


def _sized(soup: BeautifulSoup) -> None:
    """Library images in HTML get their srcset and size, as the editor's snippet has them."""
    for tag in soup.find_all("img"):
        found = re.match(r"/media/(\d{1,18})/", tag.get("src", ""))
        media = Media.get_or_none(Media.id == int(found.group(1))) if found else None
        if media is not None:
            tag.attrs |= {"srcset": srcset(media), "sizes": BODY_IMAGE_SIZES,
                          "width": str(media.width), "height": str(media.height)}  # fmt: skip


def convert(
    html: str,
    image: Callable[[str, str | None], str | None],
    gallery: Callable[[list[int]], str],
    links: Callable[[str], str] = lambda href: href,
    blocks: dict[int, str] | None = None,
    footnotes: dict[str, str] | None = None,
) -> Converted:
    """Convert one post's HTML; `image(src, alt)` returns a local URL or None to drop it,
    `links(href)` the new address of a link, `blocks` the reusable blocks by id and
    `footnotes` the footnotes block's texts by id."""
    notes: list[str] = []
    classic = not re.search(r"<p[\s>]", html or "", re.I)  # the block editor writes <p> itself
    html = expand_reusable(html or "", blocks or {}, notes)
    html = BLOCK_COMMENT.sub("", html)  # <!-- wp:paragraph -->: the editor's, not the reader's
    text = replace_shortcodes(html, gallery, notes)
    text = autop(text) if classic else text
    soup = BeautifulSoup(text, "html.parser")
    order = tidy_blocks(soup, footnotes or {})
    _tidy(soup, links, image, notes)
    used = {tag.name for tag in soup.find_all(True)}
    if used <= MARKDOWN_TAGS:
        body = MarkdownConverter(
            heading_style="ATX", bullets="-", newline_style="backslash"
        ).convert_soup(soup)
        body = finish_captions(re.sub(r"\n{3,}", "\n\n", body).strip(), markdown=True)
        body = finish_footnotes(body, order, markdown=True)
        return Converted(body + "\n", "markdown", notes)
    kept = ", ".join(sorted(used - MARKDOWN_TAGS))
    notes.append(f"kept as HTML because of <{kept}>")
    _sized(soup)
    html = re.sub(r"\n{3,}", "\n\n", clean_html(str(soup)))
    html = finish_footnotes(finish_captions(html.strip(), markdown=False), order, markdown=False)
    return Converted(html + "\n", "html", notes)
