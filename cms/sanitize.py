"""The one place HTML from users is cleaned, and where the values that become links
(URLs, e-mail addresses, phone numbers) are checked. Nothing else imports bleach.

Allow-lists are constants so a review (or a swap of sanitizer) touches this file only.
"""

import functools
import html
import re
from urllib.parse import quote, urlsplit

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details",
        "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i",
        "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "strong",
        "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u",
        "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height", "srcset", "sizes"],
    "ol": ["start"],
    "td": ["colspan", "rowspan", "align"],
    "th": ["colspan", "rowspan", "align", "scope"],
    "code": ["class"],
}
# Links may leave the site (a visitor chooses to click); images may not, because loading
# them would tell another origin who reads the page. Nor may an image load any other
# address of the site: the browser would send the reader's cookies, so a draft could make
# an administrator who previews it call the editor. Images are uploaded images only:
# /media/<id>[/<name>...], no query, no dot segments (the browser would resolve
# /media/1/../../admin), no percent-escapes (%2e%2e is a dot segment too).
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
MEDIA_IMAGE = re.compile(r"^/media/[0-9]{1,18}(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
SRCSET_DESCRIPTOR = re.compile(r"^([0-9]{1,5}w|[0-9]{1,2}(\.[0-9]{1,3})?x)$")
PHONE = re.compile(r"^\+?[0-9 ().-]*[0-9][0-9 ().-]*$")  # digits, spaces, + ( ) - . only
CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,40}$")
# Whitespace and C0/C1 control characters browsers ignore inside a URL scheme.
_IGNORED_IN_URL = re.compile(
    r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)


def _decode_entities(value: str) -> str:
    """Entities decoded, nested ones too (&amp;#106;)."""
    previous = None
    while previous != value:
        previous, value = value, html.unescape(value)
    return value


def normalize_url(value: str) -> str:
    """Decode entities and drop the characters browsers ignore, as a browser would read it."""
    return _IGNORED_IN_URL.sub("", _decode_entities(value))


def url_scheme(value: str) -> str | None:
    """The lower-cased scheme of a URL, or None for a relative one."""
    normalized = normalize_url(value)
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", normalized)
    if match:
        return match.group(1).lower()
    # "\\evil.example" and "//evil.example" are network paths, not relative ones.
    if normalized.startswith(("//", "\\\\", "/\\", "\\/")):
        return "network-path"
    return None


def is_safe_link(value: str) -> bool:
    """True for relative links and http(s)/mailto/tel links."""
    scheme = url_scheme(value)
    return scheme is None or scheme in LINK_SCHEMES


def is_local_image(value: str) -> bool:
    """True for the address of an uploaded image, /media/...: the only thing <img> may load."""
    return bool(MEDIA_IMAGE.match(normalize_url(value)))


def _local_srcset(value: str) -> bool:
    """True when every candidate is an uploaded image with at most a w or x descriptor.

    Split on commas and every kind of whitespace, more eagerly than a browser does, so
    whatever a browser would take for a URL is one of the pieces checked here.
    """
    candidates = [part.split() for part in _decode_entities(value).split(",")]
    candidates = [c for c in candidates if c]
    return bool(candidates) and all(
        len(c) <= 2 and is_local_image(c[0]) and all(SRCSET_DESCRIPTOR.match(d) for d in c[1:])
        for c in candidates
    )


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if tag == "a" and name == "href":
        return is_safe_link(value)
    if tag == "img" and name == "src":
        return is_local_image(value)
    if tag == "img" and name == "srcset":
        return _local_srcset(value)
    if tag == "code" and name == "class":
        return bool(CODE_CLASS.match(value))
    if name in ("width", "height", "colspan", "rowspan", "start"):
        return value.isdigit() and len(value) <= 5
    return True


def _external_links_noopener(attrs, new=False):
    href = attrs.get((None, "href"), "")
    # "https:evil.example" has no netloc for urlsplit, yet browsers read it as a host.
    if urlsplit(normalize_url(href)).netloc or url_scheme(href) in ("http", "https"):
        attrs[(None, "rel")] = "noopener noreferrer nofollow"
    return attrs


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
    return cleaner, linker, text_cleaner


def clean_html(dirty: str) -> str:
    """Return HTML that keeps only allow-listed tags, attributes and URL schemes."""
    cleaner, linker, _ = _bleach()
    return linker.linkify(cleaner.clean(dirty))


def clean_text(value: str) -> str:
    """Plain text with all markup removed (for excerpts, search and meta tags)."""
    return html.unescape(_bleach()[2].clean(value))


def email_address(value: str) -> str:
    """The address in its normal form if it is a valid e-mail address; else ValueError.

    Syntax only (no DNS look-up). email-validator is loaded on first use: a worker that
    only serves readers never needs it.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None


def mailto_url(address: str) -> str:
    """A mailto: link to exactly this address: ?, &, = or % in it cannot add a Bcc or a subject."""
    return "mailto:" + quote(address, safe="@")


def tel_url(phone: str) -> str | None:
    """A tel: link (digits, with + for an international number) or None if the number has
    anything but digits, spaces, +, -, dots and brackets."""
    phone = phone.strip()
    if not PHONE.match(phone):
        return None
    return "tel:" + ("+" if phone.startswith("+") else "") + re.sub(r"[^0-9]", "", phone)
