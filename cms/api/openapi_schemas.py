"""The OpenAPI components: every JSON object the API reads or writes, and its errors."""

from ..accounts.tokens import SCOPES
from ..content.fields import MAX_BODY, MAX_CATEGORIES, MAX_EXCERPT, MAX_META, MAX_SLUG, MAX_TITLE
from ..core.validation import MAX_YEAR, MIN_YEAR
from .inputs import MAX_ID, MAX_LIST
from .serializers import PUBLIC_SETTINGS

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
URL = {"type": "string", "format": "uri"}
URL_OR_NULL = {"type": ["string", "null"], "format": "uri"}
TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
TIME_INPUT = {
    **TIME_OR_NULL,
    "pattern": "([Zz]|[+-][0-9]{2}:?[0-9]{2})$",
    "description": "With its offset from UTC (Z or ±hh:mm); a time without one is refused "
    f"with 422. Years {MIN_YEAR} to {MAX_YEAR}.",
}
STR_OR_NULL = {"type": ["string", "null"]}
ID_OR_NULL = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
SLUG = {
    "type": "string",
    "maxLength": MAX_SLUG,
    "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
    "description": "Lower-case letters, digits and hyphens; made from the title when omitted.",
}
LINKS = {
    "type": "array",
    "maxItems": MAX_LIST,
    "items": {
        "type": "object",
        "properties": {"label": STR, "url": STR},
        "additionalProperties": False,
    },
}


def ref(name: str) -> dict:
    """A $ref to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required=None, closed: bool = False, **extra) -> dict:
    """An object schema; responses list every field as required unless told otherwise."""
    schema = {"type": "object", "properties": properties, **extra}
    schema["required"] = list(properties) if required is None else list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


def listing(item: str, **more) -> dict:
    """The list shape: {"items": [...], "next": URL or null}."""
    props = {"items": {"type": "array", "items": ref(item)}, "next": URL_OR_NULL}
    return obj({**props, **more})


ENTRY = {
    "id": INT, "title": STR, "slug": STR,
    "body": {**STR, "description": "Markdown."},
    "body_html": {**STR, "description": "Sanitized HTML rendered from body (read-only)."},
    "excerpt": STR, "meta_description": STR,
    "status": {"type": "string", "enum": ["draft", "published"]},
    "published_at": {**TIME_OR_NULL, "description": "In the future: scheduled."},
    "categories": {
        "type": "array", "items": STR, "maxItems": MAX_CATEGORIES, "description": "Category slugs.",
    },
    "url": {**URL, "description": "The public address."},
    "created_at": TIME, "updated_at": TIME,
}  # fmt: skip
POST = {**ENTRY, "featured_image": ID_OR_NULL, "featured_image_url": URL_OR_NULL}
PAGE = {
    **ENTRY,
    "categories": {"type": "array", "maxItems": 0, "description": "Pages have no categories."},
    "is_policy": BOOL,
    "effective_date": DATE_OR_NULL,
}
ADMIN_EXTRA = {"scheduled": BOOL, "trashed": BOOL, "author": STR_OR_NULL}

WRITABLE = {
    "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
    "slug": SLUG,
    "body": {"type": "string", "maxLength": MAX_BODY, "description": "Markdown."},
    "excerpt": {"type": "string", "maxLength": MAX_EXCERPT},
    "meta_description": {"type": "string", "maxLength": MAX_META},
    "status": {"type": "string", "enum": ["draft", "published"]},
    "published_at": TIME_INPUT,
}
POST_WRITABLE = {
    **WRITABLE,
    "categories": {"type": "array", "items": STR, "maxItems": MAX_LIST},
    "featured_image": ID_OR_NULL,
}
PAGE_WRITABLE = {**WRITABLE, "is_policy": BOOL, "effective_date": DATE_OR_NULL}
READ_ONLY_NOTE = (
    " Server-owned fields (id, author, created_at, updated_at, body_html, url, scheduled, "
    "trashed) are refused with 422, as are unknown fields."
)


def _inputs(name: str, props: dict) -> dict:
    return {
        f"{name}Create": obj(props, ["title"], closed=True, description="New." + READ_ONLY_NOTE),
        f"{name}Replace": obj(
            props,
            ["title", "body", "status"],
            closed=True,
            description="PUT: omitted fields return to their defaults, except slug and "
            "published_at, which keep their values." + READ_ONLY_NOTE,
        ),  # fmt: skip
        f"{name}Patch": obj(props, [], closed=True, description="PATCH: only the given fields."),
    }


CATEGORY = {"id": INT, "name": STR, "slug": STR, "description": STR, "url": URL}
CATEGORY_WRITABLE = {
    "name": {"type": "string", "minLength": 1, "maxLength": 80},
    "slug": SLUG,
    "description": STR,
}
NOTICE = {
    "id": INT, "key": STR, "label": STR, "body": STR, "body_html": STR, "link_label": STR,
    "link_url": STR, "placement": STR, "availability_state": STR_OR_NULL,
    "starts_at": TIME_OR_NULL, "ends_at": TIME_OR_NULL, "updated_at": TIME,
}  # fmt: skip
AVAILABILITY = obj({"state": STR, "label": STR})
SETTING_TYPES = {"text": STR, "bool": BOOL, "int": INT, "links": LINKS, "id": ID_OR_NULL}


def settings_schemas(kinds: dict) -> dict:
    """Settings as read, and as a PATCH body, from {setting: kind}."""
    props = {key: SETTING_TYPES[kind] for key, kind in kinds.items()}
    public = {key: props.get(key, STR) for key in PUBLIC_SETTINGS}
    public.update(
        office_address=STR, office_hours=STR, logo_url=URL_OR_NULL, favicon_url=URL_OR_NULL,
        url=URL,
    )  # fmt: skip
    return {
        "Settings": obj(props),
        "SettingsPatch": obj(props, [], closed=True),
        "PublicSettings": obj(public),
    }


def schemas(setting_kinds: dict) -> dict:
    """Every component schema."""
    revision = {
        "id": INT, "title": STR, "slug": STR, "status": STR, "published_at": TIME_OR_NULL,
        "note": STR, "author": STR_OR_NULL, "created_at": TIME,
    }  # fmt: skip
    media = {
        "id": INT, "filename": STR, "mime": STR, "width": INT, "height": INT, "alt": STR,
        "url": URL, "created_at": TIME,
    }  # fmt: skip
    return {
        "Problem": obj(
            {
                "type": STR,
                "title": STR,
                "status": INT,
                "detail": STR,
                "errors": {"type": "array", "items": obj({"field": STR, "detail": STR})},
                "required_scopes": {"type": "array", "items": {"enum": list(SCOPES)}},
                "current_etag": {**STR, "description": "With 412: the resource's ETag now."},
            },
            ["type", "title", "status", "detail"],
            description="RFC 9457 problem details; `errors` names the fields at fault.",
        ),  # fmt: skip
        "Post": obj(POST),
        "Page": obj(PAGE),
        "AdminPost": obj({**POST, **ADMIN_EXTRA}),
        "AdminPage": obj({**PAGE, **ADMIN_EXTRA}),
        "PostList": listing("Post"),
        "PageList": listing("Page"),
        "AdminPostList": listing("AdminPost"),
        "AdminPageList": listing("AdminPage"),
        **_inputs("Post", POST_WRITABLE),
        **_inputs("Page", PAGE_WRITABLE),
        "PublishRequest": obj({"published_at": TIME_INPUT}, [], closed=True),
        "Category": obj({**CATEGORY, "post_count": INT}),
        "CategoryList": listing("Category"),
        "TrashedCategory": obj({**CATEGORY, "deleted_at": TIME}),
        "TrashedCategoryList": listing("TrashedCategory"),
        "CategoryCreate": obj(CATEGORY_WRITABLE, ["name"], closed=True),
        "CategoryPatch": obj(CATEGORY_WRITABLE, [], closed=True),
        "Availability": AVAILABILITY,
        "Notice": obj(NOTICE),
        "NoticeList": listing("Notice", availability=ref("Availability")),
        "AdminNotice": obj({**NOTICE, "enabled": BOOL, "position": INT, "link_page": ID_OR_NULL}),
        "AdminNoticeList": listing("AdminNotice", availability=ref("Availability")),
        "NoticePatch": obj(
            {
                "body": {"type": "string", "minLength": 1, "maxLength": 2000},
                "link_label": STR,
                "link_url": STR,
                "link_page": ID_OR_NULL,
                "starts_at": TIME_INPUT,
                "ends_at": TIME_INPUT,
                "enabled": BOOL,
            },
            [],
            closed=True,
        ),  # fmt: skip
        **settings_schemas(setting_kinds),
        "Revision": obj(revision),
        "RevisionDetail": obj({**revision, "body": STR, "excerpt": STR, "meta_description": STR}),
        "RevisionList": listing("Revision"),
        "Media": obj(media),
        "MediaList": listing("Media"),
        "MediaUpload": obj({"file": {"type": "string", "contentMediaType": "image/*"}, "alt": STR}),
        "MediaPatch": obj({"alt": {"type": "string", "minLength": 1}}, closed=True),
    }
