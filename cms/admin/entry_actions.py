"""Delete with confirmation, the trash, revisions (list, diff, restore) of posts and pages, and
the heartbeat of an open edit screen."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..content import presence
from ..content.records import Revision
from ..content.revision_terms import missing_terms
from ..content.revisions import revision_changes, text_diff
from ..content.service import restore, restore_revision, trash
from ..core.security import row_id
from ..core.validation import ValidationError
from .blueprint import bp
from .content_forms import ConfirmForm
from .posts import KIND_URL, KINDS, get_entry


@bp.route(f"/{KIND_URL}/<int:entry_id>/delete", methods=["GET", "POST"])
def entry_delete(kind, entry_id):
    """Ask, then move a post or page to the trash."""
    entry, form = get_entry(kind, entry_id), ConfirmForm()
    if form.validate_on_submit():
        trash(entry, actor=current_user._get_current_object())
        flash(f"“{entry.title}” was moved to the trash; you can restore it from there.")
        return redirect(url_for("admin.entry_list", kind=kind))
    return render_template("admin/trash_confirm.html", kind=kind, entry=entry, form=form)


@bp.route("/trash")
def trash_list():
    """Trashed posts and pages, restorable."""
    trashed = {
        kind: list(model.trashed().order_by(model.deleted_at.desc()))
        for kind, (model, _, _) in KINDS.items()
    }
    return render_template("admin/trash.html", trashed=trashed, form=ConfirmForm())


@bp.route(f"/{KIND_URL}/<int:entry_id>/restore", methods=["POST"])
def entry_restore(kind, entry_id):
    """Bring a post or page back from the trash."""
    entry, form = get_entry(kind, entry_id), ConfirmForm()
    if form.validate_on_submit():
        restore(entry, actor=current_user._get_current_object())
        flash(f"“{entry.title}” was restored.")
    return redirect(url_for("admin.entry_edit", kind=kind, entry_id=entry.id))


def _revision(kind: str, entry_id: int, revision_id) -> Revision:
    revision = Revision.get_or_none(
        (Revision.id == revision_id)
        & (Revision.kind == KINDS[kind][1])
        & (Revision.object_id == entry_id)
    )
    return revision or abort(404, "There is no such revision of this entry.")


@bp.route(f"/{KIND_URL}/<int:entry_id>/revisions")
def revision_list(kind, entry_id):
    """Every saved state of a post or page: who, when, what."""
    entry = get_entry(kind, entry_id)
    revisions = list(Revision.history(KINDS[kind][1], entry.id))
    return render_template(
        "admin/revisions.html", kind=kind, entry=entry, revisions=revisions, form=ConfirmForm()
    )


@bp.route(f"/{KIND_URL}/<int:entry_id>/revisions/diff")
def revision_diff(kind, entry_id):
    """What changed between two revisions (?a=older&b=newer)."""
    entry = get_entry(kind, entry_id)
    ids = [request.args.get(k, "") for k in ("a", "b")]
    if not all(i.isdigit() for i in ids):
        abort(400, "Choose two revisions to compare.")
    if None in map(row_id, ids):  # too large for any row
        abort(404, "There is no such revision of this entry.")
    old, new = sorted(
        (_revision(kind, entry.id, int(i)) for i in ids), key=lambda r: (r.created_at, r.id)
    )
    return render_template(
        "admin/revisions_diff.html", kind=kind, entry=entry, old=old, new=new,
        fields=revision_changes(old, new), lines=text_diff(old.body, new.body),
    )  # fmt: skip


@bp.route(f"/{KIND_URL}/<int:entry_id>/revisions/<int:revision_id>/restore", methods=["POST"])
def revision_restore(kind, entry_id, revision_id):
    """Bring back an earlier text (kept as a new revision; nothing is lost)."""
    revision, form = _revision(kind, entry_id, revision_id), ConfirmForm()
    if form.validate_on_submit():
        try:
            restore_revision(revision, actor=current_user._get_current_object())
        except ValidationError as exc:
            flash("Could not restore: " + " ".join(exc.errors.values()), "error")
            return redirect(url_for("admin.revision_list", kind=kind, entry_id=entry_id))
        gone = missing_terms(revision)
        left_out = f" Left out, as no longer there: {', '.join(gone)}." if gone else ""
        flash(f"The earlier version was restored (as a new revision).{left_out}")
    return redirect(url_for("admin.entry_edit", kind=kind, entry_id=entry_id))


@bp.route("/presence", methods=["POST"])
def presence_beat():
    """An edit screen is still open and in use: who else has it open now."""
    kind, object_id = request.form.get("kind", ""), row_id(request.form.get("id"))
    if kind not in presence.KINDS or object_id is None:
        abort(400, "Name an edit screen.")
    if kind in ("settings", "menu") and not current_user.is_admin:
        abort(403)
    presence.mark(kind, object_id, current_user)
    return jsonify(text=presence.describe(presence.others(kind, object_id, current_user)))
