"""The one place HTML from users is cleaned, and where the values that become links
(URLs, e-mail addresses, phone numbers) are checked (by cms.content.links, whose checks
are imported from here). Nothing else imports bleach.

Allow-lists are constants so a review (or a swap of sanitizer) touches this file (and
cms/content/links.py, its link checks) only.
"""

import functools
import html
import re
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

# The single-value checks, imported from here with the rest (cms.content.links has them).
from .links import (
    LINK_SCHEMES,
    is_local_image,
    is_safe_link,
    local_srcset,
    normalize_url,
    url_scheme,
)

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details",
        "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i",
        "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "section", "small",
        "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "id", "class", "aria-label"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height", "srcset", "sizes"],
    "ol": ["start", "class"],
    "td": ["colspan", "rowspan", "align"],
    "th": ["colspan", "rowspan", "align", "scope"],
    "code": ["class"],
    "hr": ["class"],
    "li": ["id", "class"],
    "p": ["class"],
    "section": ["class"],
    "span": ["class"],
    "sup": ["class"],
}
CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,40}$")
# Exactly what Markdown's footnotes (mdit-py-plugins) and video cards (cms.content.blocks)
# write, and no other class, id or label: raw HTML cannot style or name anything else.
CLASSES = {
    "a": {"footnote-backref"},
    "hr": {"footnotes-sep"},
    "li": {"footnote-item"},
    "ol": {"footnotes-list"},
    "p": {"video-card"},
    "section": {"footnotes"},
    "span": {"video-card-site", "video-card-title"},
    "sup": {"footnote-ref"},
}
IDS = {"a": re.compile(r"fnref\d{1,4}(?::\d{1,4})?"), "li": re.compile(r"fn\d{1,4}")}
LABELS = {"a": {"Back to the text"}}  # cms.content.render.BACK_TO_TEXT


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if tag == "a" and name == "href":
        return is_safe_link(value)
    if tag == "img" and name == "src":
        return is_local_image(value)
    if tag == "img" and name == "srcset":
        return local_srcset(value)
    if tag == "code" and name == "class":
        return bool(CODE_CLASS.match(value))
    if name == "class":
        return value in CLASSES.get(tag, ())
    if name == "id":
        return bool(IDS[tag].fullmatch(value))
    if name == "aria-label":
        return value in LABELS.get(tag, ())
    if name in ("width", "height", "colspan", "rowspan", "start"):
        return value.isdigit() and len(value) <= 5
    return True


def _external_links_noopener(attrs, new=False):
    href = attrs.get((None, "href"), "")
    # "https:evil.example" has no netloc for urlsplit, yet browsers read it as a host.
    if urlsplit(normalize_url(href) or "").netloc or url_scheme(href) in ("http", "https"):
        attrs[(None, "rel")] = "noopener noreferrer nofollow"
    return attrs


# html5lib, inside bleach, spends time in proportion to the depth of open elements on every
# tag it reads, and opens unclosed <b>, <i>... again in every later paragraph: HTML typed
# thousands of levels deep, or a hundred unclosed <b> before thousands of paragraphs, took
# minutes to clean. Text as people write it stays far below these bounds (200,000
# characters of a table with one-letter cells make about 100,000 elements).
MAX_DEPTH = 100
MAX_ELEMENTS = 200_000
MAX_MISPLACED = 2_000  # text or tags inside a table but outside its cells
MAX_ATTRIBUTES = 100  # in one tag: each new one is compared with those before it
TOO_DEEP = (
    f"This text has HTML tags nested more than {MAX_DEPTH} levels deep (perhaps tags that "
    "are opened and never closed), which cannot be shown. Close or remove them."
)
TOO_MANY = f"This text would make more than {MAX_ELEMENTS:,} HTML elements; please split it."
TOO_TANGLED = (
    f"This text has more than {MAX_MISPLACED:,} pieces of text or tags inside a table but "
    "outside its cells; please tidy the table's HTML."
)
TOO_MANY_ATTRIBUTES = f"This text has an HTML tag with more than {MAX_ATTRIBUTES} attributes."
TOO_SLOW = "This text took too long to prepare ({seconds:g} seconds at most); please shorten it."
_budget = threading.local()


class TooComplex(ValueError):
    """Text that cannot be rendered within the bounds on nesting, size or time."""


@contextmanager
def time_budget(seconds: float):
    """Rendering inside this block raises TooComplex once it runs past `seconds`.

    Checked as elements are made and walked, so the block ends soon after the deadline
    however the text is built (the steps between checks are linear in the text).
    """
    outer = getattr(_budget, "deadline", None), getattr(_budget, "seconds", None)
    _budget.deadline, _budget.seconds = time.monotonic() + seconds, seconds
    try:
        yield
    finally:
        _budget.deadline, _budget.seconds = outer


def check_time() -> None:
    """Raise TooComplex if the time_budget in force has run out."""
    deadline = getattr(_budget, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise TooComplex(TOO_SLOW.format(seconds=_budget.seconds))


def _bounded_html5lib():
    """bleach's parser on a bounded tree, and a linear tree walker.

    Other quadratic spots are mended: html5lib adds each run of text to its node with
    `text += run`, and a run ends at every entity (200,000 quotes took 16 s), so runs are
    joined first; the walker finds a node's place among its siblings with list.index, so
    each parent's positions are indexed once instead; and a tag's attributes are counted.
    """
    from bleach._vendor.html5lib.constants import tableInsertModeElements, tokenTypes
    from bleach._vendor.html5lib.treebuilders import getTreeBuilder
    from bleach.html5lib_shim import BleachHTMLParser, BleachHTMLTokenizer, getTreeWalker

    characters = tokenTypes["Characters"]

    class JoinedTextTokenizer(BleachHTMLTokenizer):
        def __iter__(self):
            runs = []
            for token in super().__iter__():
                # Adjacent runs mean what their concatenation means (a lone NUL is dropped
                # as a token of its own, so it stays one); nothing the parser does with
                # text changes the tokenizer's state.
                if token["type"] == characters and "\x00" not in token["data"]:
                    runs.append(token["data"])
                    continue
                if runs:
                    yield {"type": characters, "data": "".join(runs)}
                    runs = []
                yield token
            if runs:
                yield {"type": characters, "data": "".join(runs)}

        def _attribute(self, state):
            if len(self.currentToken["data"]) >= MAX_ATTRIBUTES:
                raise TooComplex(TOO_MANY_ATTRIBUTES)
            return state()

        def beforeAttributeNameState(self):  # the two states that start an attribute
            return self._attribute(super().beforeAttributeNameState)

        def afterAttributeNameState(self):
            return self._attribute(super().afterAttributeNameState)

    class BoundedParser(BleachHTMLParser):
        def reset(self):
            super().reset()
            # bleach's _parse makes its tokenizer, then calls this: give it joined runs.
            if type(self.tokenizer) is BleachHTMLTokenizer:
                self.tokenizer.__class__ = JoinedTextTokenizer

    class BoundedTree(getTreeBuilder("etree")):
        def reset(self):
            super().reset()
            self.made = self.misplaced = 0

        def _count(self):
            self.made += 1
            if len(self.openElements) > MAX_DEPTH:
                raise TooComplex(TOO_DEEP)
            if self.made > MAX_ELEMENTS:
                raise TooComplex(TOO_MANY)
            if self.made % 512 == 0:
                check_time()

        def insertElementNormal(self, token):
            self._count()
            return super().insertElementNormal(token)

        def insertElementTable(self, token):
            if self.openElements[-1].name in tableInsertModeElements:
                self._count()  # misnested in a table (the other case calls the one above)
            return super().insertElementTable(token)

        def getTableMisnestedNodePosition(self):
            # Each insertion before the table searches its parent's children.
            self.misplaced += 1
            if self.misplaced > MAX_MISPLACED:
                raise TooComplex(TOO_TANGLED)
            return super().getTableMisnestedNodePosition()

    class LinearWalker(getTreeWalker("etree")):
        def __init__(self, tree):
            super().__init__(tree)
            self.positions, self.walked = {}, 0

        def getParentNode(self, node):
            self.walked += 1
            if self.walked % 512 == 0:
                check_time()
            if not isinstance(node, tuple) or node[3] == "text" or len(node[2]) < 2:
                return super().getParentNode(node)
            parents = node[2]
            parent, grandparent = parents.pop(), parents[-1]
            places = self.positions.get(id(grandparent))
            if places is None:
                places = {id(child): n for n, child in enumerate(grandparent)}
                self.positions[id(grandparent)] = places
            return parent, places[id(parent)], parents, None

    def parser(old):
        return BoundedParser(
            tags=old.tags, strip=old.strip, consume_entities=old.consume_entities,
            namespaceHTMLElements=False, tree=BoundedTree,
        )  # fmt: skip

    return parser, LinearWalker


@functools.cache
def _bleach() -> tuple:
    """The cleaner, the linker and the text cleaner, made on first use.

    Only saving text needs them: a worker that serves readers never loads bleach and
    html5lib (~3 MB a worker).
    """
    import bleach

    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allow_attribute,
        protocols=LINK_SCHEMES,
        strip=True,
        strip_comments=True,
    )
    # Only adds rel to existing links: its URL pattern matches nothing, so no text is
    # linkified.
    linker = bleach.Linker(
        callbacks=[_external_links_noopener], parse_email=False, url_re=re.compile(r"(?!x)x")
    )
    text_cleaner = bleach.Cleaner(tags=set(), attributes={}, strip=True, strip_comments=True)
    # bleach un-escapes "&amp;" in attribute values only when they are double-quoted; a value
    # holding '"' would be single-quoted and its entities escaped twice (alt="a&amp;amp;b").
    for serializer in (cleaner.serializer, linker.serializer):
        serializer.use_best_quote_char = False
    bounded_parser, walker = _bounded_html5lib()
    for part in (cleaner, linker, text_cleaner):  # the same parsers, bounded
        part.parser, part.walker = bounded_parser(part.parser), walker
    return cleaner, linker, text_cleaner


def clean_html(dirty: str) -> str:
    """Return HTML that keeps only allow-listed tags, attributes and URL schemes.

    Raises TooComplex for HTML beyond MAX_DEPTH or MAX_ELEMENTS (or a time_budget)."""
    cleaner, linker, _ = _bleach()
    return linker.linkify(cleaner.clean(dirty))


def clean_text(value: str) -> str:
    """Plain text with all markup removed (for excerpts, search and meta tags)."""
    return html.unescape(_bleach()[2].clean(value))
