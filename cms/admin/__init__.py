"""The editor: every view here requires sign-in.

The guard (cms.accounts.guard.guard_admin) runs before every request whose path is under /admin/,
so views of this blueprint, and any other blueprint mounted there, are protected by default.
"""

# Routes register on import.
from . import (  # noqa: F401
    account,
    activity_views,
    autosave_views,
    categories,
    editor_tools,
    entry_actions,
    form_errors,
    inbox,
    links,
    media_views,
    menu_views,
    posts,
    recovery_views,
    site_admin,
    tokens,
    users,
    views,
)
from .blueprint import bp

__all__ = ["bp"]
