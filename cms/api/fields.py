"""Every field the Admin API reads, described once: its JSON Schema is what the OpenAPI
document publishes and what a request body is checked against (with jsonschema), so the
two cannot disagree. Limits come from the domain constants; the text patterns are made
from the text rule itself (cms.core.validation), so a value the document allows is one
the services accept, except for what no schema can know: whether the image or category a
body names exists (409), or a Markdown text past the rendering bounds (422 with why).
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property

from jsonschema import Draft202012Validator

from ..content.fields import (
    MAX_BODY,
    MAX_CATEGORIES,
    MAX_CATEGORY_DEPTH,
    MAX_CATEGORY_NAME,
    MAX_DESCRIPTION,
    MAX_EXCERPT,
    MAX_META,
    MAX_SEO_TITLE,
    MAX_SLUG,
    MAX_TAG_NAME,
    MAX_TAGS,
    MAX_TITLE,
    RESERVED_PAGE_SLUGS,
)
from ..core.validation import (
    MAX_YEAR,
    MIN_YEAR,
    has_visible,
    parse_date,
    parse_datetime,
    single_line,
)
from ..media.service import MAX_ALT
from ..site.notices import MAX_LINK_LABEL, MAX_NOTICE
from ..site.settings import TEXT_LIMITS

MAX_ID = 2**53 - 1
MAX_LIST = 50
SURROGATES = range(0xD800, 0xE000)  # never text: a lone one is refused as "not a string"
SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
YEAR = "(19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
assert (MIN_YEAR, MAX_YEAR) == (1900, 9998), "YEAR spells out this range"
DATE = f"{YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
# RFC 3339 with its offset from UTC, as the Admin API requires (a time without one is refused).
MOMENT = (
    f"^{DATE}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]+)?"
    "([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)


def _ranges(codes) -> list[tuple[int, int]]:
    spans: list[list[int]] = []
    for code in codes:
        if spans and spans[-1][1] == code - 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return [(a, b) for a, b in spans]


def _char(code: int) -> str:
    # \uXXXX reads the same in ECMA 262 and Python; characters above the BMP stay literal.
    return f"\\u{code:04x}" if code < 0x10000 else chr(code)


def _char_class(codes) -> str:
    return "".join(
        _char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in _ranges(sorted(codes))
    )


def _refused_in(low: int, high: int) -> list[int]:
    """Characters in [low, high) that the text rule refuses, found by halving: they are few."""
    codes = [c for c in range(low, high) if c not in SURROGATES]
    errors: dict = {}
    single_line("".join(map(chr, codes)), "x", errors)
    if not errors:
        return []
    if high - low == 1:
        return [low]
    middle = (low + high) // 2
    return _refused_in(low, middle) + _refused_in(middle, high)


@cache
def text_patterns() -> tuple[str, str]:
    """(any text the rule accepts, such text that shows at least one character)."""
    refused = _refused_in(0, sys.maxunicode + 1)
    blank = [c for c in range(sys.maxunicode + 1) if not has_visible(chr(c))]
    keep = _char_class(refused)
    shown = _char_class(set(refused) | (set(blank) - set(SURROGATES)))
    return f"^[^{keep}]*$", f"^[^{keep}]*[^{shown}][^{keep}]*$"


@dataclass
class Field:
    """One writable value: its JSON Schema, the message for a value that does not fit it,
    and what turns a checked value into the one the service takes."""

    schema: dict
    message: str
    convert: Callable | None = None

    @cached_property
    def published(self) -> dict:
        """The schema as the document shows it (the text rule's pattern filled in)."""
        return resolved(self.schema)

    @cached_property
    def _validator(self) -> Draft202012Validator:
        return Draft202012Validator(self.published)

    def fits(self, value) -> bool:
        """True if the value matches the schema."""
        return self._validator.is_valid(value)


def text(limit: int, *, shown: bool = False, description: str = "") -> Field:
    """A string under the text rule, at most `limit` characters; `shown`: required, visible."""
    kind = "text that shows at least one character" if shown else "text"
    schema = {"type": "string", "maxLength": limit, "x-text": "shown" if shown else "any"}
    if description:
        schema["description"] = description
    return Field(
        schema,
        f"Must be {kind}, at most {limit:,} characters, without control characters.",
    )


def resolved(schema):
    """The schema with the text rule's pattern filled in where `x-text` asks for it (made on
    first use: it scans every character once)."""
    if isinstance(schema, dict):
        out = {k: resolved(v) for k, v in schema.items() if k != "x-text"}
        if "x-text" in schema:
            any_text, shown = text_patterns()
            out["pattern"] = shown if schema["x-text"] == "shown" else any_text
        return out
    if isinstance(schema, list):
        return [resolved(v) for v in schema]
    return schema


def slug(reserved=()) -> Field:
    """A slug; `reserved` ones belong to the site."""
    schema = {
        "type": "string", "minLength": 1, "maxLength": MAX_SLUG, "pattern": SLUG_PATTERN,
        "description": "Lower-case letters, digits and hyphens; made from the title when omitted.",
    }  # fmt: skip
    if reserved:
        schema["not"] = {"enum": sorted(reserved)}
        schema["description"] += " Addresses the site uses itself are refused."
    return Field(schema, f"Use lower-case letters, digits and hyphens only (at most {MAX_SLUG}).")


BOOLEAN = Field({"type": "boolean"}, "Must be true or false.")
ID_OR_NULL = Field(
    {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID},
    "Must be a positive whole number or null.",
    int,  # JSON Schema counts 1.0 as the integer 1, and so does the API
)
INTEGER = Field(
    {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID}, "Must be a whole number.", int,
)  # fmt: skip
MOMENT_OR_NULL = Field(
    {
        "type": ["string", "null"], "format": "date-time", "pattern": MOMENT,
        "description": "With its offset from UTC (Z or ±hh:mm); a time without one is refused "
        f"with 422. Years {MIN_YEAR} to {MAX_YEAR}.",
    },
    "Must be a date and time such as 2026-05-01T09:00:00Z, or null.",
    lambda value: parse_datetime(value, offset_required=True),
)  # fmt: skip
DATE_OR_NULL = Field(
    {"type": ["string", "null"], "format": "date", "pattern": f"^{DATE}$"},
    "Must be a date such as 2026-05-01, or null.",
    parse_date,
)
STATUS = Field(
    {"type": "string", "enum": ["draft", "published"]}, "Status must be draft or published."
)
LINKS = Field(
    {
        "type": "array", "maxItems": MAX_LIST,
        "items": {"type": "object", "properties": {"label": {"type": "string"},
                  "url": {"type": "string"}}, "additionalProperties": False},
    },
    'Must be a list of {"label": ..., "url": ...} objects.',
)  # fmt: skip

ENTRY = {
    "title": text(MAX_TITLE, shown=True),
    "slug": slug(),
    "body": text(MAX_BODY, description="Markdown."),
    "excerpt": text(MAX_EXCERPT),
    "meta_description": text(MAX_META),
    "status": STATUS,
    "published_at": MOMENT_OR_NULL,
    "seo_title": text(
        MAX_SEO_TITLE,
        description="For <title> and og:title instead of the title; empty: the title.",
    ),
    "social_image": Field(
        {
            **ID_OR_NULL.schema,
            "description": "The image shared on social media (og:image), an "
            "image's id; null: a post's featured image. A missing one is refused with 409.",
        },
        ID_OR_NULL.message,
        int,
    ),  # fmt: skip
}
POST = {
    **ENTRY,
    "categories": Field(
        {
            "type": "array",
            "maxItems": MAX_CATEGORIES,
            "items": {"type": "string", "maxLength": MAX_SLUG},
            "description": "Category slugs (or ids); an unknown one is refused with 409.",
        },
        f"Must be a list of at most {MAX_CATEGORIES} category slugs.",
    ),  # fmt: skip
    "featured_image": Field(
        {**ID_OR_NULL.schema, "description": "An image's id; a missing one is refused with 409."},
        ID_OR_NULL.message,
        int,
    ),
    "tags": Field(
        {
            "type": "array",
            "maxItems": MAX_TAGS,
            "items": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_TAG_NAME,
                "x-text": "shown",
            },
            "description": "Tag names; a new one makes a tag (names of one slug are one tag).",
        },
        f"Must be a list of at most {MAX_TAGS} tag names of at most {MAX_TAG_NAME} characters.",
    ),  # fmt: skip
}
PAGE = {**ENTRY, "slug": slug(RESERVED_PAGE_SLUGS), "is_policy": BOOLEAN,
        "effective_date": DATE_OR_NULL}  # fmt: skip
ENTRY_FIELDS = {"posts": POST, "pages": PAGE}
ENTRY_READ_ONLY = frozenset({
    "id", "author", "created_at", "updated_at", "body_html", "url", "scheduled", "trashed",
    "featured_image_url", "social_image_url",
})  # fmt: skip
CREATE_REQUIRED = ("title",)
REPLACE_REQUIRED = ("title", "body", "status")
PUBLISH = {"published_at": MOMENT_OR_NULL}

CATEGORY = {
    "name": text(MAX_CATEGORY_NAME, shown=True),
    "slug": slug(),
    "description": text(MAX_DESCRIPTION),
    "parent": Field(
        {
            "type": ["string", "integer", "null"],
            "maxLength": MAX_SLUG,
            "minimum": 1,
            "maximum": MAX_ID,
            "description": "The slug (or id) of the category this one sits "
            "under; null: at the top. Nesting has no cycles and at most "
            f"{MAX_CATEGORY_DEPTH} levels (422); an unknown one is refused with 409.",
        },
        "Must be a category's slug or id, or null.",
    ),  # fmt: skip
}
CATEGORY_REQUIRED = ("name",)
NOTICE = {
    "body": text(MAX_NOTICE, shown=True),
    "link_label": text(MAX_LINK_LABEL),
    "link_url": text(500),
    "link_page": ID_OR_NULL,
    "starts_at": MOMENT_OR_NULL,
    "ends_at": MOMENT_OR_NULL,
    "enabled": BOOLEAN,
}
MEDIA = {"alt": text(MAX_ALT, shown=True)}
KINDS = {
    "text": Field({"type": "string"}, "Must be a string."),
    "bool": BOOLEAN, "int": INTEGER, "id": ID_OR_NULL, "links": LINKS,
}  # fmt: skip


def settings_fields(kinds: dict) -> dict:
    """The settings' fields from {setting: kind} (cms.site.settings.SETTING_KINDS)."""
    return {
        key: text(TEXT_LIMITS[key]) if key in TEXT_LIMITS else KINDS[kind]
        for key, kind in kinds.items()
    }
