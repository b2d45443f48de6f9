"""User accounts: creation, roles, passwords and the end of sessions.

The admin screens and the command line both change accounts through these functions.
"""

import re
import secrets

from ..core.db import db
from ..core.validation import ValidationError, single_line
from .models import ROLES, User
from .passwords import check_password_hash_or_dummy, hash_password, password_problem

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
LAST_ADMIN = "The site needs at least one active administrator."
MAX_NAME = 120


def check_password(user: User | None, password: str) -> bool:
    """Constant-time check of a password; an unknown user costs the same time and fails."""
    return check_password_hash_or_dummy(user.password_hash if user else None, password)


def new_session_token() -> str:
    """A fresh server-side session token."""
    return secrets.token_hex(32)


def end_sessions(user: User) -> None:
    """Sign the account out everywhere: every session and remember cookie stops working."""
    user.session_token = new_session_token()
    with db.atomic():
        user.save(only=[User.session_token])


def _valid_address(email: str) -> bool:
    from ..content.sanitize import email_address

    try:
        return email_address(email) == email
    except ValueError:
        return False


def _email_errors(email: str, user: User | None = None) -> dict:
    if not EMAIL.match(email) or not _valid_address(email):
        return {"email": "Enter a valid e-mail address."}
    taken = User.select().where(User.email == email)
    if user is not None:
        taken = taken.where(User.id != user.id)
    if taken.exists():
        return {"email": "An account with this e-mail already exists."}
    return {}


def create_user(
    email: str, password: str, role: str = "editor", name: str = "", temporary: bool = False
) -> User:
    """Create an account after checking e-mail, role and password.

    An empty password (with temporary=True) makes an account that can sign in only after
    its owner sets a password through a set-password link.
    """
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
    with db.atomic():
        return User.create(
            email=email,
            name=name or email.split("@")[0],
            role=role,
            password_hash=hash_password(password) if password else "",
            session_token=new_session_token(),
            must_change_password=temporary,
        )


def set_password(user: User, password: str, temporary: bool = False) -> None:
    """Give the account a new password and end all its sessions.

    temporary=True (an admin's reset) makes the owner choose their own at next sign-in.
    """
    problem = password_problem(password, user.email)
    if problem:
        raise ValidationError({"password": problem})
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    user.session_token = new_session_token()
    with db.atomic():
        user.save(only=[User.password_hash, User.must_change_password, User.session_token])


def change_own_password(user: User, current: str, new: str) -> None:
    """The owner's password change: the current password is required."""
    if not check_password(user, current):
        raise ValidationError({"current_password": "This is not your current password."})
    if new == current:
        raise ValidationError({"new_password": "Choose a password different from the current one."})
    try:
        set_password(user, new)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.errors["password"]}) from None


def _active_admins_besides(user: User) -> int:
    return (
        User.select()
        .where((User.role == "admin") & (User.active == True) & (User.id != user.id))  # noqa: E712
        .count()
    )


def update_user(user: User, name: str, email: str, role: str, active: bool) -> list[str]:
    """Change an account's details; return what changed. Keeps one active admin."""
    email = (email or "").strip().lower()
    errors = _email_errors(email, user)
    if role not in ROLES:
        errors["role"] = f"Role must be one of: {', '.join(ROLES)}."
    name = single_line(name, "name", errors, limit=MAX_NAME, required="Enter a name.")
    with db.atomic():
        losing_admin = user.is_admin and user.active and (role != "admin" or not active)
        if losing_admin and not _active_admins_besides(user):
            errors["role" if role != "admin" else "active"] = LAST_ADMIN
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
    return changes
