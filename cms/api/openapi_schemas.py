"""The OpenAPI components: every JSON object the API reads or writes, and its errors."""

from ..accounts.tokens import SCOPES
from ..content.fields import MAX_CATEGORIES, MAX_TAGS
from . import fields as spec
from .serializers import PUBLIC_SETTINGS

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
URL = {"type": "string", "format": "uri"}
URL_OR_NULL = {"type": ["string", "null"], "format": "uri"}
TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
STR_OR_NULL = {"type": ["string", "null"]}
ID_OR_NULL = spec.ID_OR_NULL.schema
LINKS = spec.LINKS.schema


def ref(name: str) -> dict:
    """A $ref to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required=None, closed: bool = False, **extra) -> dict:
    """An object schema; responses list every field as required unless told otherwise."""
    schema = {"type": "object", "properties": properties, **extra}
    schema["required"] = list(properties) if required is None else list(required)
    if closed:  # a request body: what cms.api.inputs.check_fields checks, field by field
        schema["additionalProperties"] = False
    return schema


def body(fields: dict, required=(), **extra) -> dict:
    """A request body's schema, from its fields (cms.api.fields)."""
    props = {name: field.published for name, field in fields.items()}
    return obj(props, required, closed=True, **extra)


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
    "tags": {"type": "array", "items": STR, "maxItems": MAX_TAGS, "description": "Tag names."},
    "seo_title": {**STR, "description": "For <title> and og:title; empty: the title."},
    "social_image": {**ID_OR_NULL, "description": "The image shared on social media."},
    "social_image_url": URL_OR_NULL,
    "url": {**URL, "description": "The public address."},
    "created_at": TIME, "updated_at": TIME,
}  # fmt: skip
POST = {**ENTRY, "featured_image": ID_OR_NULL, "featured_image_url": URL_OR_NULL}
PAGE = {
    **ENTRY,
    "categories": {"type": "array", "maxItems": 0, "description": "Pages have no categories."},
    "tags": {"type": "array", "maxItems": 0, "description": "Pages have no tags."},
    "is_policy": BOOL,
    "effective_date": DATE_OR_NULL,
}
ADMIN_EXTRA = {"scheduled": BOOL, "trashed": BOOL, "author": STR_OR_NULL}

READ_ONLY_NOTE = (
    f" Server-owned fields ({', '.join(sorted(spec.ENTRY_READ_ONLY))}) are refused with 422, "
    "as are unknown fields."
)


def _inputs(name: str, fields: dict) -> dict:
    return {
        f"{name}Create": body(fields, spec.CREATE_REQUIRED, description="New." + READ_ONLY_NOTE),
        f"{name}Replace": body(
            fields,
            spec.REPLACE_REQUIRED,
            description="PUT: omitted fields return to their defaults, except slug and "
            "published_at, which keep their values." + READ_ONLY_NOTE,
        ),
        f"{name}Patch": body(fields, description="PATCH: only the given fields."),
    }


CATEGORY = {
    "id": INT, "name": STR, "slug": STR, "description": STR, "url": URL,
    "parent": {**STR_OR_NULL, "description": "The slug of the category this one sits under."},
}  # fmt: skip
NOTICE = {
    "id": INT, "key": STR, "label": STR, "body": STR, "body_html": STR, "link_label": STR,
    "link_url": STR, "placement": STR, "availability_state": STR_OR_NULL,
    "starts_at": TIME_OR_NULL, "ends_at": TIME_OR_NULL, "updated_at": TIME,
}  # fmt: skip
AVAILABILITY = obj({"state": STR, "label": STR})


def settings_schemas(kinds: dict) -> dict:
    """Settings as read, and as a PATCH body, from {setting: kind}."""
    props = {key: field.published for key, field in spec.settings_fields(kinds).items()}
    public = {key: props.get(key, STR) for key in PUBLIC_SETTINGS}
    public.update(
        office_address=STR, office_hours=STR, logo_url=URL_OR_NULL, favicon_url=URL_OR_NULL,
        url=URL,
    )  # fmt: skip
    return {
        "Settings": obj(props),
        "SettingsPatch": body(spec.settings_fields(kinds)),
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
        **_inputs("Post", spec.POST),
        **_inputs("Page", spec.PAGE),
        "PublishRequest": body(spec.PUBLISH),
        "Category": obj({**CATEGORY, "post_count": INT}),
        "CategoryList": listing("Category"),
        "TrashedCategory": obj({**CATEGORY, "deleted_at": TIME}),
        "TrashedCategoryList": listing("TrashedCategory"),
        "CategoryCreate": body(spec.CATEGORY, spec.CATEGORY_REQUIRED),
        "CategoryPatch": body(spec.CATEGORY),
        "Availability": AVAILABILITY,
        "Notice": obj(NOTICE),
        "NoticeList": listing("Notice", availability=ref("Availability")),
        "AdminNotice": obj({**NOTICE, "enabled": BOOL, "position": INT, "link_page": ID_OR_NULL}),
        "AdminNoticeList": listing("AdminNotice", availability=ref("Availability")),
        "NoticePatch": body(spec.NOTICE),
        **settings_schemas(setting_kinds),
        "Revision": obj(revision),
        "RevisionDetail": obj({**revision, "body": STR, "excerpt": STR, "meta_description": STR}),
        "RevisionList": listing("Revision"),
        "Media": obj(media),
        "MediaList": listing("Media"),
        "MediaUpload": obj({"file": {"type": "string", "contentMediaType": "image/*"}, "alt": STR}),
        "MediaPatch": body(spec.MEDIA, ["alt"]),
    }
