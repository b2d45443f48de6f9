"""/healthz: a cheap database check for monitors and the proxy (JSON, no cookies)."""

from flask import Blueprint, current_app, jsonify
from peewee import DatabaseError

from .db import db

bp = Blueprint("health", __name__)


def _status(code: int, **body):
    response = jsonify(body)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz():
    """200 {"status": "ok"} when the database answers a one-row query."""
    version = db.execute_sql("SELECT version FROM site_state WHERE id = 1").fetchone()
    if version is None:
        raise DatabaseError("site_state is empty")
    return _status(200, status="ok", database="ok")


@bp.errorhandler(DatabaseError)
def database_unavailable(error):
    """503 while the database cannot be read (also when opening it failed)."""
    current_app.logger.warning("health check failed: %s", error)
    return _status(503, status="error", database="unavailable")
