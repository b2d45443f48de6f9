"""The values that become links: URLs read as a browser reads them, e-mail addresses and
phone numbers. cms.content.sanitize uses these checks on HTML attributes; forms and
settings use them on single values.
"""

import html
import re
from urllib.parse import quote

from ..core.addresses import dial_digits

# Links may leave the site (a visitor chooses to click); images may not, because loading
# them would tell another origin who reads the page. Nor may an image load any other
# address of the site: the browser would send the reader's cookies, so a draft could make
# an administrator who previews it call the editor. Images are uploaded images only:
# /media/<id>[/<name>...], no query, no dot segments (the browser would resolve
# /media/1/../../admin), no percent-escapes (%2e%2e is a dot segment too).
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel", "sms"})
MEDIA_IMAGE = re.compile(r"^/media/[0-9]{1,18}(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
SRCSET_DESCRIPTOR = re.compile(r"^([0-9]{1,5}w|[0-9]{1,2}(\.[0-9]{1,3})?x)$")
# Whitespace and C0/C1 control characters browsers ignore inside a URL scheme.
_IGNORED_IN_URL = re.compile(
    r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)


# Each level of nested entities (&amp;amp;...) costs one pass over the value: a link made
# of 50,000 levels took minutes. No real address nests them; one that does is refused.
MAX_ENTITY_LEVELS = 8


def decode_entities(value: str) -> str | None:
    """Entities decoded, nested ones too (&amp;#106;); None past MAX_ENTITY_LEVELS."""
    for _ in range(MAX_ENTITY_LEVELS + 1):
        decoded = html.unescape(value)
        if decoded == value:
            return value
        value = decoded
    return None


def normalize_url(value: str) -> str | None:
    """Decode entities and drop the characters browsers ignore, as a browser would read it
    (None for entities nested too deep to read)."""
    decoded = decode_entities(value)
    return None if decoded is None else _IGNORED_IN_URL.sub("", decoded)


def url_scheme(value: str) -> str | None:
    """The lower-cased scheme of a URL, or None for a relative one."""
    normalized = normalize_url(value)
    if normalized is None:
        return "nested-entities"  # like "network-path": a scheme no check allows
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", normalized)
    if match:
        return match.group(1).lower()
    # "\\evil.example" and "//evil.example" are network paths, not relative ones.
    if normalized.startswith(("//", "\\\\", "/\\", "\\/")):
        return "network-path"
    return None


def is_safe_link(value: str) -> bool:
    """True for relative links and http(s)/mailto/tel/sms links."""
    scheme = url_scheme(value)
    return scheme is None or scheme in LINK_SCHEMES


def is_local_image(value: str) -> bool:
    """True for the address of an uploaded image, /media/...: the only thing <img> may load."""
    return bool(MEDIA_IMAGE.match(normalize_url(value) or ""))


def local_srcset(value: str) -> bool:
    """True when every candidate is an uploaded image with at most a w or x descriptor.

    Split on commas and every kind of whitespace, more eagerly than a browser does, so
    whatever a browser would take for a URL is one of the pieces checked here.
    """
    decoded = decode_entities(value)
    if decoded is None:
        return False
    candidates = [part.split() for part in decoded.split(",")]
    candidates = [c for c in candidates if c]
    return bool(candidates) and all(
        len(c) <= 2 and is_local_image(c[0]) and all(SRCSET_DESCRIPTOR.match(d) for d in c[1:])
        for c in candidates
    )


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
    """A tel: link dialling a number written under the one phone rule
    (cms.core.addresses), or None for anything else."""
    digits = dial_digits(phone)
    return None if digits is None else "tel:" + digits


def sms_url(phone: str) -> str | None:
    """An sms: link (a text message) to a number under the phone rule, or None."""
    digits = dial_digits(phone)
    return None if digits is None else "sms:" + digits
