"""Markdown -> HTML -> clean_html(), excerpts and plain text. Runs once, at save."""

import functools
import re

from .sanitize import clean_html, clean_text


@functools.cache
def _markdown():
    """The Markdown parser, made on first use (readers' requests never need it)."""
    from markdown_it import MarkdownIt

    # CommonMark plus tables and strikethrough; raw HTML is parsed so the sanitizer, not
    # the Markdown parser, decides what survives (one allow-list, in one place).
    parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    # markdown-it's own link check would drop javascript: links silently; the sanitizer
    # does that job for links and raw HTML alike.
    parser.validateLink = lambda url: True
    return parser


EXCERPT_LENGTH = 240
# Pasted text can carry control characters (Word's line break is \v); the HTML parser
# would show them as "?", so line breaks become newlines and the rest are dropped.
_LINE_BREAKS = re.compile(r"[\x0b\x0c]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def markdown_only(text: str) -> str:
    """Markdown to raw HTML, h1 demoted (the page title is the only h1). Not yet safe."""
    text = _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text or ""))
    return re.sub(r"<(/?)h1\b", r"<\1h2", _markdown().render(text))


def render_markdown(text: str) -> str:
    """Render Markdown to sanitized HTML."""
    return clean_html(responsive_images(markdown_only(text)))


# An image from the media library, as Markdown writes it, not yet given sizes by hand.
_LIBRARY_IMG = re.compile(r'<img src="/media/(\d+)/[^"]*"(?![^>]*\b(?:srcset|width|height)=)')
BODY_IMAGE_SIZES = "(max-width: 44rem) 100vw, 42rem"


def responsive_images(html: str) -> str:
    """Give library images their srcset of resized copies and their size (no reflow)."""
    ids = {int(i) for i in _LIBRARY_IMG.findall(html) if len(i) < 19}  # SQLite's INTEGER
    if not ids:
        return html
    # Imported here: media imports the services, which import this module.
    from .media import srcset
    from .models import Media

    found = {m.id: m for m in Media.select().where(Media.id.in_(ids))}

    def add(match: re.Match) -> str:
        media = found.get(int(match.group(1)))
        if media is None:
            return match.group(0)
        return (
            f'{match.group(0)} srcset="{srcset(media)}" sizes="{BODY_IMAGE_SIZES}" '
            f'width="{media.width}" height="{media.height}"'
        )

    return _LIBRARY_IMG.sub(add, html)


def plain_text(html: str) -> str:
    """Readable plain text from HTML, whitespace collapsed."""
    return re.sub(r"[\s\x00-\x08\x0b-\x1f]+", " ", clean_text(html)).strip()


def make_excerpt(html: str, length: int = EXCERPT_LENGTH) -> str:
    """The first words of the text, cut at a word boundary."""
    text = plain_text(html)
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"
