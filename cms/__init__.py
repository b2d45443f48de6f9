"""practice-cms: a small, self-hosted CMS for a psychotherapist in private practice."""

import os

from flask import Flask

from . import config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
    config.load(app, test_config)
    setup.prepare_instance(app)  # the folder 0700, the secret key (generated once)

    from .accounts import guard as auth
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .content import addresses
    from .core import assets, cache, db, errors, front_cache, health, security, templating
    from .core.extensions import csrf
    from .messages import mailer, retention
    from .messages import service as messages
    from .ops import cli
    from .ops import token_cli as api_cli  # noqa: F401  (adds `cms create-token`)
    from .ops.wordpress import legacy as wordpress
    from .public import bp as public_bp

    # Request hooks run in this order: the connection, the retention purge (due on every
    # request, cache hits included), then the page cache, which answers a hit before the
    # sign-in guard, CSRF and old-address hooks that a cached answer never needs. Most
    # hits are answered before Flask by the front layer (inside ProxyFix, added later).
    db.init_app(app)
    messages.init_app(app)
    cache.init_app(app)
    front_cache.init_app(app, reach_flask=[retention.purge_due])
    auth.init_app(app)
    csrf.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    addresses.init_app(app)
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
