"""The site chrome every public page shows (settings, header menu, banner notices, the
footer's policy links and the practice's JSON-LD), computed once per content version.

The memos behind it (cms.core.cache.memo) are checked against the change marker and the
next scheduled time, so the page cache and PAGE_CACHE=false share them: the first render
after a change pays for the chrome once, not every render.
"""

from ..content.models import Page
from ..core.cache import memo
from .models import NavItem, active_notices, get_settings


def _parts() -> dict:
    return {
        "nav_items": list(NavItem.shown()),
        "policy_pages": list(Page.policies()),
    }


def chrome() -> dict:
    """The values base.html reads, for this content version."""
    return {
        "settings": get_settings(),
        **memo("chrome", _parts),
        "banner_notices": active_notices("banner"),
        "availability_notices": [n for n in active_notices("top") if n.availability_state],
    }
