"""User accounts: creation, roles, passwords, set-password links and the end of sessions.

The admin screens, the account screen, the single-use link pages and the command line all
change accounts through these functions, which check the actor and log the change.
"""

import secrets

from flask import current_app

from ..audit import describe, record, writes
from ..core.addresses import BAD_EMAIL, email_address
from ..core.db import db
from ..core.validation import ValidationError, single_line
from . import onetime
from .actors import require_self_or_admin
from .models import ROLES, User
from .passwords import check_password_hash_or_dummy, hash_password, password_problem
from .two_step import switch_off

LAST_ADMIN = "The site needs at least one active administrator."
MAX_NAME = 120


def check_password(user: User | None, password: str) -> bool:
    """Constant-time check of a password; an unknown user costs the same time and fails."""
    return check_password_hash_or_dummy(user.password_hash if user else None, password)


def new_session_token() -> str:
    """A fresh server-side session token."""
    return secrets.token_hex(32)


def end_sessions(user: User) -> None:
    """Sign the account out everywhere: every session and remember cookie stops working.

    A part of signing out and of the writes below (which log it), not a change of its own.
    """
    user.session_token = new_session_token()
    with db.atomic():
        user.save(only=[User.session_token])


def _email_errors(email: str, user: User | None = None) -> dict:
    try:
        valid = email_address(email) == email  # stored as typed, so it must be the normal form
    except ValueError:
        valid = False
    if not valid:
        return {"email": BAD_EMAIL}
    taken = User.select().where(User.email == email)
    if user is not None:
        taken = taken.where(User.id != user.id)
    if taken.exists():
        return {"email": "An account with this e-mail already exists."}
    return {}


def _new_user(email: str, password: str, role: str, name: str, temporary: bool) -> User:
    email = (email or "").strip().lower()
    errors = _email_errors(email)
    name = single_line(name, "name", errors, limit=MAX_NAME)
    if role not in ROLES:
        errors["role"] = f"Role must be one of: {', '.join(ROLES)}."
    problem = password_problem(password, email) if password or not temporary else None
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationError(errors)
    return User.create(
        email=email,
        name=name or email.split("@")[0],
        role=role,
        password_hash=hash_password(password) if password else "",
        session_token=new_session_token(),
        must_change_password=temporary,
    )


@writes("user.create", admin=True, what="create accounts")
def create_user(
    email: str,
    password: str,
    role: str = "editor",
    name: str = "",
    temporary: bool = False,
    *,
    actor,
) -> User:
    """Create an account after checking e-mail, role and password.

    An empty password (with temporary=True) makes an account that can sign in only after
    its owner sets a password through a set-password link.
    """
    with db.atomic():
        user = _new_user(email, password, role, name, temporary)
        record("user.create", f"{describe(user)} as {user.role}", actor)
    return user


def create_first_admin(email: str, password: str, name: str = "") -> User:
    """Create the site's first administrator, on the setup page; call inside the
    transaction that consumes the setup link, which is this write's authority (there is
    no account yet to act). Logged as the new account's own."""
    user = _new_user(email, password, "admin", name, temporary=False)
    record("user.create", f"{describe(user)} (first administrator)", user)
    return user


def _store_password(user: User, password: str, temporary: bool, field: str = "password"):
    problem = password_problem(password, user.email)
    if problem:
        raise ValidationError({field: problem})
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    user.session_token = new_session_token()
    user.save(only=[User.password_hash, User.must_change_password, User.session_token])


@writes("user.password", what="set a password")
def set_password(user: User, password: str, temporary: bool = False, *, actor) -> None:
    """Give the account a new password and end all its sessions (its owner, or an admin).

    temporary=True (an admin's reset) makes the owner choose their own at next sign-in.
    """
    require_self_or_admin(actor, user, "set another account's password")
    with db.atomic():
        _store_password(user, password, temporary)
        record("user.password", describe(user), actor)


@writes("user.password", what="change a password")
def change_own_password(user: User, current: str, new: str, *, actor) -> None:
    """The owner's password change: the current password is required."""
    require_self_or_admin(actor, user, "change another account's password")
    if not check_password(user, current):
        raise ValidationError({"current_password": "This is not your current password."})
    if new == current:
        raise ValidationError({"new_password": "Choose a password different from the current one."})
    with db.atomic():
        _store_password(user, new, False, field="new_password")
        record("user.password", describe(user), actor)


@writes("user.password", admin=True, what="reset passwords")
def reset_password(
    user: User, password: str | None = None, *, actor, reset_two_step: bool = False
) -> str | None:
    """An administrator's reset: a temporary password, or (None) no password and a
    set-password link, whose token is returned (shown once). Either way the account is
    signed out everywhere; reset_two_step also switches its two-step sign-in off."""
    with db.atomic():
        token = None
        if password is not None:
            _store_password(user, password, temporary=True)
        else:
            user.password_hash = ""  # the old password stops working at once
            user.save(only=[User.password_hash])
            end_sessions(user)
            token = _issue_link(user)
        if reset_two_step:
            switch_off(user)
        how = "set-password link" if token else "temporary password"
        extra = ", two-step sign-in off" if reset_two_step else ""
        record("user.password", f"{describe(user)} (reset: {how}{extra})", actor)
    return token


def _issue_link(user: User, hours: float | None = None) -> str:
    hours = current_app.config["SET_PASSWORD_LINK_HOURS"] if hours is None else hours
    return onetime.issue(onetime.SET_PASSWORD, hours, user)


@writes("user.password_link", admin=True, what="hand out set-password links")
def password_link(user: User, *, actor, hours: float | None = None, why: str = "") -> str:
    """A new set-password link's token for the account (earlier ones stop working), valid
    for `hours` (SET_PASSWORD_LINK_HOURS unless given); `why` is noted in the log."""
    with db.atomic():
        token = _issue_link(user, hours)
        record("user.password_link", describe(user) + (f" ({why})" if why else ""), actor)
    return token


def _active_admins_besides(user: User) -> int:
    return (
        User.select()
        .where((User.role == "admin") & (User.active == True) & (User.id != user.id))  # noqa: E712
        .count()
    )


@writes("user.update", admin=True, what="change accounts")
def update_user(user: User, name: str, email: str, role: str, active: bool, *, actor) -> list[str]:
    """Change an account's details; return what changed. Keeps one active admin, and an
    account cannot change its own role or disable itself."""
    email = (email or "").strip().lower()
    errors = _email_errors(email, user)
    if role not in ROLES:
        errors["role"] = f"Role must be one of: {', '.join(ROLES)}."
    if isinstance(actor, User) and actor.id == user.id and (role != user.role or not active):
        errors["role"] = "You cannot change your own role or disable yourself."
    name = single_line(name, "name", errors, limit=MAX_NAME, required="Enter a name.")
    with db.atomic():
        losing_admin = user.is_admin and user.active and (role != "admin" or not active)
        if losing_admin and not _active_admins_besides(user):
            errors.setdefault("role" if role != "admin" else "active", LAST_ADMIN)
        if errors:
            raise ValidationError(errors)
        changes = [
            label
            for label, old, value in (
                ("name", user.name, name),
                ("e-mail", user.email, email),
                ("role", user.role, role),
                ("active", user.active, active),
            )
            if old != value
        ]
        user.name, user.email, user.role, user.active = name, email, role, active
        if "active" in changes and not active:
            # A disabled account is signed out at once, on every device.
            user.session_token = new_session_token()
        user.save()
        if changes:
            record("user.update", f"{describe(user)}: {', '.join(changes)}", actor)
    return changes
