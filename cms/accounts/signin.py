"""The steps of signing in and out: password, optional two-step code, session start and end."""

from flask import current_app, session
from flask_login import current_user, login_user, logout_user

from ..audit import client_address, describe, log_activity
from ..core import clock
from ..core.db import db
from . import throttle
from .guard import load_user, now_seconds
from .models import User
from .two_step import use_recovery_code, verify_totp
from .users import check_password, end_sessions

SIGN_IN_FAILED = "The e-mail or password is not correct."
CODE_FAILED = "This code is not correct. Check the time on your phone, or use a recovery code."
# How long the password step stays valid while the code is being typed.
TWO_STEP_SECONDS = 5 * 60


def _log(action: str, target: str, user: User | None = None) -> None:
    with db.atomic():
        log_activity(action, target, user=user)


def attempt_password(email: str, password: str) -> User | None:
    """The account if the password is right; None (and a counted failure) otherwise.

    Raises 429 before checking the password once the account or address (or, for a browser
    with a device cookie for the account, that cookie) has failed too often.
    Unknown, disabled and wrong-password attempts cost the same time and look the same.
    """
    email = email.strip().lower()
    address = client_address()
    user = User.get_or_none(User.email == email)
    device = throttle.trusted_device(user)
    throttle.check(email, address, device)
    if check_password(user, password) and user.active:
        if not user.totp_secret:  # else only a right code forgets them (see attempt_code)
            throttle.clear_account(email, device=device)
        return user
    throttle.record_failure(email, address, device)
    # Never the password; an unknown e-mail is not logged either (it may be a mistyped one).
    _log("login.failed", describe(user) if user else "unknown e-mail", user)
    return None


def attempts_left(email: str) -> int:
    """Failed sign-ins still allowed for this e-mail from this browser before the pause."""
    email = email.strip().lower()
    user = User.get_or_none(User.email == email)
    return throttle.attempts_left(email, client_address(), throttle.trusted_device(user))


def attempts_warning(left: int) -> str:
    """' 2 attempts left before …': said before the throttle pauses signing in."""
    minutes = max(1, round(current_app.config["LOGIN_THROTTLE_WINDOW"] / 60))
    if not left:
        return f" Signing in is now paused for {minutes} minutes."
    tries = f"{left} attempt{'' if left == 1 else 's'} left"
    return f" {tries} before signing in pauses for {minutes} minutes."


def confirm_password(user: User, password: str) -> bool:
    """Re-check a signed-in user's password before a sensitive change (throttled too)."""
    address, device = client_address(), throttle.trusted_device(user)
    throttle.check(user.email, address, device)
    if check_password(user, password):
        return True
    throttle.record_failure(user.email, address, device)
    return False


def start_two_step(user: User, remember: bool, next_url: str) -> None:
    """Remember that the password step passed; the session is not signed in yet."""
    session.clear()
    session["two_step"] = {
        "user": user.id,
        "token": user.session_token,
        "since": now_seconds(),
        "remember": bool(remember),
        "next": next_url,
    }


def pending_two_step() -> tuple[User, dict] | None:
    """The account waiting for its code, and the step's data; None if none or too old."""
    data = session.get("two_step")
    if not isinstance(data, dict) or not isinstance(data.get("since"), int):
        return None
    if now_seconds() - data["since"] > TWO_STEP_SECONDS:
        return None
    user = load_user(f"{data.get('user')}:{data.get('token')}")
    return (user, data) if user else None


def attempt_code(user: User, code: str) -> bool:
    """Check an authenticator code or a recovery code; failures count like passwords."""
    address, device = client_address(), throttle.trusted_device(user)
    throttle.check(user.email, address, device)
    code = (code or "").strip()[:64]
    if verify_totp(user, code):
        throttle.clear_account(user.email, device=device)
        return True
    if use_recovery_code(user, code):
        throttle.clear_account(user.email, device=device)
        _log("login.recovery_code", describe(user), user)
        return True
    throttle.record_failure(user.email, address, device)
    _log("login.two_step_failed", describe(user), user)
    return False


def _start_session(user: User, remember: bool) -> None:
    session.clear()  # a new session: nothing from before signing in carries over
    login_user(user, remember=remember)
    session["last_seen"] = now_seconds()
    if remember:
        session["remembered"] = True
    # A fresh device cookie on every sign-in, and after a password change (which ends the
    # old ones): this browser may then sign in to the account past the account's throttle.
    throttle.remember_device(user)


def sign_in(user: User, remember: bool = False) -> None:
    """Start a new signed-in session and record it."""
    _start_session(user, remember)
    with db.atomic():
        user.last_login_at = clock.utcnow()
        user.save(only=[User.last_login_at])
        log_activity("login", describe(user), user=user)


def renew_session(user: User) -> None:
    """Keep this device signed in after the account's session token changed."""
    _start_session(user, bool(session.get("remembered")))


def sign_out() -> None:
    """Sign out here and on every other device (a copied cookie stops working too)."""
    user = current_user._get_current_object()
    _log("logout", describe(user), user)
    end_sessions(user)
    session.clear()
    logout_user()  # after clear(): it marks the remember cookie for deletion
