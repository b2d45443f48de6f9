"""Who is acting: an account, an API token, or SYSTEM (commands run on the server).

actor_role() and require_admin() are the one home of what an actor may act as; every
domain service asks them before it writes.
"""

from werkzeug.exceptions import Forbidden

from ..content.models import User


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
    from ..accounts.tokens import ApiToken  # cms.accounts.tokens imports this module

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
