"""The hostile-HTML corpora in tests/data/xss/, the Markdown constructs to wrap them in,
and an independent checker that reads sanitized HTML the way a browser would.

The checker does not reuse cms.content.sanitize: it parses with html5lib (the WHATWG algorithm)
and judges what a browser would see, so a sanitizer bug cannot hide itself.
"""

import html
import json
import re
from functools import cache
from pathlib import Path

import html5lib

from cms.content.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

DATA = Path(__file__).parents[1] / "data" / "xss"
PATT = DATA / "payloadsallthethings"

# Every PayloadsAllTheThings list is one payload per line, except Mario Heiderich's
# vectors, which span lines: each is one <div id="N">...</div> block.
LINE_LISTS = ("RSNAKE_XSS", "XSS_Polyglots", "xss_alert", "IntrudersXSS")

FORBIDDEN_TAGS = frozenset(
    {
        "script", "style", "iframe", "object", "embed", "svg", "math", "form", "input",
        "button", "textarea", "select", "option", "base", "link", "meta", "frame",
        "frameset", "applet", "template", "noscript", "noembed", "noframes", "xmp",
        "plaintext", "title", "html", "head", "body", "video", "audio", "source", "track",
        "portal", "param", "isindex", "keygen", "marquee", "image", "xml", "import",
    }
)  # fmt: skip
URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "srcset", "action", "formaction", "data", "poster", "background",
        "cite", "longdesc", "usemap", "ping", "dynsrc", "lowsrc", "codebase", "manifest",
        "icon", "profile", "classid", "archive", "xlink:href",
    }
)  # fmt: skip
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
HTML_NS = "http://www.w3.org/1999/xhtml"
XLINK_NS = "http://www.w3.org/1999/xlink"
_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f\s\u200b-\u200f\u2028\u2029\ufeff]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


@cache
def corpora() -> dict[str, tuple[str, ...]]:
    """Every corpus by name: DOMPurify's payloads and the PayloadsAllTheThings lists."""
    found = {"DOMPurify": tuple(c["payload"] for c in json.loads(_read("dompurify_expect.json")))}
    for name in LINE_LISTS:
        lines = _read(f"payloadsallthethings/{name}.txt").splitlines()
        found[name] = tuple(line for line in lines if line.strip())
    mario = _read("payloadsallthethings/MarioXSSVectors.txt")
    found["MarioXSSVectors"] = tuple(
        block.strip() for block in re.split(r'(?=<div id="\d+">)', mario) if block.strip()
    )
    return found


def _read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@cache
def all_payloads() -> tuple[str, ...]:
    """Every distinct payload of every corpus, in corpus order."""
    return tuple(dict.fromkeys(p for payloads in corpora().values() for p in payloads))


def corpus_summary() -> str:
    """'DOMPurify=223 RSNAKE_XSS=73 ... distinct=N' for the test output."""
    counts = " ".join(f"{name}={len(p)}" for name, p in corpora().items())
    return f"{counts} distinct={len(all_payloads())}"


def _one_line(payload: str) -> str:
    return " ".join(payload.split("\n"))


# Markdown constructs a payload is wrapped in: raw HTML and the places a writer types URLs
# or text. Single-line constructs get the payload's newlines as spaces.
CONSTRUCTS = {
    "raw-html": lambda p: p,
    "link-target": lambda p: f"[x]({_one_line(p)})",
    "link-target-angle": lambda p: f"[x](<{_one_line(p)}>)",
    "reference-link": lambda p: f"[x][ref]\n\n[ref]: {_one_line(p)}",
    "image-source": lambda p: f"![x]({_one_line(p)})",
    "code-span": lambda p: f"`{_one_line(p)}`",
    "heading": lambda p: f"# {_one_line(p)}",
    "list-item": lambda p: f"- {_one_line(p)}",
}


def markdown_cases() -> list[tuple[str, str, str]]:
    """(construct, payload, markdown) for every payload in every construct."""
    return [(name, p, wrap(p)) for p in all_payloads() for name, wrap in CONSTRUCTS.items()]


def url_scheme(value: str) -> str | None:
    """The scheme a browser would read from an attribute value ('network-path' for //x)."""
    previous = None
    while previous != value:  # be stricter than a browser: decode nested entities too
        previous, value = value, html.unescape(value)
    value = _IGNORED.sub("", value).lower()
    match = _SCHEME.match(value)
    if match:
        return match.group(1)
    if value.startswith(("//", "\\\\", "/\\", "\\/")):
        return "network-path"
    return None


def _local_name(name: str) -> tuple[str | None, str]:
    if name.startswith("{"):
        namespace, local = name[1:].split("}", 1)
        return namespace, local.lower()
    return None, name.lower()


def _url_problems(tag: str, name: str, value: str) -> list[str]:
    urls = [c.strip().split(" ")[0] for c in value.split(",")] if name == "srcset" else [value]
    found = []
    for url in urls:
        scheme = url_scheme(url)
        if scheme is not None and scheme not in SAFE_SCHEMES:
            found.append(f"{tag}[{name}] has scheme {scheme!r}: {value[:80]!r}")
        elif tag == "img" and scheme is not None:
            found.append(f"img[{name}] loads from another origin: {value[:80]!r}")
    return found


def problems(fragment: str, allowed_tags=None, allowed_attributes=None) -> list[str]:
    """Everything dangerous a browser would find in this HTML fragment (empty when safe).

    With allowed_tags/allowed_attributes (tag -> names), anything outside them counts too.
    """
    found = []
    root = html5lib.parseFragment(fragment, namespaceHTMLElements=False)
    for element in root.iter():
        if not isinstance(element.tag, str):
            found.append("an HTML comment survived")
            continue
        namespace, tag = _local_name(element.tag)
        if element is root:
            continue
        if namespace not in (None, HTML_NS):
            found.append(f"foreign element <{tag}> in {namespace}")
        if tag in FORBIDDEN_TAGS:
            found.append(f"forbidden tag <{tag}>")
        elif allowed_tags is not None and tag not in allowed_tags:
            found.append(f"tag <{tag}> is not on the allow-list")
        for raw_name, value in element.attrib.items():
            attr_ns, name = _local_name(raw_name)
            if attr_ns == XLINK_NS:
                name = f"xlink:{name}"
            if name.startswith("on"):
                found.append(f"event handler {name} on <{tag}>")
            elif name == "style":
                found.append(f"style attribute on <{tag}>")
            elif allowed_attributes is not None and name not in allowed_attributes.get(tag, ()):
                found.append(f"attribute {name} on <{tag}> is not on the allow-list")
            if name in URL_ATTRIBUTES:
                found.extend(_url_problems(tag, name, value))
    return found


# What clean_html may emit: the allow-lists, plus the rel it adds to external links.
OUTPUT_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "a": [*ALLOWED_ATTRIBUTES["a"], "rel"]}


def unsafe(html: str) -> list[str]:
    """What an HTML5 parser finds wrong in sanitized output (outside the allow-lists too)."""
    return problems(html, ALLOWED_TAGS, OUTPUT_ATTRIBUTES)
