"""Who may keep an answer: the reader's browser, the proxy's micro-cache, a CDN.

Anonymous public pages and the Content API say
``public, max-age=0, s-maxage=SHARED_CACHE_SECONDS, stale-while-revalidate=...``: browsers
ask again every time (cheap, with the ETag), and a shared cache (nginx's micro-cache in
deploy/, or a CDN) may answer for SHARED_CACHE_SECONDS, then once more with the old copy
while it fetches the new one. So an edit or a scheduled post shows within
SHARED_CACHE_SECONDS plus one refresh. The Content API lets browsers keep its answers for
API_CACHE_SECONDS.

Everything personal says ``private, no-store``: the editor and the Admin API, any answer to
a request carrying the session or remember cookie, and any answer that sets a cookie (the
contact form's CSRF session). Nothing may keep those, however the proxy is set up.
"""

from flask import current_app, request, session

from ..ops.wordpress.query_keys import QUERY_KEYS
from .security import PRIVATE_PREFIXES

PRIVATE = "private, no-store"
SHARED_STATUSES = (200, 304, 404)  # a 404 may be a scheduled post's address: kept briefly


def personal_request() -> bool:
    """True when the request carries the session or the remember cookie."""
    config, cookies = current_app.config, request.cookies
    return config["SESSION_COOKIE_NAME"] in cookies or config["REMEMBER_COOKIE_NAME"] in cookies


def cookie_names(app) -> tuple[str, str]:
    """The cookies that make a request personal (the front layer and nginx look for them)."""
    return app.config["SESSION_COOKIE_NAME"], app.config["REMEMBER_COOKIE_NAME"]


def _cacheable_view() -> bool:
    """Public pages and the Content API; never the editor or the Admin API."""
    if request.blueprint == "public":
        return True
    return request.blueprint == "api" and not request.path.startswith("/api/v1/admin/")


def _answered_by_a_hook() -> bool:
    """Old WordPress addresses (/?p=123): their hook, which runs after a cache hit would
    have been served, answers them, so no cache may serve or keep them."""
    return any(key in request.args for key in QUERY_KEYS)


def shareable() -> bool:
    """May every visitor get the same answer to this request? Anonymous GET or HEAD of a
    public page or the Content API, and not an old WordPress address."""
    if request.method not in ("GET", "HEAD") or not _cacheable_view():
        return False
    if personal_request():
        return False
    return not (request.args and _answered_by_a_hook())


def shared(max_age: int = 0) -> str:
    """The Cache-Control of an answer any visitor may get from a shared cache."""
    config = current_app.config
    return (
        f"public, max-age={max_age}, s-maxage={config['SHARED_CACHE_SECONDS']}, "
        f"stale-while-revalidate={config['SHARED_CACHE_STALE_SECONDS']}"
    )


def _private_path() -> bool:
    return request.path.startswith(PRIVATE_PREFIXES) or request.path in ("/admin", "/api/v1/admin")


def set_cache_control(response):
    """after_request, the last to run: private, no-store on everything personal, a shared
    cache's few seconds on anonymous public pages and Content API answers."""
    control = response.cache_control
    sets_cookie = "Set-Cookie" in response.headers or session.modified
    if _private_path() or sets_cookie:
        if not control.private or not control.no_store:
            response.headers["Cache-Control"] = PRIVATE
    elif _cacheable_view() and personal_request() and not response.mimetype.startswith("image/"):
        # A signed-in editor's view of a public page (or the contact form with its
        # session): only what a view made private for them already (image previews) stays.
        if not control.private:
            response.headers["Cache-Control"] = PRIVATE
    elif (
        "Cache-Control" not in response.headers
        and response.status_code in SHARED_STATUSES
        and not response.mimetype.startswith("image/")
        and shareable()
    ):
        api = request.blueprint == "api"
        response.headers["Cache-Control"] = shared(
            current_app.config["API_CACHE_SECONDS"] if api else 0
        )
    return response
