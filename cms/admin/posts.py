"""Writing: lists of posts and pages, one form for both, previews, publishing."""

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.stash import peek_form
from ..content import fields, presence
from ..content.autosaves import LIMITS as AUTOSAVED
from ..content.autosaves import autosaves, discard_autosaves, newer_autosave
from ..content.fields import MAX_BODY, MAX_TITLE
from ..content.models import Category, Page, Post, PostCategory
from ..content.policies import policy_change_errors
from ..content.records import Revision
from ..content.render import refused_preview, render_markdown, render_preview
from ..content.revisions import ENTRY_FIELDS, compare, entry_sides
from ..content.sanitize import TooComplex
from ..content.service import save_page, save_post
from ..content.versions import entry_version
from ..core.paging import page_number
from ..core.security import row_id
from ..core.templating import local_time
from ..core.validation import StaleError, ValidationError
from ..media.models import Media
from ..media.service import MAX_ALT
from ..site.models import Notice
from .blueprint import bp
from .categories import tree_choices
from .content_forms import EntryForm, chosen_action, expected_version, show_errors
from .publishing import SAVING_ACTIONS, apply_action, button_state, saved_message
from .seo_tags_fields import seo_tags_initial
from .unsent import STASH_COOKIE

KINDS = {"posts": (Post, "post", save_post), "pages": (Page, "page", save_page)}
KIND_URL = "<any(posts, pages):kind>"
PER_PAGE = 50
FILTERS = ("all", "draft", "scheduled", "published")


def get_entry(kind: str, entry_id: int):
    """The post or page (trashed ones included), or 404."""
    model = KINDS[kind][0]
    return model.get_or_none(model.id == entry_id) or abort(404)


def _filtered(model, status: str, q: str, category: str):
    lists = {"draft": model.drafts, "published": model.live, "scheduled": model.scheduled}
    query = lists.get(status, model.current)()
    if q:
        query = query.where(model.title.contains(q) | model.slug.contains(q))
    if row_id(category) is not None and model is Post:
        query = query.where(model.id.in_(_posts_in(row_id(category))))
    return query.order_by(model.updated_at.desc(), model.id.desc())


def _posts_in(category_id: int):
    return PostCategory.select(PostCategory.post).where(PostCategory.category == category_id)


def entry_counts(model) -> dict:
    """How many live drafts and scheduled entries there are (trash excluded)."""
    return {"draft": model.drafts().count(), "scheduled": model.scheduled().count()}


@bp.route(f"/{KIND_URL}/")
def entry_list(kind):
    """Posts or pages with status, date, search and filters; counts of drafts and scheduled."""
    model = KINDS[kind][0]
    status = request.args.get("status", "all")
    status = status if status in FILTERS else "all"
    q, category = request.args.get("q", "").strip()[:MAX_TITLE], request.args.get("category", "")
    page = page_number()
    query = _filtered(model, status, q, category)
    return render_template(
        "admin/posts.html", kind=kind, entries=list(query.paginate(page, PER_PAGE)),
        total=query.count(), page=page, per_page=PER_PAGE, status=status, q=q,
        category=category, counts=entry_counts(model), filters=FILTERS,
        categories=list(Category.select().order_by(Category.name)) if model is Post else [],
    )  # fmt: skip


def _initial(entry) -> dict:
    """The form's starting values for an existing entry (or a new one)."""
    if entry is None:
        return {"status": "draft"} | seo_tags_initial(None)
    names = ("title", "slug", "excerpt", "meta_description", "status", "published_at", "body")
    values = {name: getattr(entry, name) for name in names}
    values["excerpt"] = entry.excerpt if entry.excerpt_typed else ""  # empty: made from the text
    values["version"] = entry_version(entry)
    if isinstance(entry, Post):
        values["categories"] = [str(c.id) for c in entry.category_list]
        values["featured_image"] = str(entry.featured_image_id or "")
    else:
        values.update(is_policy=entry.is_policy, effective_date=entry.effective_date)
    return values | seo_tags_initial(entry)


def _build_form(kind: str, entry) -> EntryForm:
    restored = None
    if request.method == "GET" and request.cookies.get(STASH_COOKIE):
        restored = peek_form(request.cookies[STASH_COOKIE], request.path, current_user.id)
        if restored is not None:
            flash("Your unsaved text was kept and is shown below. Check it, then save.")
    else:
        g.form_handled = True  # the guard and the CSRF check let this request through
    form = (
        EntryForm(formdata=restored, **_initial(entry))
        if restored
        else EntryForm(**_initial(entry))
    )
    if kind == "posts":
        del form.is_policy, form.effective_date
        form.categories.choices = tree_choices(list(Category.select().order_by(Category.name)))
        form.featured_image.choices = image_choices()
    else:
        del form.categories, form.featured_image
    form.prepare_seo_tags(kind, image_choices())
    _restore_autosave(kind, form, entry)
    form.original_time = (
        entry.published_at.replace(second=0) if entry and entry.published_at else None
    )
    return form


def _restore_autosave(kind: str, form: EntryForm, entry) -> None:
    """?autosave=ID: the writer's own autosaved text in the form, to check and save."""
    number = row_id(request.args.get("autosave")) if request.method == "GET" else None
    found = (
        number
        and autosaves(KINDS[kind][1], entry and entry.id, current_user.id)
        .where(Revision.id == number)
        .first()
    )
    if found:
        for name in AUTOSAVED:
            getattr(form, name).data = getattr(found, name)
        flash("The autosaved text is in the form below. Check it, then save it.")


def image_choices() -> dict[str, str]:
    """The media library as choices of a select (newest first)."""
    images = Media.select(Media.id, Media.alt, Media.filename).order_by(Media.id.desc())
    return {"": "None", **{str(m.id): f"{m.alt[:60]} ({m.filename})" for m in images}}


def _save(kind: str, form: EntryForm, entry):
    """Save the form through the services: (entry, None); (None, conflict) when someone
    else saved since the form was loaded; (None, None) with the form's errors marked."""
    data = form.service_data()
    if entry is not None and data.get("published_at") == form.original_time:
        data["published_at"] = entry.published_at  # unchanged to the minute: keep seconds
    action = chosen_action()
    action = action if action in SAVING_ACTIONS else "save"
    apply_action(action, data, entry)
    if kind == "pages" and (
        asked := policy_change_errors(entry, data, request.form.get("policy_change"))
    ):
        show_errors(form, asked)  # a public policy's change: a new version, or a correction?
        return None, None
    actor = current_user._get_current_object()
    try:
        saved = KINDS[kind][2](data, entry, actor=actor, expected_version=expected_version(form))
    except StaleError as exc:
        return None, _conflict(kind, exc, data, action)
    except ValidationError as exc:
        show_errors(form, exc.errors)  # listed at the top of the form by its error summary
        return None, None
    return saved, None


def _conflict(kind: str, stale: StaleError, data: dict, action: str) -> dict:
    """What the conflict screen shows: who saved, and their version against the refused one."""
    current = stale.current
    last = Revision.history(KINDS[kind][1], current.id).first()
    theirs, yours = entry_sides(current, data)
    return {
        **compare(theirs, yours, ENTRY_FIELDS), "version": stale.version, "action": action,
        "who": last.user.name if last and last.user else "Someone else",
        "when": last.created_at if last else current.updated_at,
    }  # fmt: skip


def _create_or_edit(kind: str, entry=None):
    form = _build_form(kind, entry)
    preview = conflict = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = render_preview(form.body.data or "")
        else:
            saved, conflict = _save(kind, form, entry)
            if saved is not None:
                me = current_user._get_current_object()
                # The autosaves of the new entry are done with (none: nothing to log).
                if entry is None and autosaves(KINDS[kind][1], None, me).exists():
                    discard_autosaves(KINDS[kind][1], None, actor=me)
                flash(saved_message(saved))
                return redirect(url_for("admin.entry_edit", kind=kind, entry_id=saved.id))
    editing = ""
    if entry is not None:
        presence.mark(KINDS[kind][1], entry.id, current_user)
        editing = presence.describe(presence.others(KINDS[kind][1], entry.id, current_user))
    template = "admin/edit.html" if entry else "admin/create.html"
    page = render_template(
        template, kind=kind, form=form, entry=entry, preview=preview, conflict=conflict,
        editing=editing, autosaved=newer_autosave(KINDS[kind][1], entry, current_user.id),
        publishing=button_state(entry, form.published_at.data), max_alt=MAX_ALT,
    )  # fmt: skip
    return page, 409 if conflict else 200


@bp.route(f"/{KIND_URL}/new", methods=["GET", "POST"])
def entry_create(kind):
    """Write a new post or page."""
    return _create_or_edit(kind)


@bp.route(f"/{KIND_URL}/<int:entry_id>/edit", methods=["GET", "POST"])
def entry_edit(kind, entry_id):
    """Edit a post or page."""
    return _create_or_edit(kind, get_entry(kind, entry_id))


@bp.route(f"/{KIND_URL}/<int:entry_id>/preview")
def entry_preview(kind, entry_id):
    """The draft as it will look on the public site (signed-in users only)."""
    entry = get_entry(kind, entry_id)
    if kind == "pages":
        return render_template("admin/preview_page.html", page=entry)
    return render_template(
        "admin/preview_post.html", post=entry, categories=entry.category_list, recommended=[],
        post_notices=list(Notice.active("post")), older=None, newer=None,
    )  # fmt: skip


@bp.route("/preview", methods=["POST"])
def live_preview():
    """Markdown in, sanitized HTML out: the same pipeline as the public page."""
    body = request.form.get("body", "")
    if len(body) > MAX_BODY:
        error = f"The text is too long to preview (at most {MAX_BODY:,} characters)."
        return jsonify(error=error, html=refused_preview(error)), 413
    try:
        return jsonify(html=render_markdown(body, preview=True))
    except TooComplex as exc:  # too slow to show while typing, or not to be shown at all
        return jsonify(error=str(exc), html=refused_preview(str(exc))), 422


@bp.app_template_filter("local_datetime")
def local_datetime(value) -> str:
    """'25 November 2026, 09:00' in the practice's time zone."""
    local = local_time(value)
    return f"{local.day} {local:%B %Y, %H:%M}" if local else ""


@bp.context_processor
def content_limits() -> dict:
    """The content field limits (cms.content.fields), for the editor's templates."""
    return {"fields": fields}
