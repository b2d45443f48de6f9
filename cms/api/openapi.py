"""The OpenAPI 3.1 document at /api/v1/openapi.json, describing every route of the API."""

from flask import current_app, jsonify

from ..accounts.tokens import SCOPES
from ..core.paging import CURSORS
from .admin_site import SETTING_KINDS
from .blueprint import bp
from .fields import MAX_ID
from .openapi_schemas import ref, schemas
from .paging import DEFAULT_LIMIT, MAX_LIMIT

PROBLEM = "application/problem+json"
ERRORS = {
    400: "Malformed JSON, a bad parameter, or a token sent in the query string.",
    401: "No token, or an unknown, revoked or expired one (the session cookie is ignored).",
    403: "The token lacks the scope this operation needs.",
    404: "No such resource.",
    409: "The request conflicts with what is stored now: the slug is used by another "
    "resource, or the body names an image or category that does not exist (any more), or "
    "the resource is not in a state this action applies to.",
    413: "The body is too large.",
    412: "The resource changed since the version named by If-Match or If-Unmodified-Since; "
    "nothing was written. The ETag header (and `current_etag`) gives the current version.",
    415: "The body has the wrong Content-Type.",
    422: "Validation failed; `errors` lists the fields at fault.",
    429: "Too many requests; see Retry-After.",
}
RETRY = {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}}
CACHING = {
    "ETag": {"schema": {"type": "string"}, "required": True},
    "Cache-Control": {"schema": {"type": "string"}, "required": True},
}
LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
         "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}}  # fmt: skip


def _cursor(shape: str) -> dict:
    return {
        "name": "cursor", "in": "query",
        "schema": {"type": "string", "pattern": CURSORS[shape]},
        "description": "Where the previous page ended, from its `next` link (empty: the "
        "first page). Any value of this shape is read as a position in the list.",
    }  # fmt: skip


CURSOR, DATED_CURSOR = _cursor("id"), _cursor("dated")
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}
ETAG = {"ETag": {"schema": {"type": "string"}, "required": True,
                 "description": "The version of what the answer describes (strong)."}}  # fmt: skip
IF_MATCH = {
    "name": "If-Match", "in": "header", "schema": {"type": "string"},
    "description": "Write only if the resource is still at one of these ETags (from a GET or "
    "an earlier write), else 412. `*` or no header: whatever its version (for scripts).",
}  # fmt: skip
IF_UNMODIFIED_SINCE = {
    "name": "If-Unmodified-Since", "in": "header", "schema": {"type": "string"},
    "description": "An HTTP date: write only if the entry has not changed since (to the "
    "second, as Last-Modified says), else 412. Ignored when If-Match is given.",
}  # fmt: skip
LAST_MODIFIED = {"Last-Modified": {"schema": {"type": "string"}, "required": True}}
KINDS = {"posts": ("Post", "post"), "pages": ("Page", "page")}
READ, WRITE = ("content:read", "content:write"), ("content:write",)


def _path_param(name: str, kind: str = "integer") -> dict:
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID} if kind == "integer" else {
        "type": "string", "minLength": 1}  # fmt: skip
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _json(schema: str) -> dict:
    return {"application/json": {"schema": ref(schema)}}


def _responses(ok: dict, codes) -> dict:
    responses = dict(ok)
    for code in codes:
        body = {"description": ERRORS[code], "content": {PROBLEM: {"schema": ref("Problem")}}}
        if code in (412, 429):
            body["headers"] = ETAG if code == 412 else RETRY
        responses[str(code)] = body
    return responses


def public(summary: str, schema: str, params=(), codes=()) -> dict:
    """A Content API operation: cacheable JSON, 304 on a matching If-None-Match."""
    ok = {
        "200": {"description": "OK", "headers": CACHING, "content": _json(schema)},
        "304": {"description": "Not modified since the ETag given in If-None-Match."},
    }
    return {"summary": summary, "tags": ["Content API"], "security": [],
            "parameters": [*params, IF_NONE_MATCH], "responses": _responses(ok, codes)}  # fmt: skip


def admin(
    summary, scopes, ok, codes=(), params=(), body=None, body_required=True, conditions=()
) -> dict:
    """An Admin API operation: Bearer token with one of `scopes`; `conditions`, the
    precondition headers it honours (412 when stale)."""
    base = {400, 401, 403, 429} | ({404} if any(p["in"] == "path" for p in params) else set())
    if body is not None:
        base |= {413, 415, 422}
    if conditions:
        base.add(412)
        params = [*params, *conditions]
    op = {
        "summary": summary,
        "description": f"Needs a token with the scope {' or '.join(scopes)}.",
        "tags": ["Admin API"],
        "security": [{"bearer": []}],
        "x-scopes": list(scopes),
        "parameters": list(params),
        "responses": _responses(ok, sorted(base | set(codes))),
    }
    if body is not None:
        op["requestBody"] = {"required": body_required, "content": body}
    return op


def _ok(schema: str, status: str = "200", modified: bool = False) -> dict:
    """A JSON answer with its ETag (and Last-Modified for posts and pages)."""
    description = {"200": "OK", "201": "Created"}[status]
    answer = {"description": description, "content": _json(schema), "headers": dict(ETAG)}
    if status == "201":
        answer["headers"]["Location"] = {"schema": {"type": "string"}, "required": True}
    if modified:
        answer["headers"].update(LAST_MODIFIED)
    return {status: answer}


NO_CONTENT = {"204": {"description": "Done; no content."}}


def _entry_paths(kind: str) -> dict:
    name, one = KINDS[kind]
    base, item = f"/api/v1/admin/{kind}", f"/api/v1/admin/{kind}/{{id}}"
    idp, rid = [_path_param("id")], [_path_param("id"), _path_param("revision_id")]
    status = {"name": "status", "in": "query", "schema": {
        "type": "string", "enum": ["draft", "published", "scheduled", "trashed"]}}  # fmt: skip
    entry = _ok(f"Admin{name}", modified=True)
    when = (IF_MATCH, IF_UNMODIFIED_SINCE)  # every write to an existing entry honours both
    return {
        base: {
            "get": admin(f"List {kind} in any state", READ, _ok(f"Admin{name}List"),
                         params=[status, LIMIT, CURSOR]),
            "post": admin(f"Create a {one}", WRITE, _ok(f"Admin{name}", "201", True), [409],
                          body=_json(f"{name}Create")),
        },  # fmt: skip
        item: {
            "get": admin(f"One {one}", READ, entry, params=idp),
            "put": admin(f"Replace a {one}", WRITE, entry, [409], idp,
                         _json(f"{name}Replace"), conditions=when),
            "patch": admin(f"Change a {one}", WRITE, entry, [409], idp,
                           _json(f"{name}Patch"), conditions=when),
            "delete": admin(f"Move a {one} to the trash (it stays readable, with trashed: "
                            "true, until restored)", WRITE, NO_CONTENT, params=idp,
                            conditions=when),
        },  # fmt: skip
        f"{item}/restore": {"post": admin(f"Restore a {one} from the trash", WRITE, entry,
                                          params=idp, conditions=when)},
        f"{item}/publish": {"post": admin(
            f"Publish a {one} now, or schedule it with a future published_at", WRITE,
            entry, [409], idp, _json("PublishRequest"), body_required=False,
            conditions=when)},
        f"{item}/unpublish": {"post": admin(f"Turn a {one} back into a draft", WRITE,
                                            entry, [422], idp, conditions=when)},
        f"{item}/revisions": {"get": admin(f"Revisions of a {one}", READ, _ok("RevisionList"),
                                           params=[*idp, LIMIT, CURSOR])},
        f"{item}/revisions/{{revision_id}}": {"get": admin(
            "One revision with its text", READ, _ok("RevisionDetail"), params=rid)},
        f"{item}/revisions/{{revision_id}}/restore": {"post": admin(
            "Restore a revision's text", WRITE, entry, [409, 422], rid, conditions=when)},
    }  # fmt: skip


def _site_paths() -> dict:
    cid, nid, mid = _path_param("id"), _path_param("id"), _path_param("id")
    media_form = {"multipart/form-data": {"schema": ref("MediaUpload")}}
    return {
        "/api/v1/admin/categories": {
            "get": admin("List categories", READ, _ok("CategoryList"), params=[LIMIT, CURSOR]),
            "post": admin("Create a category", WRITE, _ok("Category", "201"), [409],
                          body=_json("CategoryCreate")),
        },
        "/api/v1/admin/categories/trash": {"get": admin(
            "Trashed categories", READ, _ok("TrashedCategoryList"), params=[LIMIT, CURSOR])},
        "/api/v1/admin/categories/{id}": {
            "get": admin("One category", READ, _ok("Category"), params=[cid]),
            "put": admin("Replace a category (slug kept when omitted)", WRITE, _ok("Category"),
                         [409], [cid], _json("CategoryCreate"), conditions=[IF_MATCH]),
            "patch": admin("Change a category", WRITE, _ok("Category"), [409], [cid],
                           _json("CategoryPatch"), conditions=[IF_MATCH]),
            "delete": admin("Move a category to the trash (posts keep their others)", WRITE,
                            NO_CONTENT, params=[cid], conditions=[IF_MATCH]),
        },
        "/api/v1/admin/categories/{id}/restore": {"post": admin(
            "Restore a trashed category with its posts (409 when it is not in the trash)", WRITE,
            _ok("Category"), [409], [cid])},
        "/api/v1/admin/notices": {"get": admin(
            "Every notice and the availability state", ("content:read", "notices:write"),
            _ok("AdminNoticeList"))},
        "/api/v1/admin/notices/{id}": {
            "get": admin("One notice", ("content:read", "notices:write"), _ok("AdminNotice"),
                         params=[nid]),
            "patch": admin("Switch a notice, or change its text, link and time window",
                           ("notices:write",), _ok("AdminNotice"), params=[nid],
                           body=_json("NoticePatch"), conditions=[IF_MATCH]),
        },
        "/api/v1/admin/settings": {
            "get": admin("The editable settings", ("content:read", "settings:write"),
                         _ok("Settings")),
            "patch": admin("Change settings (notices:write may change availability only)",
                           ("settings:write", "notices:write"), _ok("Settings"),
                           body=_json("SettingsPatch"), conditions=[IF_MATCH]),
        },
        "/api/v1/admin/media": {
            "get": admin("List images", ("content:read", "media:write"), _ok("MediaList"),
                         params=[LIMIT, CURSOR]),
            "post": admin("Upload an image (JPEG, PNG or WebP; re-encoded, metadata removed)",
                          ("media:write",), _ok("Media", "201"), body=media_form),
        },
        "/api/v1/admin/media/{id}": {
            "get": admin("One image", ("content:read", "media:write"), _ok("Media"),
                         params=[mid]),
            "patch": admin("Change an image's alt text", ("media:write",), _ok("Media"),
                           params=[mid], body=_json("MediaPatch"), conditions=[IF_MATCH]),
            "delete": admin("Delete an image (409 while used)", ("media:write",), NO_CONTENT,
                            [409], [mid], conditions=[IF_MATCH]),
        },
    }  # fmt: skip


def _content_paths() -> dict:
    category = {"name": "category", "in": "query", "schema": {"type": "string"},
                "description": "Only posts in the category with this slug."}  # fmt: skip
    q = {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
         "description": "Words to search for (prefix match)."}  # fmt: skip
    slug = [_path_param("slug", "string")]
    return {
        "/api/v1/posts": {"get": public("Published posts, newest first", "PostList",
                                        [category, q, LIMIT, DATED_CURSOR], [400, 404])},
        "/api/v1/posts/{slug}": {"get": public("One published post", "Post", slug, [404])},
        "/api/v1/pages": {"get": public("Published pages, newest first", "PageList",
                                        [LIMIT, DATED_CURSOR], [400])},
        "/api/v1/pages/{slug}": {"get": public("One published page", "Page", slug, [404])},
        "/api/v1/categories": {"get": public("Categories with published posts",
                                             "CategoryList")},
        "/api/v1/notices": {"get": public("Notices showing now, and the availability state",
                                          "NoticeList")},
        "/api/v1/settings": {"get": public("Public site settings", "PublicSettings")},
        "/api/v1/openapi.json": {"get": {
            "summary": "This document", "tags": ["Content API"], "security": [],
            "responses": {"200": {"description": "OK", "content": {
                "application/json": {"schema": {"type": "object"}}}}}}},
    }  # fmt: skip


def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "practice-cms API",
            "version": "1.0.0",
            "description": (
                "Content API (public, published content only, cacheable) under /api/v1/, and "
                "Admin API (Bearer token only, scoped) under /api/v1/admin/. Errors are RFC "
                "9457 problem details. Every Admin API answer with a body carries an ETag, the "
                "resource's version; send it back in If-Match with a write (PUT, PATCH, DELETE "
                "and the actions on a post or page) and the write is refused with 412 if "
                "someone changed the resource since, so no change is overwritten unseen. "
                "Posts and pages also carry Last-Modified and honour If-Unmodified-Since "
                "(to the second; If-Match wins when both are sent). A write without either "
                "header is not checked (scripts that own their content may skip them); PATCH "
                "changes only the fields it sends. Token scopes: "
                + "; ".join(f"{k}: {v}" for k, v in SCOPES.items())
                + "."
            ),
        },
        "paths": {
            **_content_paths(),
            **_entry_paths("posts"),
            **_entry_paths("pages"),
            **_site_paths(),
        },  # fmt: skip
        "components": {
            "schemas": schemas(SETTING_KINDS),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI document (built once per process)."""
    if "cms_openapi" not in current_app.extensions:
        current_app.extensions["cms_openapi"] = document()
    return jsonify(current_app.extensions["cms_openapi"])
