"""The real app plus one reference route, for benchmarks only.

`/_floor/<size>` returns a constant body of `size` bytes through the same Flask app and
server: the framework floor that a cached page is compared with.
"""

from flask import Response

from cms import create_app

app = create_app()
_bodies: dict[int, bytes] = {}


@app.route("/_floor/<int:size>")
def floor(size):
    """A constant HTML body of the given size."""
    body = _bodies.setdefault(size, b"<!doctype html>" + b"x" * max(0, size - 15))
    return Response(body, mimetype="text/html")
