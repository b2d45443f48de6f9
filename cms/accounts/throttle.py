"""Sign-in throttling: policies of the database-backed limiter (cms.core.ratelimit).

Failures are counted within a sliding window per account and address together (the
e-mail typed, known or not, from one client address), per address, and per account from
every address. The per-pair limit is low, so a stranger guessing from one address cannot
lock the owner out elsewhere; the account-wide ceiling is much higher (10 times the pair
limit unless configured) and only slows guessing spread over many addresses. Keys are
stored as keyed hashes: the table never holds an address or an e-mail in the clear, and
rows older than the window are deleted.

A browser that signed in to an account before carries a signed device cookie for it
(OWASP's "device cookies"). Its attempts on that account are counted per device cookie
only, so neither the account-wide ceiling nor a busy shared address (an office NAT) keeps
the owner out; too many failures with one device cookie pause that cookie alone. The
cookie is bound to the account's password hash: a password change or reset ends it, and
a disabled account's cookies are refused.
"""

import hashlib
import hmac
import secrets

from flask import after_this_request, current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.exceptions import TooManyRequests

from ..audit import client_address
from ..core.db import db
from ..core.ratelimit import Policy, setting
from .models import User

MESSAGE = (
    "Too many unsuccessful sign-in attempts. For your safety, signing in is paused for "
    "a while; please try again in {minutes} minute{s}."
)


def _global_limit() -> int:
    config = current_app.config
    return config["LOGIN_THROTTLE_ACCOUNT_GLOBAL"] or 10 * config["LOGIN_THROTTLE_ACCOUNT"]


_per_pair, _window = setting("LOGIN_THROTTLE_ACCOUNT"), setting("LOGIN_THROTTLE_WINDOW")
PAIR = Policy("login-pair", _per_pair, _window, MESSAGE)  # account and address together
ADDRESS = Policy("login-address", setting("LOGIN_THROTTLE_ADDRESS"), _window, MESSAGE)
ACCOUNT = Policy("login-account", _global_limit, _window, MESSAGE)  # from everywhere
DEVICE = Policy("login-device", _per_pair, _window, MESSAGE)  # one device cookie


def _pair(email: str, address: str) -> str:
    return f"{email.strip().lower()}\n{address}"


def _counted(email: str, address: str, device: str | None = None) -> list[tuple[Policy, str]]:
    if device:
        return [(DEVICE, device)]
    return [(PAIR, _pair(email, address)), (ADDRESS, address), (ACCOUNT, email.strip().lower())]


def retry_after(email: str, address: str, device: str | None = None) -> int:
    """Seconds until another try is allowed for this account and address, or this device
    cookie (0: allowed now)."""
    return max(policy.wait(value) for policy, value in _counted(email, address, device))


def check(email: str, address: str, device: str | None = None) -> None:
    """Raise 429 (with Retry-After) when this pair, address or account (or, for a trusted
    browser, its device cookie) has failed too often."""
    wait = retry_after(email, address, device)
    if wait:
        raise TooManyRequests(PAIR.say(wait), retry_after=wait)


def attempts_left(email: str, address: str, device: str | None = None) -> int:
    """How many more failures this pair, address and account (or device cookie) allow."""
    return min(policy.left(value) for policy, value in _counted(email, address, device))


def record_failure(email: str, address: str, device: str | None = None) -> None:
    """Count one failed try against the pair, the address and the account (or the device
    cookie alone)."""
    with db.atomic():
        for policy, value in _counted(email, address, device):
            policy.record(value)


def clear_account(email: str, address: str | None = None, device: str | None = None) -> None:
    """Forget the account's failures from this address (the request's), and this device
    cookie's, after a sign-in."""
    # The account-wide count stays: a sign-in must not renew a distributed guesser's budget.
    with db.atomic():
        PAIR.forget(_pair(email, client_address() if address is None else address))
        if device:
            DEVICE.forget(device)


# Device cookies

DEVICE_COOKIE = "cms_device"
DEVICE_DAYS = 365


def _devices() -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [*(config.get("SECRET_KEY_FALLBACKS") or ()), config["SECRET_KEY"]]  # newest last
    return URLSafeTimedSerializer(
        keys, salt="device-cookie", signer_kwargs={"digest_method": hashlib.sha256}
    )


def _password_tag(user: User) -> str:
    # Changes with every new password hash (change, reset, link), so old cookies stop.
    return hashlib.sha256(f"device:{user.password_hash}".encode()).hexdigest()[:32]


def trusted_device(user: User | None) -> str | None:
    """The device cookie's id if this request carries a valid one for this account."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not (value and user and user.active and user.password_hash):
        return None
    try:
        user_id, device, tag = _devices().loads(value, max_age=DEVICE_DAYS * 86400)
    except (BadData, TypeError, ValueError):
        return None
    if user_id != user.id or not isinstance(device, str) or not isinstance(tag, str):
        return None
    return device if hmac.compare_digest(tag, _password_tag(user)) else None


def remember_device(user: User) -> None:
    """Give this browser a new device cookie for the account (on the current response)."""
    value = _devices().dumps([user.id, secrets.token_urlsafe(16), _password_tag(user)])
    secure = bool(current_app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_DAYS * 86400,
            path="/admin",
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
        return response
