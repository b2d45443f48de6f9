"""The activity log: who changed what and when. Never passwords or message text."""

from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from flask_login import current_user
from peewee import CharField, DateTimeField, ForeignKeyField

from .accounts.models import User
from .core import clock
from .core.db import BaseModel


class Activity(BaseModel):
    created_at = DateTimeField(default=clock.utcnow, index=True)
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor = CharField()  # "Ada (admin@…)", "token: deploy-script", "cli"
    action = CharField()  # "post.publish", "login.failed", "settings.update", ...
    target = CharField(default="")  # "post 12: Winter hours"

    @classmethod
    def recent(cls):
        """Newest first."""
        return cls.select().order_by(cls.created_at.desc(), cls.id.desc())


def log_activity(
    action: str, target: str = "", user: User | None = None, token_name: str | None = None
) -> Activity:
    """Record one action. The actor is the token, the given user, or the signed-in user."""
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user._get_current_object()
    if token_name:
        actor = f"token: {token_name}"
    elif user is not None:
        actor = f"{user.name} <{user.email}>"
    else:
        actor = "cli" if not has_request_context() else "anonymous"
    return Activity.create(
        user=user, actor=actor[:255], action=action[:255], target=str(target)[:255]
    )


def describe(entry) -> str:
    """'post 12: Title' for log targets."""
    kind = type(entry).__name__.lower()
    return f"{kind} {entry.id}: {getattr(entry, 'title', getattr(entry, 'name', ''))}"


def client_address() -> str:
    """The client's address as the (proxy-fixed) request sees it."""
    return request.remote_addr or "" if has_request_context() else ""


def prune_activity(now: datetime | None = None) -> int:
    """Delete log entries older than config ACTIVITY_KEEP_DAYS; return how many.

    Runs with the retention purge (cms.messages.service).
    """
    days = max(1, int(current_app.config["ACTIVITY_KEEP_DAYS"]))
    cutoff = (now or clock.utcnow()) - timedelta(days=days)
    return Activity.delete().where(Activity.created_at < cutoff).execute()
