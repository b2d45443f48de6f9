"""practice-cms: a small, self-hosted CMS for a psychotherapist in private practice."""

import json
import os

from flask import Flask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEFAULTS = {
    "SITE_URL": "",  # e.g. https://example.org; else taken from the request
    "PAGE_CACHE": True,
    "DEMO_CONTENT": True,  # load demo content into an empty database on first start
    "AUTO_MIGRATE": True,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # deploy/ proxies use the same limit
    "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,  # one text field: a 200,000-character post
    "MAX_FORM_PARTS": 1000,
    "BEHIND_PROXY": False,  # true behind exactly one reverse proxy (see cms/core/security.py)
    "MAX_UPLOAD_BYTES": 8 * 1024 * 1024,  # one image upload
    "MAX_IMAGE_PIXELS": 12_500_000,  # decoded size: ~150 MB per upload (cms/media/imaging.py)
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "REVISION_KEEP_DAYS": 30,  # all revisions of these days, one a week before (content/revisions)
    "ACTIVITY_KEEP_DAYS": 365,  # the activity log
}


def _env_overrides() -> dict:
    """CMS_* environment variables, JSON-decoded when they parse as JSON."""
    values = {}
    for name, raw in os.environ.items():
        if name.startswith("CMS_") and name != "CMS_INSTANCE_PATH":
            try:
                values[name[4:]] = json.loads(raw)
            except ValueError:
                values[name[4:]] = raw
    return values


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config, database, extensions, blueprints, CLI, errors."""
    from .ops import bootstrap as setup

    app = Flask(
        __name__,
        instance_path=(test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("CMS_INSTANCE_PATH")
        or os.path.join(ROOT, "instance"),
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    app.config.from_mapping(DEFAULTS)
    app.config["DATABASE"] = os.path.join(app.instance_path, "cms.sqlite3")
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(_env_overrides())
    if test_config:
        app.config.update(test_config)
    setup.prepare_instance(app)  # the folder 0700, the secret key (generated once)

    from .accounts import guard as auth
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .core import assets, cache, db, errors, health, security, templating
    from .core.extensions import csrf
    from .messages import mailer
    from .messages import service as messages
    from .ops import cli
    from .ops import token_cli as api_cli  # noqa: F401  (adds `cms create-token`)
    from .ops.wordpress import importer as wordpress
    from .public import bp as public_bp

    # Request hooks run in this order: the connection, the retention purge (due on every
    # request, cache hits included), then the page cache, which answers a hit before the
    # sign-in guard, CSRF and old-address hooks that a cached answer never needs.
    db.init_app(app)
    messages.init_app(app)
    cache.init_app(app)
    auth.init_app(app)
    csrf.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    mailer.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    wordpress.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(csrf.exempt(api_bp))  # token-only: no cookie, nothing to forge
    setup.prepare_database(app)  # schema, defaults, demo content, setup link: once
    return app
