"""The editor: every view here requires sign-in (a blueprint-wide guard)."""

from flask import Blueprint

from ..auth import guard_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(guard_admin)

from . import views  # noqa: E402,F401  (routes register on import)
