"""/healthz: a cheap database check for monitors and the proxy (JSON, no cookies)."""

from flask import Blueprint, current_app, jsonify
from peewee import DatabaseError

from .db import db, storage_problem

bp = Blueprint("health", __name__)


def _status(code: int, **body):
    response = jsonify(body)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz():
    """200 {"status": "ok"} when the database answers a one-row query; "degraded" with the
    reason while readers are served but changes cannot be saved (read-only or full disk)."""
    version = db.execute_sql("SELECT version FROM site_state WHERE id = 1").fetchone()
    if version is None:
        raise DatabaseError("site_state is empty")
    fault = db.fallback_reason() or storage_problem(current_app.config["DATABASE"])
    if fault:
        return _status(200, status="degraded", database="ok", storage=fault)
    return _status(200, status="ok", database="ok")


@bp.errorhandler(DatabaseError)
def database_unavailable(error):
    """503 while the database cannot be read (also when opening it failed)."""
    current_app.logger.warning("health check failed: %s", error)
    return _status(503, status="error", database="unavailable")
