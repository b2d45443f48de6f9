"""The contact inbox: read, mark read or handled, delete. Admins only, unless an admin allows
editors. Reading changes nothing; every change is a POST with a CSRF token."""

from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.guard import admin_only
from ..audit import log_activity
from ..content.sanitize import mailto_url, tel_url
from ..messages.service import (
    Message,
    delete_message,
    mark_read,
    retention_days,
    set_aside_keys,
    set_handled,
)
from ..site.models import save_settings, setting
from . import bp

# Addresses and numbers a visitor typed become links only through these (app-wide filters).
bp.add_app_template_filter(mailto_url)
bp.add_app_template_filter(tel_url)

NOT_ALLOWED = (
    "Contact messages can be read by administrators only. An administrator can allow "
    "editors to read them in the inbox."
)


def can_read_messages(user) -> bool:
    """Admins always; editors only when an admin has allowed it."""
    if not user.is_authenticated:
        return False
    return user.is_admin or bool(setting("editors_can_read_messages"))


def readers_only(view):
    """Refuse (403) people who may not read contact messages."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not can_read_messages(current_user):
            abort(403, NOT_ALLOWED)
        return view(*args, **kwargs)

    return wrapped


@bp.context_processor
def inbox_count():
    """The unread count for the editor's navigation, for people who may read messages."""
    if request.environ.get("cms.database_failed") or not can_read_messages(current_user):
        return {}
    return {"inbox_unread": Message.unread_count()}


def _message(message_id: int) -> Message:
    return Message.get_or_none(Message.id == message_id) or abort(
        404, "This message does not exist; it may have been deleted."
    )


@bp.route("/inbox")
@readers_only
def inbox():
    """Every message, newest first, with its state and deletion date; those the key
    cannot open are listed and counted, with the key files set aside."""
    messages = list(Message.inbox())
    sealed = sum(1 for message in messages if message.contents is None)
    return render_template(
        "admin/inbox.html",
        messages=messages,
        undecryptable=sealed,
        set_aside=set_aside_keys() if sealed else [],
        retention=retention_days(),
        editors_allowed=setting("editors_can_read_messages"),
    )


@bp.route("/inbox/<int:message_id>")
@readers_only
def inbox_message(message_id):
    """One message, decrypted. Opening it changes nothing (a GET can be made by an <img> or
    a link elsewhere): it stays unread until marked read or handled."""
    return render_template("admin/inbox_message.html", message=_message(message_id))


@bp.route("/inbox/<int:message_id>/read", methods=["POST"])
@readers_only
def inbox_read(message_id):
    """Mark a message read."""
    mark_read(_message(message_id))
    flash("Marked as read.")
    return redirect(url_for("admin.inbox_message", message_id=message_id))


@bp.route("/inbox/<int:message_id>/handled", methods=["POST"])
@readers_only
def inbox_handled(message_id):
    """Mark a message handled, or not handled again."""
    handled = request.form.get("handled") == "1"
    set_handled(_message(message_id), handled)
    flash("Marked as handled." if handled else "Marked as not handled.")
    return redirect(url_for("admin.inbox_message", message_id=message_id))


@bp.route("/inbox/<int:message_id>/delete", methods=["POST"])
@readers_only
def inbox_delete(message_id):
    """Delete a message permanently."""
    delete_message(_message(message_id))
    log_activity("message.delete", f"message {message_id}")
    flash("The message was deleted permanently.")
    return redirect(url_for("admin.inbox"))


@bp.route("/inbox/access", methods=["POST"])
@admin_only
def inbox_access():
    """Allow or stop editors reading contact messages."""
    allowed = request.form.get("editors") == "1"
    save_settings({"editors_can_read_messages": allowed})
    log_activity("settings.update", f"editors can read messages: {'yes' if allowed else 'no'}")
    flash(
        "Editors can now read contact messages."
        if allowed
        else "Only administrators can read contact messages now."
    )
    return redirect(url_for("admin.inbox"))
