"""Markdown -> HTML -> clean_html(), excerpts and plain text. Runs once, at save."""

import re

from markdown_it import MarkdownIt

from .sanitize import clean_html, clean_text

# CommonMark plus tables and strikethrough; raw HTML is parsed so the sanitizer, not the
# Markdown parser, decides what survives (one allow-list, in one place).
_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
_markdown.enable(["table", "strikethrough"])
# markdown-it's own link check would drop javascript: links silently; the sanitizer
# does that job for links and raw HTML alike.
_markdown.validateLink = lambda url: True

EXCERPT_LENGTH = 240


def render_markdown(text: str) -> str:
    """Render Markdown to sanitized HTML (demote h1: the page title is the only h1)."""
    html = _markdown.render(text or "")
    html = re.sub(r"<(/?)h1\b", r"<\1h2", html)
    return clean_html(html)


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
