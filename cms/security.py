"""Security headers on every response, the proxy setup, request limits, production checks.

Production is switched on by one rule: ``CMS_ENV=production`` (the ``ENV`` setting, set in
deploy/practice-cms.service). Then the app refuses to start with debug on or with a
missing, short or well-known secret key, and session cookies are sent over HTTPS only.
"""

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join(
    [
        "default-src 'self'",  # nothing from other origins, no inline script or style
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "usb",
    )
)  # fmt: skip
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=63072000"  # two years; no includeSubDomains: other hosts are not ours
# Paths whose responses are personal (the editor, the token-authenticated Admin API).
PRIVATE_PREFIXES = ("/admin/", "/api/v1/admin/")
# Secret keys that appear in docs, tests and tutorials; never acceptable in production.
DEMO_KEYS = frozenset(
    {"dev", "test", "secret", "changeme", "change-me", "change me", "browser-tests",
     "secret-key", "your-secret-key", "development", "replace-me"}
)  # fmt: skip
MIN_KEY_LENGTH = 32


class ProductionConfigError(RuntimeError):
    """The configuration is unsafe for a public server."""


def is_production(app) -> bool:
    """True when the ENV setting (CMS_ENV) is "production"."""
    return str(app.config.get("ENV", "")).lower() == "production"


def check_production(app) -> None:
    """Refuse to run a public server with debug on or a guessable secret key."""
    if not is_production(app):
        return
    if app.debug:
        raise ProductionConfigError("Debug mode is on; never run it in production.")
    key = app.config.get("SECRET_KEY") or ""
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    if not key or key.strip().lower() in DEMO_KEYS or len(key) < MIN_KEY_LENGTH:
        raise ProductionConfigError(
            "The secret key is missing, a well-known demo value or shorter than "
            f"{MIN_KEY_LENGTH} characters. Remove CMS_SECRET_KEY and SECRET_KEY settings to "
            "use the key generated in instance/secret_key."
        )


def add_headers(response):
    """after_request: the security headers, and no-store on personal responses."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)  # keeps a stricter one (e.g. on /media/)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith(PRIVATE_PREFIXES) or request.path in ("/admin", "/api/v1/admin"):
        response.headers["Cache-Control"] = "no-store"
    return response


def too_large(error: RequestEntityTooLarge):
    """413 with the limit spelled out."""
    from .errors import handle_http_error

    limit = current_app.config["MAX_CONTENT_LENGTH"] // 2**20
    return handle_http_error(
        RequestEntityTooLarge(
            f"What you sent is too large. Requests are limited to {limit} MB, "
            "and a form to a few megabytes of text."
        )
    )


def init_app(app) -> None:
    """Check the configuration, trust exactly one proxy if told to, add the headers."""
    check_production(app)
    if is_production(app):  # production is served over HTTPS (docs/deploy.md)
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    if app.config.get("BEHIND_PROXY"):
        # One proxy: its own X-Forwarded-For entry and scheme are believed, any entry a
        # client sent before it is not (so it cannot change the address used for throttling).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=0, x_port=0)
    app.after_request(add_headers)
    app.register_error_handler(RequestEntityTooLarge, too_large)
