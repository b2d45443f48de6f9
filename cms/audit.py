"""The activity log: who changed what and when. Never passwords or message text.

Every write a domain service makes is declared with @writes("kind.verb", ...): the one
list of the site's actions (WRITES, which the tests walk through with every kind of
actor), the role check before the write, and record(), which logs the action inside the
write's transaction under the one name the editor, the Admin API, the CLI and imports share.
"""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from flask_login import current_user
from peewee import CharField, DateTimeField, ForeignKeyField

from .accounts.actors import actor_parts, require_admin, require_role
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


@dataclass(frozen=True)
class Write:
    """A service function that changes stored state, and the actions it may log."""

    function: object
    actions: tuple[str, ...]
    admin: bool


WRITES: dict[str, Write] = {}


def writes(*actions: str, admin: bool = False, what: str = "make this change"):
    """Declare a service function a write: it takes `actor=` (an account, a token or
    SYSTEM), is refused for an actor without a role (or not an administrator, with
    admin=True) before it reads anything, and logs one of `actions` with record()."""

    def declare(function):
        @functools.wraps(function)
        def checked(*args, actor, **kwargs):
            (require_admin if admin else require_role)(actor, what)
            return function(*args, actor=actor, **kwargs)

        WRITES[f"{function.__module__}.{function.__qualname__}"] = Write(checked, actions, admin)
        return checked

    return declare


def record(action: str, target, actor) -> Activity:
    """Log an action done by an actor; call it inside the write's transaction."""
    user, token_name = actor_parts(actor)
    target = describe(target) if hasattr(target, "_meta") else str(target)
    return log_activity(action, target, user=user, token_name=token_name)


# What each action means in the activity log, in words; {name} is the target's title or
# name (from describe()), {target} the whole target. A new action gets a line here too.
_ENTRY_WORDS = {
    "create": "Created the {kind} “{name}”", "update": "Changed the {kind} “{name}”",
    "publish": "Published the {kind} “{name}”", "schedule": "Scheduled the {kind} “{name}”",
    "unpublish": "Unpublished the {kind} “{name}”",
    "trash": "Deleted the {kind} “{name}” (moved to the trash)",
    "restore": "Restored the {kind} “{name}” from the trash",
    "import": "Imported the {kind} “{name}”",
    "revision_restore": "Went back to an earlier version of the {kind} “{name}”",
    "revision_import": "Imported an earlier version of the {kind} “{name}”",
    "autosave": "Kept an automatic copy of the {kind} “{name}” while writing",
    "autosave_discard": "Discarded the automatic copies of the {kind} “{name}”",
}  # fmt: skip
ACTION_WORDS = {
    **{f"{kind}.{verb}": words.replace("{kind}", kind) for kind in ("post", "page")
       for verb, words in _ENTRY_WORDS.items()},
    "category.create": "Created the category “{name}”",
    "category.update": "Changed the category “{name}”",
    "category.trash": "Deleted the category “{name}” (moved to the trash)",
    "category.restore": "Restored the category “{name}” from the trash",
    "category.merge": "Merged the categories {target}",
    "tag.update": "Changed the tag “{name}”",
    "tag.delete": "Deleted the tag “{name}”",
    "content.remove": "Removed imported content: {target}",
    "revision.clear": "Cleared old versions: {target}",
    "redirect.save": "Redirected an old address: {target}",
    "media.upload": "Uploaded the image “{name}”",
    "media.update": "Changed the image “{name}”",
    "media.delete": "Deleted the image “{name}”",
    "menu.update": "Changed the header menu",
    "notice.update": "Changed the notice “{name}”",
    "notices.switch": "Switched the notices; availability: {target}",
    "settings.update": "Changed the settings: {target}",
    "site.defaults": "Set up the site's default notices and menu",
    "message.read": "Marked a contact message read",
    "message.handled": "Marked a contact message {name}",
    "message.delete": "Deleted a contact message",
    "token.create": "Made the API token “{name}”",
    "token.revoke": "Revoked the API token “{name}”",
    "user.create": "Created the account of {name}",
    "user.update": "Changed the account of {name}",
    "user.password": "Set a new password for {name}",
    "user.password_link": "Made a link to choose a password for {name}",
    "two_step.enable": "Switched on two-step sign-in for {name}",
    "two_step.disable": "Switched off two-step sign-in for {name}",
    "two_step.new_codes": "Made new recovery codes for {name}",
    "login": "Signed in",
    "logout": "Signed out",
    "login.failed": "A sign-in failed (wrong password) for {name}",
    "login.two_step_failed": "A sign-in failed (wrong two-step code) for {name}",
    "login.recovery_code": "Signed in with a recovery code",
}  # fmt: skip


def plain_words(action: str, target: str) -> str:
    """An activity entry as a sentence: "Deleted the post “Winter hours” (moved to the trash)"."""
    words = ACTION_WORDS.get(action)
    if words is None:  # a code without its words yet still says what it touched
        return f"{action.replace('.', ': ').replace('_', ' ').capitalize()} {target}".strip()
    kind, _, rest = target.partition(" ")
    number, colon, name = rest.partition(": ")
    name = name if colon and number.isdigit() and kind.isalpha() else target
    return words.format(name=name, target=target)
