"""WordPress's query-string addresses (/?p=123 and friends), answered after an import."""

from flask import request

from ...content.addresses import moved_to
from ...content.records import Redirect
from .query_keys import QUERY_KEYS


def legacy_redirect():
    """before_request: /?p=123 and friends (the path alone is "/", so the 404 hook misses them)."""
    if not request.args:
        return None
    for key in QUERY_KEYS:
        value = request.args.get(key, "")
        if value.isdigit() or (key == "feed" and value.isalnum()):
            old = f"{request.path.rstrip('/')}/?{key}={value}"
            target = Redirect.get_or_none(Redirect.old_path == old)
            if target is not None:
                return moved_to(target.new_path)  # only to live content, checked now
    return None


def init_app(app) -> None:
    """Answer WordPress's query-string addresses."""
    app.before_request(legacy_redirect)
