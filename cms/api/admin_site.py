"""Admin API for categories, notices (with availability) and settings.

Each one carries its version as an ETag, and writes honour If-Match (412 when stale);
none of them has a modification time, so If-Unmodified-Since is ignored here.
"""

from flask import g, request

from ..content.categories import restore_category, save_category, trash_category
from ..content.models import Category, PostCategory
from ..content.records import CategoryTrash
from ..content.versions import category_version
from ..core.templating import site_url
from ..site import notices, settings
from ..site.models import Notice
from . import fields
from .auth import require
from .blueprint import bp
from .errors import ApiProblem
from .inputs import check_fields, expected_version, read_json, tagged
from .paging import by_id, limit_arg
from .serializers import availability_json, category_json, iso, notice_json

CATEGORY = "/admin/categories/<api_id:category_id>"
NOTICE = "/admin/notices/<api_id:notice_id>"
CATEGORY_SPEC, NOTICE_SPEC = fields.CATEGORY, fields.NOTICE
CATEGORY_READ_ONLY = {"id", "url", "post_count"}
NOTICE_READ_ONLY = {
    "id", "key", "label", "body_html", "placement", "availability_state", "updated_at",
    "position",
}  # fmt: skip
# The inbox switch belongs to the editor's Inbox screen, not to scripts.
SETTING_KINDS = {
    key: kind for key, kind in settings.SETTING_KINDS.items() if key != "editors_can_read_messages"
}


def _category(category_id: int) -> Category:
    category = Category.get_or_none(Category.id == category_id)
    if category is None:
        raise ApiProblem(404, f"There is no category with id {category_id}.")
    return category


def _category_data(category: Category) -> dict:
    count = PostCategory.select().where(PostCategory.category == category).count()
    return category_json(category, count)


def _with_count(category: Category, status: int = 200, headers=None):
    version = category_version(category)
    return tagged(_category_data(category), version, status=status, headers=headers)


@bp.get("/admin/categories")
@require("content:read", "content:write")
def admin_categories():
    """Every category with its number of posts (any state), newest first."""
    items, next_url = by_id(Category.select(), Category, limit_arg())
    return {"items": [_category_data(c) for c in items], "next": next_url}


@bp.post("/admin/categories")
@require("content:write")
def admin_create_category():
    """Create a category (the slug comes from the name when not given)."""
    data = check_fields(read_json(), CATEGORY_SPEC, CATEGORY_READ_ONLY, fields.CATEGORY_REQUIRED)
    category = save_category(data, actor=g.api_token)
    location = site_url(f"/api/v1/admin/categories/{category.id}")
    return _with_count(category, 201, {"Location": location})


@bp.get(CATEGORY)
@require("content:read", "content:write")
def admin_category(category_id):
    """One category."""
    return _with_count(_category(category_id))


@bp.route(CATEGORY, methods=["PUT", "PATCH"])
@require("content:write")
def admin_update_category(category_id):
    """Rename or describe a category; PUT resets an omitted description (slug stays)."""
    category = _category(category_id)
    expected = expected_version(category_version(category))
    required = fields.CATEGORY_REQUIRED if request.method == "PUT" else ()
    data = check_fields(read_json(), CATEGORY_SPEC, CATEGORY_READ_ONLY, required)
    if request.method == "PUT":
        data.setdefault("description", "")
    category = save_category(data, category, expected, actor=g.api_token)
    return _with_count(category)


@bp.delete(CATEGORY)
@require("content:write")
def admin_trash_category(category_id):
    """Move a category to the trash; its posts keep their other categories."""
    category = _category(category_id)
    expected = expected_version(category_version(category))
    trash_category(category, expected, actor=g.api_token)
    return "", 204


@bp.get("/admin/categories/trash")
@require("content:read", "content:write")
def admin_category_trash():
    """Trashed categories, newest first; restore them by their original id."""
    items, next_url = by_id(CategoryTrash.select(), CategoryTrash, limit_arg())
    rows = [{**category_json(_as_category(t)), "deleted_at": iso(t.deleted_at)} for t in items]
    return {"items": rows, "next": next_url}


def _as_category(trashed: CategoryTrash) -> Category:
    return Category(
        id=trashed.category_id, name=trashed.name, slug=trashed.slug,
        description=trashed.description,
    )  # fmt: skip


@bp.post(f"{CATEGORY}/restore")
@require("content:write")
def admin_restore_category(category_id):
    """Bring a trashed category back with its posts."""
    trashed = (
        CategoryTrash.select()
        .where(CategoryTrash.category_id == category_id)
        .order_by(CategoryTrash.id.desc())
        .first()
    )
    if trashed is None and Category.get_or_none(Category.id == category_id):
        raise ApiProblem(409, f"Category {category_id} is not in the trash.")
    if trashed is None:
        raise ApiProblem(404, f"There is no trashed category with id {category_id}.")
    category = restore_category(trashed, actor=g.api_token)
    return _with_count(category)


def _notice(notice_id: int) -> Notice:
    notice = Notice.get_or_none(Notice.id == notice_id)
    if notice is None:
        raise ApiProblem(404, f"There is no notice with id {notice_id}.")
    return notice


@bp.get("/admin/notices")
@require("content:read", "notices:write")
def admin_notices():
    """Every notice, shown or not, and the availability state."""
    items = [notice_json(n, admin=True) for n in Notice.select().order_by(Notice.position)]
    return {"items": items, "next": None, "availability": availability_json()}


def _notice_answer(notice: Notice):
    version = notices.notice_version(notice, switch=True)
    return tagged(notice_json(notice, admin=True), version)


@bp.get(NOTICE)
@require("content:read", "notices:write")
def admin_notice(notice_id):
    """One notice."""
    return _notice_answer(_notice(notice_id))


@bp.patch(NOTICE)
@require("notices:write")
def admin_update_notice(notice_id):
    """Switch a notice on or off, or change its text, link and time window."""
    notice = _notice(notice_id)
    expected = expected_version(notices.notice_version(notice, switch=True))
    data = check_fields(read_json(), NOTICE_SPEC, NOTICE_READ_ONLY)
    notice = notices.update_notice(notice, data, actor=g.api_token, expected_version=expected)
    return _notice_answer(_notice(notice_id))


def _editable_settings():
    values = settings.read_settings(actor=g.api_token)
    return tagged({key: values[key] for key in SETTING_KINDS}, settings.settings_version(values))


@bp.get("/admin/settings")
@require("content:read", "settings:write")
def admin_settings():
    """Every setting people can edit (an administrator's token only, like the screen)."""
    return _editable_settings()


@bp.patch("/admin/settings")
@require("settings:write", "notices:write")
def admin_update_settings():
    """Change the given settings; a notices:write token may change `availability` only."""
    expected = expected_version(settings.settings_version())
    data = check_fields(read_json(), fields.settings_fields(SETTING_KINDS))
    if set(data) - {"availability"} and not g.api_token.allows("settings:write"):
        raise ApiProblem(
            403, "This token may change only availability; other settings need settings:write."
        )
    settings.update_settings(data, actor=g.api_token, expected_version=expected)
    return _editable_settings()
