"""Who is acting: an account, an API token, or SYSTEM (commands run on the server).

actor_role() and require_admin() are the one home of what an actor may act as; every
domain service asks them before it writes.
"""

from werkzeug.exceptions import Forbidden

from .models import ApiToken, User


class NotAllowed(Forbidden):
    """The actor's role does not allow this change (a 403 in the editor and the API)."""


class _System:
    """The actor of commands run on the server (CLI, imports, the demo): an administrator."""

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _System()


def actor_role(actor) -> str | None:
    """The role an actor acts with, or None.

    An actor is an account, an API token (its account's current role; a token made
    without an account, which only `cms create-token` can make, acts as an administrator
    within its scopes) or SYSTEM. A disabled account has no role.
    """
    if actor is SYSTEM:
        return "admin"
    if isinstance(actor, ApiToken):
        if actor.user_id is None:
            return "admin"
        actor = actor.user
    if isinstance(actor, User) and actor.active:
        return actor.role
    return None


def require_admin(actor, action: str) -> None:
    """Raise NotAllowed unless the actor acts as an administrator."""
    role = actor_role(actor)
    if role != "admin":
        who = f"an {role}" if role else "no active account"
        raise NotAllowed(f"Only an administrator can {action}; this request acts for {who}.")


def require_role(actor, action: str) -> None:
    """Raise NotAllowed unless the actor acts with a role (an active account of either)."""
    if actor_role(actor) is None:
        raise NotAllowed(f"This request acts for no active account, so it cannot {action}.")


def require_self_or_admin(actor, user: User, action: str) -> None:
    """Raise NotAllowed unless the actor is this (active) account or acts as an administrator."""
    if isinstance(actor, User) and actor.id == user.id and actor.active:
        return
    require_admin(actor, action)


def actor_parts(actor) -> tuple[User | None, str | None]:
    """(the account, the token's name) an actor stands for, as the activity log records it."""
    if isinstance(actor, ApiToken):
        return actor.user, actor.name
    return (actor if isinstance(actor, User) else None), None
