"""Autosave of the writing form: the text kept on the server while the writer types
(static/js/editor.js), offered back when it is newer than the saved entry, or dropped."""

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from ..content import presence
from ..content.autosaves import autosave, discard_autosaves
from ..core.templating import local_time
from ..core.validation import StaleError, ValidationError
from .blueprint import bp
from .content_forms import ConfirmForm
from .posts import KIND_URL, KINDS, get_entry

STALE = (
    "Not autosaved: {who} saved this {noun} since you opened it. Press the main button to "
    "compare both versions; nothing you typed is lost."
)


def _me():
    return current_user._get_current_object()


def _autosave(kind: str, entry):
    noun = KINDS[kind][1]
    if entry is not None and entry.deleted_at is not None:
        abort(409, "This is in the trash: restore it to edit it.")
    try:
        saved = autosave(
            noun, entry, request.form, request.form.get("version") or None, actor=_me()
        )
    except StaleError:
        return jsonify(error=STALE.format(who="someone else", noun=noun), stale=True), 409
    except ValidationError as exc:
        return jsonify(error="Not autosaved: " + " ".join(exc.errors.values())), 422
    if entry is not None:
        presence.mark(noun, entry.id, current_user)
    when = local_time(saved.created_at)
    return jsonify(saved_at=saved.created_at.isoformat(), text=f"Autosaved at {when:%H:%M}.")


@bp.route(f"/{KIND_URL}/autosave", methods=["POST"])
def new_entry_autosave(kind):
    """Keep the text of a new, unsaved post or page."""
    return _autosave(kind, None)


@bp.route(f"/{KIND_URL}/<int:entry_id>/autosave", methods=["POST"])
def entry_autosave(kind, entry_id):
    """Keep the unsaved text of an open edit form (never a save, never published)."""
    return _autosave(kind, get_entry(kind, entry_id))


@bp.route(f"/{KIND_URL}/autosave/discard", methods=["POST"], defaults={"entry_id": None})
@bp.route(f"/{KIND_URL}/<int:entry_id>/autosave/discard", methods=["POST"])
def autosave_discard(kind, entry_id):
    """Drop the writer's autosaved text and go back to the form as saved."""
    entry = get_entry(kind, entry_id) if entry_id is not None else None
    if ConfirmForm().validate_on_submit():
        discard_autosaves(KINDS[kind][1], entry, actor=_me())
        flash("The autosaved text was discarded.")
    if entry is None:
        return redirect(url_for("admin.entry_create", kind=kind))
    return redirect(url_for("admin.entry_edit", kind=kind, entry_id=entry.id))
