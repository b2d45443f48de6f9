"""The contact inbox: read, mark read or handled, delete. Admins only, unless an admin allows
editors. Reading changes nothing; every change is a POST with a CSRF token."""

from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.guard import admin_only
from ..content.links import mailto_url, tel_url
from ..messages.keys import set_aside_keys
from ..messages.models import Message, retention_days
from ..messages.service import NOT_A_READER, delete_message, mark_read, may_read, set_handled
from ..site.models import setting
from ..site.settings import update_settings
from .blueprint import bp

# Addresses and numbers a visitor typed become links only through these (app-wide filters).
bp.add_app_template_filter(mailto_url)
bp.add_app_template_filter(tel_url)


# The one set of words for a message's state, in the list and on the message alike.
STATUS_WORDS = {"unread": "Unread", "read": "Read, not handled yet", "handled": "Handled"}


@bp.app_template_filter("message_status")
def message_status(message: Message) -> str:
    """A message's state in the inbox's words: Unread, Read (not handled yet) or Handled."""
    state = "handled" if message.handled_at else "read" if message.read_at else "unread"
    return STATUS_WORDS[state]


def _me():
    return current_user._get_current_object()


def can_read_messages(user) -> bool:
    """The messages service's rule (cms.messages.service.may_read) for the signed-in user."""
    return user.is_authenticated and may_read(user._get_current_object())


def readers_only(view):
    """Refuse (403) people who may not read contact messages."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not can_read_messages(current_user):
            abort(403, NOT_A_READER)
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
    mark_read(_message(message_id), actor=_me())
    flash("Marked as read.")
    return redirect(url_for("admin.inbox_message", message_id=message_id))


@bp.route("/inbox/<int:message_id>/handled", methods=["POST"])
@readers_only
def inbox_handled(message_id):
    """Mark a message handled, or not handled again."""
    handled = request.form.get("handled") == "1"
    set_handled(_message(message_id), handled, actor=_me())
    flash("Marked as handled." if handled else "Marked as not handled.")
    return redirect(url_for("admin.inbox_message", message_id=message_id))


@bp.route("/inbox/<int:message_id>/delete", methods=["POST"])
@readers_only
def inbox_delete(message_id):
    """Delete a message permanently."""
    delete_message(_message(message_id), actor=_me())
    flash("The message was deleted permanently.")
    return redirect(url_for("admin.inbox"))


@bp.route("/inbox/access", methods=["POST"])
@admin_only
def inbox_access():
    """Allow or stop editors reading contact messages."""
    allowed = request.form.get("editors") == "1"
    update_settings({"editors_can_read_messages": allowed}, actor=_me())
    flash(
        "Editors can now read contact messages."
        if allowed
        else "Only administrators can read contact messages now."
    )
    return redirect(url_for("admin.inbox"))
