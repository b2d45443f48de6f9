"""Sign-in plumbing: Flask-Login, the guard in front of every /admin/ URL, cookies, CSRF.

Sessions are Flask's signed cookies. What makes them revocable is User.session_token:
it is part of the id Flask-Login keeps in the session and in the remember cookie
(User.get_id), and load_user compares it with the database on every request. Rotating
the token (sign-out, password change, disabling) ends every session of the account.
"""

import hmac
from datetime import UTC
from functools import wraps
from urllib.parse import unquote, urlsplit

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user, logout_user, user_loaded_from_cookie
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, SecurityError

from ..core import clock
from .models import User

login_manager = LoginManager()
login_manager.login_view = "admin.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = "strong"

# Views reachable without signing in; every other admin view requires it by default.
PUBLIC_ADMIN_ENDPOINTS = {
    "admin.login",
    "admin.reset_request",
    "admin.two_step",
    "admin.setup",
    "admin.set_password_link",
}
# Views that editors may not use. admin_only() adds to it; the prefixes cover whole areas
# (including views added later) that are for administrators only.
ADMIN_ONLY_ENDPOINTS: set[str] = set()
ADMIN_ONLY_PREFIXES = ("/admin/users", "/admin/activity", "/admin/tokens", "/admin/settings")
# While an account must replace a temporary password, only these views are open to it.
PASSWORD_CHANGE_ENDPOINTS = {"admin.account", "admin.change_password", "admin.logout"}
CSRF_MESSAGE = (
    "This form has expired or could not be verified, so nothing was changed. This happens "
    "when a page stays open for a long time or after signing out. Please go back, reload "
    "the page and try again."
)
IDLE_MESSAGE = "You were signed out because the editor was not used for a while."
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
IDLE_ACCOUNT = "idle_account"  # session key: the account signed out for being idle


def admin_only(view):
    """Mark a view as admin-only: the guard refuses editors, and so does the view itself."""
    ADMIN_ONLY_ENDPOINTS.add(f"admin.{view.__name__}")

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403, "This screen is for administrators.")
        return view(*args, **kwargs)

    return wrapper


def is_admin_only(endpoint: str | None, path: str) -> bool:
    """True when editors may not use this view."""
    return endpoint in ADMIN_ONLY_ENDPOINTS or any(
        path == prefix or path.startswith(prefix + "/") for prefix in ADMIN_ONLY_PREFIXES
    )


@login_manager.user_loader
def load_user(user_id: str):
    """The signed-in user, if the account is active and the session token still matches."""
    ident, _, token = user_id.partition(":")
    user = User.get_or_none(User.id == int(ident)) if ident.isdigit() else None
    if user is None or not user.active or not token or not user.session_token:
        return None
    return user if hmac.compare_digest(token, user.session_token) else None


def _is_local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc or "\\" in target or not target.isprintable())


def safe_next(target: str | None) -> str:
    """A local path to go to after sign-in; anything else goes to the dashboard.

    The decoded form is checked too, in case something on the way decodes it again.
    """
    if target and _is_local_path(target) and _is_local_path(unquote(target)):
        return target
    return url_for("admin.dashboard")


def now_seconds() -> int:
    """The clock as whole seconds since the epoch (for session timestamps)."""
    return int(clock.utcnow().replace(tzinfo=UTC).timestamp())


def _idle_expired() -> bool:
    """True when this session has not been used for longer than IDLE_TIMEOUT.

    Sessions with "Keep me signed in" (and those restored from its cookie, which
    Flask-Login marks not fresh) last as long as that cookie instead.
    """
    if session.get("remembered") or session.get("_fresh") is False:
        return False
    last_seen = session.get("last_seen")
    now = now_seconds()
    if isinstance(last_seen, int) and now - last_seen > current_app.config["IDLE_TIMEOUT"]:
        return True
    if not isinstance(last_seen, int) or now - last_seen >= 60:  # avoid a cookie per request
        session["last_seen"] = now
    return False


def _origin(url: str) -> str | None:
    """scheme://host[:port] of a URL, with the default port left out; None if it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _own_origins() -> set[str]:
    """The origins of this site's pages: SITE_URL's, and the one this request was sent to
    (over HTTPS too, for a proxy that does not say it terminated HTTPS)."""
    origins = {_origin(current_app.config.get("SITE_URL") or "")}
    try:
        host = request.host
    except SecurityError:  # a Host outside TRUSTED_HOSTS is not ours
        return origins - {None}
    origins |= {_origin(f"{request.scheme}://{host}"), _origin(f"https://{host}")}
    return origins - {None}


def same_origin() -> bool | None:
    """Whether the browser says one of this site's own pages sent the request: True, False,
    or None when it does not say (no Sec-Fetch-Site, Origin or Referer: old browsers,
    scripts, or a person typing an address). Browsers set these headers; pages cannot."""
    site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    if site and site != "none":
        return site == "same-origin"  # same-site is a sibling host: not this site's page
    if site == "none":
        return None
    sender = request.headers.get("Origin") or request.headers.get("Referer")
    return _origin(sender) in _own_origins() if sender else None


def session_account_id() -> int | None:
    """The account this browser was signed in to when it sent the request, even if that
    session has ended since: signed out elsewhere (the session still names the account) or
    for being idle (the guard notes whom). Never after signing out here."""
    if current_user.is_authenticated:
        return current_user.id
    ident = str(session.get("_user_id") or "").partition(":")[0]
    if ident.isdigit():
        return int(ident)
    idle = session.get(IDLE_ACCOUNT)
    return idle if isinstance(idle, int) else None


def _is_admin_path(path: str) -> bool:
    return path == "/admin" or path.startswith("/admin/")


def guard_admin():
    """before_request for every URL under /admin/: sign-in required, roles enforced."""
    if not _is_admin_path(request.path) or request.endpoint in PUBLIC_ADMIN_ENDPOINTS:
        return None
    if current_user.is_authenticated and _idle_expired():
        account = current_user.id
        session.clear()
        logout_user()
        session[IDLE_ACCOUNT] = account  # whose unsent text it still is (session_account_id)
        flash(IDLE_MESSAGE)
    if not current_user.is_authenticated:
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        flash("Please choose your own password before you continue.")
        return redirect(url_for("admin.account"))
    if is_admin_only(request.endpoint, request.path) and not current_user.is_admin:
        abort(403, "This screen is for administrators.")
    return None


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def save_session(self, app, session, response) -> None:
        # A page on another site made the browser send this POST, without its SameSite=Lax
        # cookies: any cookie set now would replace the signed-in session (and "Keep me
        # signed in" with it), so the answer to it sets none at all.
        if request.method not in SAFE_METHODS and same_origin() is False:
            response.headers.remove("Set-Cookie")
            return
        super().save_session(app, session, response)


def _secure_remember_cookie(response):
    """Mark Flask-Login's remember cookie Secure on HTTPS requests, like the session's."""
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") + "="
    cookies = response.headers.getlist("Set-Cookie")
    if request.is_secure and any(c.startswith(name) and "; Secure" not in c for c in cookies):
        response.headers.remove("Set-Cookie")
        for cookie in cookies:
            secure = cookie.startswith(name) and "; Secure" not in cookie
            response.headers.add("Set-Cookie", cookie + "; Secure" if secure else cookie)
    return response


# Flask-Login's strong session protection takes a non-empty session without its identifier
# (a hash of the client address and User-Agent) for a stolen one, empties it and deletes the
# remember cookie. A session restored from that cookie gets no identifier, and neither does
# one that a view starts (a CSRF token) before the user is loaded, so "Keep me signed in"
# lasted one request (Flask-Login issue #685); and a laptop that moves from home to the
# office, or a browser that updates itself, changes the identifier and lost the remember
# cookie too. So the user is loaded first, and a browser that still holds a remember cookie
# starts over from it: the session bound elsewhere is dropped (a copied session cookie alone
# still does not work on another device) and the cookie, valid on its own anyway and
# revoked with the account's session token, signs this browser in again.
def _restore_remembered() -> None:
    """before_request: sign in from "Keep me signed in" before a view writes the session."""
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if name not in request.cookies or session.get("_remember") == "clear":
        return
    if session.get("_id") != login_manager._session_identifier_generator():
        session.clear()
    if "_user_id" not in session:
        current_user._get_current_object()


@user_loaded_from_cookie.connect
def _bind_restored_session(app, user) -> None:
    """A session restored from the remember cookie is tied to this browser, like a sign-in."""
    session["_id"] = login_manager._session_identifier_generator()


def csrf_failed(error: CSRFError):
    """A missing or stale CSRF token: a 400 page that says what to do."""
    from ..core.errors import handle_http_error

    return handle_http_error(BadRequest(CSRF_MESSAGE))


def init_app(app) -> None:
    """Attach Flask-Login, the admin guard, the cookie settings and the CSRF error page."""
    app.session_interface = SessionInterface()
    # Registered before Flask-Login's own after_request, so it runs after it.
    app.after_request(_secure_remember_cookie)
    login_manager.init_app(app)
    app.before_request(_restore_remembered)
    app.before_request(guard_admin)
    app.register_error_handler(CSRFError, csrf_failed)
