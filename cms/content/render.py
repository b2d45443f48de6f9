"""Markdown -> HTML -> clean_html(), excerpts and plain text. Runs once, at save."""

import functools
import re

from markupsafe import escape

from .sanitize import TooComplex, check_time, clean_html, clean_text, time_budget

# Quotes and lists nested deeper than this are refused: markdown-it would silently drop
# everything after the point where it stops nesting.
MAX_NESTING = 20
TOO_NESTED = (
    f"This text nests quotes or lists more than {MAX_NESTING} levels deep (perhaps a long "
    "run of > signs), which cannot be shown."
)
# A save renders once, inside gunicorn's 30-second worker timeout; the live preview runs
# while the writer types, so it gives up sooner.
SAVE_SECONDS = 15
PREVIEW_SECONDS = 2


def _refuse_deep(state, start_line, end_line, silent) -> bool:
    """A block rule tried first at every block: refuse the level markdown-it would skip
    (and check the time budget)."""
    if state.level >= MAX_NESTING:
        raise TooComplex(TOO_NESTED)
    check_time()
    return False


BACK_TO_TEXT = "Back to the text"  # a footnote's link back (the sanitizer allows this label)


def _footnote_caption(self, tokens, idx, options, env) -> str:
    return f"[{tokens[idx].meta['id'] + 1}]"  # [2] at every reference, not [2:1]


def _footnote_anchor(self, tokens, idx, options, env) -> str:
    ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    if tokens[idx].meta.get("subId", -1) > 0:
        ident += f":{tokens[idx].meta['subId']}"
    return f' <a href="#fnref{ident}" class="footnote-backref" aria-label="{BACK_TO_TEXT}">↩</a>'


@functools.cache
def _markdown():
    """The Markdown parser, made on first use (readers' requests never need it)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    from .blocks import paragraph_blocks

    # CommonMark plus tables, strikethrough and the plugins below; raw HTML is parsed so the
    # sanitizer, not the Markdown parser, decides what survives (one allow-list, one place).
    options = {"html": True, "linkify": False, "typographer": False}
    parser = MarkdownIt("commonmark", dict(options, maxNesting=MAX_NESTING + 1))
    parser.block.ruler.before("table", "refuse_deep", _refuse_deep)
    parser.enable(["table", "strikethrough"])
    # Footnotes, definition lists, and figures and video cards (cms.content.blocks).
    parser.use(footnote_plugin).use(deflist_plugin)
    parser.add_render_rule("footnote_caption", _footnote_caption)
    parser.add_render_rule("footnote_anchor", _footnote_anchor)
    parser.core.ruler.push("paragraph_blocks", paragraph_blocks)
    # markdown-it's own link check would drop javascript: links silently; the sanitizer
    # does that job for links and raw HTML alike.
    parser.validateLink = lambda url: True
    return parser


EXCERPT_LENGTH = 240
# Pasted text can carry control characters (Word's line break is \v); the HTML parser
# would show them as "?", so line breaks become newlines and the rest are dropped, with
# the noncharacters (U+FDD0..., U+FFFE...), which it reports one by one, slowly.
_LINE_BREAKS = re.compile(r"[\x0b\x0c]")
_NONCHARACTERS = "".join(
    chr(plane + n) for plane in range(0, 0x110000, 0x10000) for n in (0xFFFE, 0xFFFF)
)
_CONTROLS = re.compile(f"[\\x00-\\x08\\x0e-\\x1f\\x7f-\\x9f\\ufdd0-\\ufdef{_NONCHARACTERS}]")


def markdown_only(text: str) -> str:
    """Markdown to raw HTML, h1 demoted (the page title is the only h1). Not yet safe."""
    text = _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text or ""))
    return re.sub(r"<(/?)h1\b", r"<\1h2", _markdown().render(text))


def render_markdown(text: str, preview: bool = False) -> str:
    """Render Markdown to sanitized HTML; TooComplex (a ValueError that says why) for text
    nested too deep, too large once parsed, or slower than a save (or preview) may be."""
    with time_budget(PREVIEW_SECONDS if preview else SAVE_SECONDS):
        return clean_html(responsive_images(markdown_only(text)))


def refused_preview(reason: str) -> str:
    """What a preview shows in place of a text that cannot be shown: the reason."""
    return f'<p class="preview-refused">{escape(reason)}</p>'


def as_plain_paragraphs(text: str) -> str:
    """A text shown as typed, escaped, for a stored body that can no longer be rendered
    (saved before rendering was bounded): readers still see it, nothing can run."""
    return "".join(f"<p>{escape(part)}</p>\n" for part in text.split("\n\n") if part.strip())


def render_preview(text: str) -> str:
    """render_markdown within the preview's time, else the reason it cannot be shown."""
    try:
        return render_markdown(text, preview=True)
    except TooComplex as exc:
        return refused_preview(str(exc))


# An image from the media library, as Markdown writes it, not yet given sizes by hand.
# No part may cross a < or >: each try stops at the tag's end, so the search is linear
# (with [^>]* an unclosed <img ... went on to the end of the text, 9,000 times over).
_LIBRARY_IMG = re.compile(
    r'<img src="/media/(\d{1,18})/[^"<>]*"(?![^<>]*\b(?:srcset|width|height)=)'
)
BODY_IMAGE_SIZES = "(max-width: 44rem) 100vw, 42rem"


def responsive_images(html: str) -> str:
    """Give library images their srcset of resized copies and their size (no reflow)."""
    ids = {int(i) for i in _LIBRARY_IMG.findall(html) if len(i) < 19}  # SQLite's INTEGER
    if not ids:
        return html
    # Imported here: media imports the services, which import this module.
    from ..media.models import Media, srcset

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
