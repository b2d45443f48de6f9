"""The editor: every view here requires sign-in.

The guard (cms.accounts.guard.guard_admin) runs before every request whose path is under /admin/,
so views of this blueprint, and any other blueprint mounted there, are protected by default.
"""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Routes register on import.
from . import (  # noqa: E402,F401
    account,
    activity_views,
    categories,
    entry_actions,
    inbox,
    links,
    media_views,
    menu_views,
    posts,
    site_admin,
    tokens,
    users,
    views,
)
