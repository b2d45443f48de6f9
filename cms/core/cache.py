"""Rendered public pages, cached per worker and invalidated by any content change.

A hit costs one `PRAGMA data_version` on the already open connection: the stored page is
used only while no connection has committed (data_version, or this connection's
total_changes) and no scheduled post or notice time has been reached. When something did
change, the counter that triggers keep in site_state says whether it was content.

A page is keyed on its path and the query arguments its view declares with `reads_args`,
nothing else: `?utm_source=...` or `?v=1`, `?v=2`, ... make no new entries, and the view
(with its templates, such as the canonical link) sees only the declared arguments when the
cache may keep its answer, so what is kept is what every such request would get.

Pages hold absolute addresses (canonical links, feeds, the API's `url` fields). With
SITE_URL set they are built from it alone; without it they follow the request's (trusted)
host and scheme, which are then part of the key, so no Host header can put its links in
the pages other visitors get.

Hits are answered in front of Flask by cms.core.front_cache, from the address as it was
sent; the hook here answers the first request for each new spelling of an address (and
records it for the front layer), and says who else may keep an answer (Cache-Control).
"""

import hashlib
import threading
from collections import OrderedDict
from datetime import datetime
from urllib.parse import urlencode

from flask import Response, current_app, has_request_context, request
from werkzeug.datastructures import ImmutableMultiDict

from . import cache_control, clock, security
from .db import change_marker, db

_local = threading.local()
# Request headers that can turn a cached answer into a 304 (or a range).
CONDITIONAL = frozenset(
    {"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_RANGE", "HTTP_RANGE"}
)
_lock = threading.Lock()

NEXT_CHANGE_SQL = """
SELECT MIN(t) FROM (
  SELECT MIN(published_at) AS t FROM post
   WHERE status = 'published' AND deleted_at IS NULL AND published_at > :now
  UNION ALL SELECT MIN(published_at) FROM page
   WHERE status = 'published' AND deleted_at IS NULL AND published_at > :now
  UNION ALL SELECT MIN(starts_at) FROM notice WHERE enabled AND starts_at > :now
  UNION ALL SELECT MIN(ends_at) FROM notice WHERE enabled AND ends_at > :now
)
"""


class Entry:
    """One kept answer: its body, status, type and ETag, and (once the front layer has seen
    the whole answer go out) the headers every later answer repeats."""

    __slots__ = ("body", "status", "mimetype", "etag", "headers")

    def __init__(self, body: bytes, status: int, mimetype: str, etag: str):
        self.body, self.status, self.mimetype, self.etag = body, status, mimetype, etag
        self.headers: list[tuple[str, str]] | None = None


class PageCache:
    """An LRU of rendered responses tagged with the content version they were made from."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 32 * 2**20):
        self.max_entries = max_entries
        # Each host (without SITE_URL), search and list position makes a new key: the byte
        # budget keeps a worker's cache small on a 1 GB server however the keys are varied.
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        # The addresses as sent (raw path and query) -> their key. Spellings never go stale
        # (a key depends on the address and the code alone), so they outlive content
        # changes, within their own budget: an eighth of the pages' bytes.
        self.aliases: OrderedDict[str, str] = OrderedDict()
        self.alias_bytes = 0
        self.version: int | None = None
        # Counts clears: a page rendered from the content before a clear (by a slower
        # thread) must not be kept after it.
        self.generation = 0
        self.next_change: datetime | None = None
        self.memos: dict[str, object] = {}

    def reset(self) -> None:
        """Forget everything, including the version seen (a new database was configured)."""
        self.clear()
        with _lock:
            self.aliases.clear()
            self.alias_bytes = 0
        self.version = self.next_change = None

    def clear(self) -> None:
        with _lock:
            self.entries.clear()
            self.memos.clear()
            self.size = 0
            self.generation += 1

    def refresh(self) -> None:
        """Drop everything if content changed or a scheduled time passed."""
        marker = change_marker()
        now = clock.utcnow()
        if getattr(_local, "marker", None) == marker and (
            self.next_change is None or now < self.next_change
        ):
            return
        version = db.execute_sql("SELECT version FROM site_state WHERE id = 1").fetchone()[0]
        due = self.next_change is not None and now >= self.next_change
        if version != self.version or due:
            self.clear()
            self.version = version
            row = db.execute_sql(NEXT_CHANGE_SQL, {"now": now}).fetchone()
            self.next_change = datetime.fromisoformat(row[0]) if row and row[0] else None
        # Only once every check went through: a query that failed (busy, I/O error) must
        # leave the next request to check again, not to trust what is kept.
        _local.marker = marker

    def get(self, key: str):
        with _lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
            return hit

    def put(self, key: str, response: Response, generation: int | None = None) -> Entry | None:
        """Keep a response (with its ETag set), unless the cache was cleared since the
        render began (`generation`, read after refresh): then it may be older content."""
        body = response.get_data()
        etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        response.set_etag(etag)
        entry = Entry(body, response.status_code, response.mimetype, etag)
        with _lock:
            if generation is not None and generation != self.generation:
                return None
            old = self.entries.pop(key, None)
            self.size += len(body) - (len(old.body) if old else 0)
            self.entries[key] = entry
            while len(self.entries) > self.max_entries or self.size > self.max_bytes:
                self.size -= len(self.entries.popitem(last=False)[1].body)
        return entry

    def discard(self, key: str, entry: Entry) -> None:
        """Drop this entry (if it is still the one kept under key)."""
        with _lock:
            if self.entries.get(key) is entry:
                self.size -= len(self.entries.pop(key).body)

    def alias(self, address: str, key: str) -> None:
        """Remember that an address, as sent, is answered by the page kept under key."""
        with _lock:
            if address in self.aliases:
                self.aliases.move_to_end(address)
                return
            self.aliases[address] = key
            self.alias_bytes += len(address) + len(key)
            while self.alias_bytes > self.max_bytes // 8:
                old, old_key = self.aliases.popitem(last=False)
                self.alias_bytes -= len(old) + len(old_key)

    def lookup(self, address: str) -> Entry | None:
        """The entry for an address as sent, if it was seen and its page is kept."""
        key = self.aliases.get(address)
        return None if key is None else self.get(key)


page_cache = PageCache()


def reads_args(*names: str):
    """Declare the query arguments a public view reads (its one declaration of them)."""

    def declare(view):
        view.query_args = names
        return view

    return declare


def declared_args() -> tuple[str, ...]:
    """The query arguments this request's view declared (none for an unknown address)."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "query_args", ())


def _cache_key() -> str | None:
    if not current_app.config["PAGE_CACHE"] or not cache_control.shareable():
        return None  # signed-in or contact-form visitors see personal bits, for one
    # The first value of each declared argument, as request.args.get reads it: the view
    # sees these alone, so the page kept under this key is the page for all its variants.
    kept = [(name, request.args[name]) for name in declared_args() if name in request.args]
    request.args = ImmutableMultiDict(kept)
    path = request.path + ("?" + urlencode(kept) if kept else "")
    if current_app.config["SITE_URL"]:
        return path  # every address in the page comes from SITE_URL
    return request.host_url + path.lstrip("/")


def memo(name: str, factory):
    """A value derived from content (settings, menu, notices), kept until content changes.

    The same memos serve the cached and the uncached (PAGE_CACHE=false) modes: before a
    memo is read, the change marker is checked (one pragma on the open connection), so a
    value is never older than the last commit, including one this request made itself.
    Outside a request (CLI, imports) and inside a transaction (whose changes may still be
    rolled back, so must not reach other requests) it is computed afresh.
    """
    if not has_request_context() or db.in_transaction():
        return factory()
    page_cache.refresh()
    request.environ["cms.cache_checked"] = True
    with _lock:
        if name in page_cache.memos:
            return page_cache.memos[name]
    value = factory()
    with _lock:
        page_cache.memos[name] = value
    return value


def serve_cached():
    """before_request hook: answer from the cache when possible.

    A hit needs none of the later hooks (sign-in guard, CSRF, old WordPress addresses:
    their answers are never cached), so it runs before them. Most hits never get here:
    the front layer answers them before Flask does.
    """
    key = _cache_key()
    if key is None:
        return None
    page_cache.refresh()
    request.environ["cms.cache_checked"] = True
    hit = page_cache.get(key)
    if hit is None:
        request.environ["cms.cache_key"] = key
        request.environ["cms.cache_generation"] = page_cache.generation
        return None
    request.environ["cms.cache_entry"] = (key, hit)  # the front layer learns this address
    response = Response(hit.body, status=hit.status, mimetype=hit.mimetype)
    response.set_etag(hit.etag)
    response.headers["X-Cache"] = "hit"
    if CONDITIONAL.isdisjoint(request.environ):
        return response  # nothing to compare: skip make_conditional's parsing (hot path)
    return response.make_conditional(request)


def store(response: Response) -> Response:
    """after_request hook: keep a fresh 200 (or 404) for the next visitor.

    A 404 may be a scheduled post's address: its publish time is a scheduled change, so
    the cache is cleared when it comes (see refresh). Images are left out: they are large,
    read by primary key, and kept for a year by browsers anyway."""
    key = request.environ.get("cms.cache_key")
    if (
        key
        and response.status_code in (200, 404)
        and not response.mimetype.startswith("image/")
        and "Set-Cookie" not in response.headers
        and not response.cache_control.no_store  # e.g. the contact form's CSRF token
        and not response.direct_passthrough
    ):
        entry = page_cache.put(key, response, request.environ.get("cms.cache_generation"))
        if entry is not None:
            request.environ["cms.cache_entry"] = (key, entry)
        response.headers["X-Cache"] = "miss"
        return response.make_conditional(request)
    return response


def init_app(app) -> None:
    """Start empty and answer from the cache (the public blueprint and the Content API
    keep their answers with `store`). Register it before the hooks a hit may skip, and
    the Host check before it: nothing may be served or cached for an untrusted host.
    Cache-Control is decided after every other hook has had its say."""
    page_cache.reset()
    app.before_request(security.refuse_untrusted_host)
    app.before_request(serve_cached)
    app.after_request(cache_control.set_cache_control)
