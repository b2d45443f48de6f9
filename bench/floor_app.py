"""The bare framework floor: a Flask app of its own, nothing from cms.

`/<size>` returns a constant HTML body of `size` bytes. bench/run.py serves it with
gunicorn under the project's worker settings, beside the project's own gunicorn, so a
cached page is compared with the least any Flask app on this server can cost.
"""

from flask import Flask, Response

app = Flask(__name__)
_bodies: dict[int, bytes] = {}


@app.route("/<int:size>")
def floor(size):
    """A constant HTML body of the given size."""
    body = _bodies.setdefault(size, b"<!doctype html>" + b"x" * max(0, size - 15))
    return Response(body, mimetype="text/html")
