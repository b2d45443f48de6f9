"""User accounts: password rules and hashing (scrypt, via Werkzeug)."""

import re

from werkzeug.security import check_password_hash, generate_password_hash

from .db import db
from .models import ROLES, User
from .services import ValidationError

MIN_PASSWORD = 12
MAX_PASSWORD = 256
# Long passwords that still top the breach lists; short ones fail the length rule anyway.
COMMON_PASSWORDS = frozenset(
    [
        "123456789012",
        "1234567890123",
        "12345678910",
        "1234567891011",
        "123456123456",
        "111111111111",
        "000000000000",
        "password1234",
        "password12345",
        "password123!",
        "passwordpassword",
        "qwertyuiopas",
        "qwertyuiop123",
        "qwerty123456",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "administrator",
        "changeme1234",
        "abcdefghijkl",
        "abc123abc123",
        "football1234",
        "baseball1234",
        "princess1234",
        "sunshine1234",
        "trustno1trustno1",
        "monkey123456",
        "dragon123456",
    ]
)
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is unacceptable, or None. No composition rules, on purpose."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        return "This password is too common; choose a less predictable one."
    if email and lowered == email.lower():
        return "Do not use your e-mail address as your password."
    return None


def hash_password(password: str) -> str:
    """A salted scrypt hash."""
    return generate_password_hash(password, method="scrypt")


def check_password(user: User, password: str) -> bool:
    """Constant-time check of a password against the stored hash."""
    return bool(user.password_hash) and check_password_hash(user.password_hash, password)


def create_user(email: str, password: str, role: str = "editor", name: str = "") -> User:
    """Create an account after checking e-mail, role and password."""
    email = (email or "").strip().lower()
    errors = {}
    if not EMAIL.match(email):
        errors["email"] = "Enter a valid e-mail address."
    elif User.select().where(User.email == email).exists():
        errors["email"] = "An account with this e-mail already exists."
    if role not in ROLES:
        errors["role"] = f"Role must be one of: {', '.join(ROLES)}."
    problem = password_problem(password, email)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationError(errors)
    with db.atomic():
        return User.create(
            email=email,
            name=name.strip() or email.split("@")[0],
            role=role,
            password_hash=hash_password(password),
        )
