"""Every setting's default and meaning: the one table (README "Configuration" shows it).

Settings are read in this order, later ones winning: these defaults, instance/config.py,
CMS_* environment variables (Flask's from_prefixed_env: JSON when the value parses as
JSON), then the dictionary given to create_app() in tests.
"""

import os
from dataclasses import dataclass
from datetime import timedelta

MB = 1024 * 1024


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default value and meaning; `shown` is how the README writes
    the default when the value alone does not say it (e.g. "generated", "16 MB")."""

    name: str
    default: object
    meaning: str
    shown: str | None = None


SETTINGS = (
    # The site and its data
    Setting("DATABASE", None, "the SQLite file holding everything", "`instance/cms.sqlite3`"),
    Setting("SITE_URL", "", "the public address; absolute links are built from it alone"),
    Setting("TRUSTED_HOSTS", None, "more host names the site answers to", "empty"),
    Setting("PAGE_CACHE", True, "cache rendered public pages"),
    Setting("SHARED_CACHE_SECONDS", 2, "how long a shared cache (nginx, a CDN) may keep a page"),
    Setting("SHARED_CACHE_STALE_SECONDS", 3, "then serve its old copy while it refreshes"),
    Setting("DEMO_CONTENT", True, "load demo content into a brand-new, empty database"),
    Setting("AUTO_MIGRATE", True, "apply pending schema migrations at start"),
    Setting("ENV", "", "`production` refuses unsafe settings and makes cookies HTTPS-only"),
    Setting("BEHIND_PROXY", False, "trust exactly one reverse proxy's X-Forwarded-For/-Proto"),
    # Keys
    Setting("SECRET_KEY", None, "signs cookies; generated into instance/", "generated"),
    Setting("SECRET_KEY_FALLBACKS", None, "earlier secret keys, still accepted", "none"),
    # Request and upload limits (deploy/ proxies use the same body limit)
    Setting("MAX_CONTENT_LENGTH", 16 * MB, "largest request body", "16 MB"),
    Setting("MAX_FORM_MEMORY_SIZE", 2 * MB, "largest form field: a 200,000-character post", "2 MB"),
    Setting("MAX_FORM_PARTS", 1000, "most fields in one form"),
    Setting("MAX_UPLOAD_BYTES", 15 * MB, "largest image file accepted", "15 MB"),
    Setting("MAX_IMAGE_PIXELS", 12_500_000, "largest decoded image (cms/media/imaging.py)"),
    # Retention
    Setting("MESSAGE_RETENTION_DAYS", 90, "days a contact message is kept"),
    Setting("REVISION_KEEP_DAYS", 30, "days every revision is kept; one a week before"),
    Setting("ACTIVITY_KEEP_DAYS", 365, "days an activity log entry is kept"),
    # The contact form
    Setting("CONTACT_RATE_LIMIT", 10, "contact form submissions per address per window"),
    Setting("CONTACT_RATE_WINDOW", 3600, "the contact form's window, in seconds"),
    Setting("CONTACT_MIN_SECONDS", 3, "a form sent sooner after opening is automated"),
    # Notification e-mails
    Setting("SMTP_HOST", "", "mail server for notifications; empty: none are sent"),
    Setting("SMTP_PORT", 587, "the mail server's port"),
    Setting("SMTP_USER", "", "mail server login, if it needs one"),
    Setting("SMTP_PASSWORD", "", "mail server password"),
    Setting("SMTP_STARTTLS", True, "STARTTLS on a plain connection"),
    Setting("SMTP_SSL", False, "implicit TLS (usually port 465) instead of STARTTLS"),
    Setting("SMTP_TIMEOUT", 10, "seconds before giving up on the mail server"),
    Setting("NOTIFY_EMAIL", "", "who is told about new messages"),
    Setting("SMTP_FROM", "", "the sender address (empty: NOTIFY_EMAIL)"),
    # Backups
    Setting("BACKUP_DIR", None, "where `cms backup` writes", "`instance/backups`"),
    Setting("BACKUP_KEEP", 14, "how many backup archives are kept"),
    # Sessions, cookies and sign-in
    Setting("IDLE_TIMEOUT", 2 * 3600, "seconds without a request before a session ends"),
    Setting(
        "REMEMBER_COOKIE_DURATION",
        timedelta(days=14),
        "how long 'Keep me signed in' lasts",
        "14 days",
    ),
    Setting("SESSION_COOKIE_SECURE", False, "send cookies over HTTPS only"),
    Setting("SESSION_COOKIE_HTTPONLY", True, "the session cookie is hidden from scripts"),
    Setting("SESSION_COOKIE_SAMESITE", "Lax", "the session cookie stays on this site"),
    Setting("REMEMBER_COOKIE_HTTPONLY", True, "the remember cookie is hidden from scripts"),
    Setting("REMEMBER_COOKIE_SAMESITE", "Lax", "the remember cookie stays on this site"),
    Setting("REMEMBER_COOKIE_NAME", "remember_token", "the remember cookie's name"),
    Setting(
        "WTF_CSRF_TIME_LIMIT",
        None,
        "seconds a form's CSRF token lives",
        "none (as long as the session)",
    ),
    Setting("LOGIN_THROTTLE_ACCOUNT", 5, "failed sign-ins per account from one address"),
    Setting("LOGIN_THROTTLE_ADDRESS", 20, "failed sign-ins per address"),
    Setting("LOGIN_THROTTLE_WINDOW", 15 * 60, "the sign-in throttle's window, in seconds"),
    Setting(
        "LOGIN_THROTTLE_ACCOUNT_GLOBAL",
        None,
        "failed sign-ins per account, everywhere",
        "10 × `LOGIN_THROTTLE_ACCOUNT`",
    ),
    Setting("SETUP_LINK", True, "log a one-time setup link on a start with no account"),
    Setting("SETUP_LINK_HOURS", 24, "hours the setup link is valid"),
    Setting(
        "LISTEN_URL",
        "",
        "where the server listens, for links printed without SITE_URL",
        "set by `gunicorn.conf.py` from its bind address",
    ),
    Setting("SET_PASSWORD_LINK_HOURS", 72, "hours a set-password link is valid"),
    Setting("RESET_LINK_MINUTES", 30, "minutes an e-mailed or printed reset link is valid"),
    Setting("RESET_REQUESTS", 3, "reset e-mails per account, and per address, each hour"),
    # The JSON API
    Setting("API_CORS_ORIGINS", [], "origins allowed to read the Content API from a browser"),
    Setting("API_CACHE_SECONDS", 60, "Cache-Control max-age of Content API answers"),
    Setting("API_RATE_LIMIT", 600, "Admin API requests per token per minute"),
    Setting("API_AUTH_FAILURE_LIMIT", 30, "requests with a bad token per address per minute"),
    Setting("API_MAX_JSON", 4 * MB, "largest JSON body the Admin API reads", "4 MB"),
)
DEFAULTS = {setting.name: setting.default for setting in SETTINGS}


def shown(setting: Setting) -> str:
    """The default as the README's table writes it."""
    if setting.shown is not None:
        return setting.shown
    if isinstance(setting.default, bool):
        return f"`{str(setting.default).lower()}`"
    if setting.default in ("", None):
        return "empty"
    return f"`{setting.default}`"


def load(app, test_config: dict | None) -> None:
    """Fill app.config: defaults, instance/config.py, CMS_* variables, the test dict."""
    app.config.from_mapping(DEFAULTS)
    app.config["DATABASE"] = os.path.join(app.instance_path, "cms.sqlite3")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CMS")
    app.config.pop("INSTANCE_PATH", None)  # CMS_INSTANCE_PATH chose the folder already
    if test_config:
        app.config.update(test_config)
