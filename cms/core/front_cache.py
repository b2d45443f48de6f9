"""Cache hits answered in front of Flask, as a thin WSGI layer around the app.

A hit costs what the page cache's own check costs (one `PRAGMA data_version` on this
thread's open connection) and no routing, request object, hooks or view. The layer knows
an address only once Flask has answered it: Flask's hook (cms.core.cache.serve_cached)
works out the key from the view's declared arguments, and when that answer goes out whole
the layer records the address as sent (scheme, Host, path and query, byte for byte) with
its key, and the answer's final headers (security headers, Cache-Control, Vary) with the
page. So every guarantee of the hook holds here too:
- an address is served only if Flask answered it for the same Host, which Flask checked
  against TRUSTED_HOSTS first (an untrusted Host never gets an answer, so never an alias);
- what is served is the page kept under the key the view's declared arguments made;
- old WordPress addresses (?p=) and personal answers never get a key, so never an alias;
- requests with the session or remember cookie, other methods, ranges, If-Match and CORS
  requests (Origin) always go to Flask, as do all requests while the retention purge is
  due, so it still runs on time on a site whose every request is a hit.
Any failure of the change check (busy, read-only or broken disk) hands the request to
Flask, which answers it as it answers every such fault.
"""

from werkzeug.http import HTTP_STATUS_CODES, is_resource_modified

from . import cache_control, db
from .cache import page_cache
from .security import HSTS

# Headers the layer makes per answer (or per request), never repeated from the stored one.
PER_ANSWER = frozenset(
    {"content-length", "date", "x-cache", "strict-transport-security", "set-cookie"}
)
# Entity headers a 304 leaves out, as werkzeug's own 304 does.
NOT_IN_304 = frozenset({"content-type", "content-length", "content-encoding", "content-language"})
STATUS_LINES = {code: f"{code} {HTTP_STATUS_CODES[code].upper()}" for code in (200, 404)}
# Request headers whose answer only Flask works out.
TO_FLASK = ("HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MATCH", "HTTP_ORIGIN")


def address(environ) -> str:
    """The address as sent: scheme, Host, script root, path and raw query."""
    return (
        f"{environ['wsgi.url_scheme']}://{environ.get('HTTP_HOST', '')}"
        f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
        f"?{environ.get('QUERY_STRING', '')}"
    )


def _personal(cache_control: str) -> bool:
    return "private" in cache_control or "no-store" in cache_control


def _kept(headers) -> list[tuple[str, str]] | None:
    """The headers every hit repeats, or None when the answer must not be repeated."""
    kept = []
    for name, value in headers:
        lower = name.lower()
        if lower == "set-cookie" or (lower == "cache-control" and _personal(value)):
            return None  # personal after all: a cookie, or private / no-store
        if lower not in PER_ANSWER and not lower.startswith("access-control-"):
            kept.append((name, value))
    return kept


class FrontCache:
    """WSGI middleware: answer page cache hits without dispatching to Flask."""

    def __init__(self, app, wsgi_app, reach_flask=()):
        self.app = app
        self.wsgi_app = wsgi_app
        self.cookies = tuple(f"{name}=" for name in cache_control.cookie_names(app))
        # Callables given the app that say requests must reach Flask (e.g. a purge is due).
        self.reach_flask = tuple(reach_flask)

    def __call__(self, environ, start_response):
        entry = self._hit(environ)
        if entry is None:
            return self.wsgi_app(environ, self._learning(environ, start_response))
        return self._answer(entry, environ, start_response)

    def _hit(self, environ):
        """The kept entry for this request, or None to let Flask answer it."""
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or not self.app.config["PAGE_CACHE"]:
            return None
        cookie = environ.get("HTTP_COOKIE")
        if cookie and any(name in cookie for name in self.cookies):
            return None  # anything like a session cookie: Flask decides
        if any(name in environ for name in TO_FLASK) or any(
            due(self.app) for due in self.reach_flask
        ):
            return None
        key = page_cache.aliases.get(address(environ))
        if key is None:
            return None  # never answered by Flask yet: cheap, no database
        try:
            db.connect()
            page_cache.refresh()
        except Exception:  # noqa: BLE001  (Flask meets the same fault and answers it)
            return None
        entry = page_cache.get(key)
        return entry if entry is not None and entry.headers is not None else None

    def _learning(self, environ, start_response):
        """start_response that records an answer Flask served from (or into) the cache."""

        def learn(status, headers, exc_info=None):
            seen = environ.get("cms.cache_entry")
            if seen is not None and exc_info is None and int(status[:3]) == seen[1].status:
                key, entry = seen
                kept = _kept(headers)
                if kept is None:
                    page_cache.discard(key, entry)
                else:
                    if entry.headers is None:
                        entry.headers = kept
                    page_cache.alias(address(environ), key)
            return start_response(status, headers, exc_info)

        return learn

    def _answer(self, entry, environ, start_response):
        headers = [*entry.headers, ("X-Cache", "hit")]
        if environ["wsgi.url_scheme"] == "https":
            headers.append(("Strict-Transport-Security", HSTS))
        conditional = "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ
        if conditional and not is_resource_modified(environ, etag=entry.etag):
            start_response(
                "304 Not Modified", [h for h in headers if h[0].lower() not in NOT_IN_304]
            )
            return []
        headers.append(("Content-Length", str(len(entry.body))))
        start_response(STATUS_LINES[entry.status], headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [entry.body]


def init_app(app, reach_flask=()) -> None:
    """Put the layer in front of the app (inside ProxyFix, which is added later, so the
    scheme it sees is the one the proxy reported)."""
    app.wsgi_app = FrontCache(app, app.wsgi_app, reach_flask)
