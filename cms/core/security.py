"""Security headers on every response, the proxy setup, request limits, production checks.

Production is switched on by one rule: ``CMS_ENV=production`` (the ``ENV`` setting, set in
deploy/practice-cms.service). Then the app refuses to start with debug on, with a missing,
short, well-known or low-entropy secret key, or without SITE_URL or TRUSTED_HOSTS, and
session cookies are sent over HTTPS only.

The Host header is the client's to choose, so it is checked against Flask's TRUSTED_HOSTS,
which always holds SITE_URL's host: a request for any other host gets a 400 before any
other hook runs (see cms.core.cache.init_app), and no page is built from it.
"""

import math
from collections import Counter
from io import BytesIO
from urllib.parse import urlsplit

from flask import Request, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, SecurityError
from werkzeug.formparser import FormDataParser
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

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
MIN_KEY_BITS = 128  # the generated key, token_hex(32), estimates at 215 bits or more
# gunicorn listens on 127.0.0.1 only: the proxy in front and health checks reach it by these
# names. Trusting them changes no page: with SITE_URL set every address is built from it,
# and without it the page cache keeps each host's pages apart.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
MAX_SQL_INT = 2**63 - 1  # the largest number SQLite's INTEGER holds


class ProductionConfigError(RuntimeError):
    """The configuration is unsafe for a public server."""


def is_production(app) -> bool:
    """True when the ENV setting (CMS_ENV) is "production"."""
    return str(app.config.get("ENV", "")).lower() == "production"


def key_bits(key: str) -> float:
    """A cautious estimate of a key's randomness in bits: its length (one copy of a
    repeated block) times the entropy of its own character frequencies."""
    period = next((p for p in range(1, len(key) // 2 + 1) if key.startswith(key[p:])), len(key))
    block = key[:period]
    counts = Counter(block).values()
    return -sum(n * math.log2(n / len(block)) for n in counts)


def site_host(app) -> str | None:
    """The host name of SITE_URL, or None when it is unset or not an http(s) address."""
    parts = urlsplit(str(app.config.get("SITE_URL") or ""))
    return parts.hostname if parts.scheme in ("http", "https") else None


def trusted_hosts(app) -> list[str] | None:
    """TRUSTED_HOSTS with SITE_URL's host and the loopback names; None (any host) when
    neither setting is given."""
    configured = app.config.get("TRUSTED_HOSTS") or []
    if isinstance(configured, str):  # CMS_TRUSTED_HOSTS=example.org,www.example.org
        configured = configured.replace(",", " ").split()
    hosts = [*configured, *filter(None, [site_host(app)])]
    if not hosts:
        return None
    return list(dict.fromkeys([*hosts, *LOOPBACK_HOSTS]))


def check_production(app) -> None:
    """Refuse to run a public server with debug on, a guessable secret key, or no
    configured address (links would follow whatever Host a request names)."""
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
    if key_bits(key) < MIN_KEY_BITS:
        raise ProductionConfigError(
            f"The secret key is too predictable (about {key_bits(key):.0f} bits of randomness; "
            f"at least {MIN_KEY_BITS} are needed): it repeats characters or a pattern. Remove "
            "CMS_SECRET_KEY and SECRET_KEY settings to use the key generated in "
            "instance/secret_key, or make one with "
            "python3 -c 'import secrets; print(secrets.token_hex(32))'."
        )
    if app.config.get("SITE_URL") and site_host(app) is None:
        raise ProductionConfigError(
            f"SITE_URL {app.config['SITE_URL']!r} is not a web address; "
            'write it in full, e.g. SITE_URL = "https://example.org".'
        )
    if not (site_host(app) or app.config.get("TRUSTED_HOSTS")):
        raise ProductionConfigError(
            'Set SITE_URL to the site\'s public address (e.g. SITE_URL = "https://example.org" '
            "in instance/config.py, or CMS_SITE_URL), or list the host names the site answers "
            "to in TRUSTED_HOSTS. Without either, links in pages, feeds and the sitemap would "
            "follow whatever Host header a request sends."
        )


class SqlIntConverter(IntegerConverter):
    """`<int:...>` in every route: only numbers SQLite can hold match (larger ones are a
    404 like any unknown id, never an overflow error)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_SQL_INT, signed=False):
        super().__init__(url_map, fixed_digits, min, max, signed)


def row_id(raw) -> int | None:
    """A query argument that names a row: a whole number SQLite can hold, else None."""
    raw = str(raw or "")
    if raw.isascii() and raw.isdigit() and len(raw) < 20 and int(raw) <= MAX_SQL_INT:
        return int(raw)
    return None


def refuse_untrusted_host() -> None:
    """before_request, ahead of every hook that reads the request or builds a URL: a Host
    not in TRUSTED_HOSTS gets its 400 (Flask found it when it matched the URL)."""
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def add_headers(response):
    """after_request: the security headers."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)  # keeps a stricter one (e.g. on /media/)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response  # Cache-Control: cms.core.cache_control


def _size(limit: int | None) -> str:
    if not limit:
        return "any size"
    return f"{limit / 2**20:.3g} MB" if limit >= 2**20 else f"{limit / 2**10:.3g} KB"


def too_large(error: RequestEntityTooLarge):
    """413 with the limits spelled out, and where the text still is."""
    from .errors import handle_http_error, wants_problem_json

    config = current_app.config
    parts = config.get("MAX_FORM_PARTS")
    message = (
        "What you sent is too large, so nothing was saved: requests are limited to "
        f"{_size(config.get('MAX_CONTENT_LENGTH'))}, one form field to "
        f"{_size(config.get('MAX_FORM_MEMORY_SIZE'))} and a form to "
        f"{f'{parts:,}' if parts else 'any number of'} fields."
    )
    if not wants_problem_json():
        message += " Going back in your browser usually brings back what you typed, to shorten it."
    return handle_http_error(RequestEntityTooLarge(message))


class FormParser(FormDataParser):
    """Werkzeug's form parser, with the form limits held for URL-encoded forms too.

    Werkzeug applies MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS to multipart forms only, and
    reads a streamed URL-encoded body only up to MAX_CONTENT_LENGTH, silently: a cut-off
    form then lost its CSRF token and was refused as "expired" instead of too large.
    """

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        data = stream.read()
        if stream.read(1):  # more than the limit (a limited stream raises 413 itself)
            raise RequestEntityTooLarge()
        if self.max_form_parts is not None and data.count(b"&") >= self.max_form_parts:
            raise RequestEntityTooLarge()  # counted before anything is split or decoded
        limit = self.max_form_memory_size
        if limit is not None and len(data) > limit and max(map(len, data.split(b"&"))) > limit:
            raise RequestEntityTooLarge()
        return super()._parse_urlencoded(BytesIO(data), mimetype, content_length, options)


class LimitedRequest(Request):
    """Flask's request, parsing forms with FormParser."""

    form_data_parser_class = FormParser


def init_app(app) -> None:
    """Check the configuration, trust exactly one proxy if told to, add the headers."""
    check_production(app)
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app)
    app.url_map.converters["int"] = SqlIntConverter  # before the blueprints add routes
    if is_production(app):  # production is served over HTTPS (docs/deploy.md)
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    if app.config.get("BEHIND_PROXY"):
        # One proxy: its own X-Forwarded-For entry and scheme are believed, any entry a
        # client sent before it is not (so it cannot change the address used for throttling).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=0, x_port=0)
    app.after_request(add_headers)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.request_class = LimitedRequest
