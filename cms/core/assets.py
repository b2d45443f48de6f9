"""Versioned static URLs (/static/css/site.css?v=1a2b3c4d5e), so proxies may cache them for a year.

The version is a hash of the file's content, so an upgrade that changes a file changes
its URL, and browsers never keep an old stylesheet or script next to new HTML.
"""

import hashlib
import os
from functools import lru_cache

from flask import current_app


@lru_cache(maxsize=256)
def _version(path: str, mtime_ns: int) -> str:
    with open(path, "rb") as fh:
        return hashlib.blake2b(fh.read(), digest_size=5).hexdigest()


def add_version(endpoint: str, values: dict) -> None:
    """url_defaults: add ?v=<content hash> to url_for('static', filename=...)."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    path = os.path.join(current_app.static_folder, values["filename"])
    try:
        values["v"] = _version(path, os.stat(path).st_mtime_ns)
    except OSError:
        return  # a missing file gets a plain URL (and a 404 that shows the mistake)


def init_app(app) -> None:
    """Register the URL hook."""
    app.url_defaults(add_version)
