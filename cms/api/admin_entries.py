"""Admin API for posts and pages: the same cms.content.service calls the editor makes.

Every answer carries an ETag (an entry's is its cms.content.versions.entry_version), and every
write to an existing entry honours If-Match and If-Unmodified-Since (412 when stale).
"""

import hashlib

from flask import g, request

from ..content import service as services
from ..content.records import Revision
from ..content.versions import entry_version
from ..core import clock
from ..core.errors import problem
from ..core.templating import site_url
from ..core.validation import StaleError
from . import fields
from .auth import require
from .blueprint import bp
from .errors import ApiProblem
from .inputs import check_fields, expected_version, read_json, stale, tagged
from .paging import by_id, limit_arg
from .serializers import entries_json, entry_json, model_for, revision_json

KIND = "<any(posts, pages):kind>"
ID = "<api_id:entry_id>"
ENTRY = f"/admin/{KIND}/{ID}"
SPECS, READ_ONLY = fields.ENTRY_FIELDS, fields.ENTRY_READ_ONLY
# What PUT resets an omitted field to; slug and published_at keep their current values.
PUT_DEFAULTS = {
    "excerpt": "", "meta_description": "", "categories": [], "featured_image": None,
    "is_policy": False, "effective_date": None, "tags": [], "seo_title": "", "social_image": None,
}  # fmt: skip
# ?status= and the model query that lists it (cms.content.models).
LISTS = {"draft": "drafts", "published": "live", "scheduled": "scheduled", "trashed": "trashed"}


def _entry(kind: str, entry_id: int):
    model = model_for(kind)
    entry = model.get_or_none(model.id == entry_id)
    if entry is None:
        raise ApiProblem(404, f"There is no {kind[:-1]} with id {entry_id}.")
    return entry


def _body(kind: str, required=()) -> dict:
    read_only = READ_ONLY | ({"categories", "tags"} if kind == "pages" else set())
    return check_fields(read_json(), SPECS[kind], read_only, required)


def _save(kind: str, data: dict, entry=None, note: str = "", expected=None):
    save = services.save_post if kind == "posts" else services.save_page
    return save(data, entry, actor=g.api_token, note=note, expected_version=expected)


def _expected(entry):
    """The version this request may change (from If-Match or If-Unmodified-Since)."""
    return expected_version(entry_version(entry), entry.updated_at)


def _answer(entry, status: int = 200, headers=None):
    version = entry_version(entry)
    return tagged(entry_json(entry, admin=True), version, entry.updated_at, status, headers)


@bp.errorhandler(StaleError)
def _stale(error: StaleError):
    """A write whose precondition the service found stale under the write lock: 412."""
    answer = stale(error.version)
    response = problem(answer.status, answer.detail, **answer.extra)
    response.headers.update(answer.headers)
    return response


@bp.after_request
def _tag_admin_answers(response):
    """Every Admin API answer with a JSON body has an ETag (a list's: a hash of its body)."""
    if (
        request.path.startswith("/api/v1/admin/")
        and response.status_code == 200
        and response.mimetype == "application/json"
        and "ETag" not in response.headers
    ):
        response.set_etag(hashlib.blake2b(response.get_data(), digest_size=12).hexdigest())
    return response


@bp.get(f"/admin/{KIND}")
@require("content:read", "content:write")
def admin_list(kind):
    """Every post or page, newest first; ?status=draft|published|scheduled|trashed."""
    model = model_for(kind)
    status = request.args.get("status")
    if status is not None and status not in LISTS:
        raise ApiProblem(400, "status must be draft, published, scheduled or trashed.")
    query = getattr(model, LISTS[status] if status else "current")()
    items, next_url = by_id(query, model, limit_arg())
    return {"items": entries_json(items, admin=True), "next": next_url}


@bp.post(f"/admin/{KIND}")
@require("content:write")
def admin_create(kind):
    """Create a post or page; "status": "published" publishes it at once."""
    entry = _save(kind, _body(kind, required=fields.CREATE_REQUIRED), note="created")
    return _answer(entry, 201, {"Location": site_url(f"/api/v1/admin/{kind}/{entry.id}")})


@bp.get(ENTRY)
@require("content:read", "content:write")
def admin_get(kind, entry_id):
    """One post or page, in any state."""
    return _answer(_entry(kind, entry_id))


@bp.put(ENTRY)
@require("content:write")
def admin_replace(kind, entry_id):
    """Replace the writable fields (omitted ones return to their defaults)."""
    entry = _entry(kind, entry_id)
    expected = _expected(entry)
    data = _body(kind, required=fields.REPLACE_REQUIRED)
    defaults = {k: v for k, v in PUT_DEFAULTS.items() if k in SPECS[kind]}
    entry = _save(kind, {**defaults, **data}, entry, expected=expected)
    return _answer(entry)


@bp.patch(ENTRY)
@require("content:write")
def admin_update(kind, entry_id):
    """Change only the given fields (the others keep what is stored when it is written)."""
    entry = _entry(kind, entry_id)
    expected = _expected(entry)
    entry = _save(kind, _body(kind), entry, expected=expected)
    return _answer(entry)


@bp.delete(ENTRY)
@require("content:write")
def admin_trash(kind, entry_id):
    """Move to the trash (restorable)."""
    entry = _entry(kind, entry_id)
    services.trash(entry, _expected(entry), actor=g.api_token)
    return "", 204


@bp.post(f"{ENTRY}/restore")
@require("content:write")
def admin_restore(kind, entry_id):
    """Bring back from the trash."""
    entry = _entry(kind, entry_id)
    services.restore(entry, _expected(entry), actor=g.api_token)
    return _answer(_entry(kind, entry_id))


@bp.post(f"{ENTRY}/publish")
@require("content:write")
def admin_publish(kind, entry_id):
    """Publish now, or schedule with {"published_at": a future time}; without a body, an
    entry whose time is still to come is scheduled for it ({"published_at": null}: now)."""
    entry = _entry(kind, entry_id)
    expected, at = _expected(entry), None
    if request.get_data(cache=True):  # the body is optional
        body = check_fields(read_json(), fields.PUBLISH)
        if "published_at" in body:
            at = body["published_at"] or clock.utcnow()
    entry = services.publish(entry, at, expected, actor=g.api_token)
    return _answer(entry)


@bp.post(f"{ENTRY}/unpublish")
@require("content:write")
def admin_unpublish(kind, entry_id):
    """Turn back into a draft."""
    entry = _entry(kind, entry_id)
    entry = services.unpublish(entry, _expected(entry), actor=g.api_token)
    return _answer(entry)


def _revision(kind: str, entry, revision_id: int) -> Revision:
    revision = Revision.get_or_none(
        (Revision.id == revision_id)
        & (Revision.kind == kind[:-1])
        & (Revision.object_id == entry.id)
    )
    if revision is None:
        raise ApiProblem(404, f"This {kind[:-1]} has no revision {revision_id}.")
    return revision


@bp.get(f"{ENTRY}/revisions")
@require("content:read", "content:write")
def admin_revisions(kind, entry_id):
    """Saved states of a post or page, newest first."""
    entry = _entry(kind, entry_id)
    query = Revision.history(kind[:-1], entry.id).order_by()
    items, next_url = by_id(query, Revision, limit_arg())
    return {"items": [revision_json(r) for r in items], "next": next_url}


@bp.get(f"{ENTRY}/revisions/<api_id:revision_id>")
@require("content:read", "content:write")
def admin_revision(kind, entry_id, revision_id):
    """One revision with its text."""
    return revision_json(_revision(kind, _entry(kind, entry_id), revision_id), full=True)


@bp.post(f"{ENTRY}/revisions/<api_id:revision_id>/restore")
@require("content:write")
def admin_restore_revision(kind, entry_id, revision_id):
    """Bring back a revision's text (as a new revision); status and publish time stay."""
    entry = _entry(kind, entry_id)
    revision = _revision(kind, entry, revision_id)
    entry = services.restore_revision(revision, _expected(entry), actor=g.api_token)
    return _answer(entry)
