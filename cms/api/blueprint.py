"""The api blueprint itself, apart from its routes (which import it).

See the package's docstring for what the blueprint serves."""

from flask import Blueprint, current_app, g
from flask.sessions import NullSession
from werkzeug.routing import BaseConverter

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class NoSession(NullSession):
    """The API's session: empty, never written, never 'accessed' (so no Vary: Cookie)."""

    accessed = property(lambda self: False, lambda self, value: None)


class ApiSessionMixin:
    """Open no session on API paths: the API neither reads the editor's cookie nor sets one."""

    def open_session(self, app, request):
        if request.path.startswith(bp.url_prefix + "/"):
            return NoSession()
        return super().open_session(app, request)


class IdConverter(BaseConverter):
    """A row id in a path: 1 to 16 digits, so it always fits SQLite (else a plain 404)."""

    regex = r"[1-9][0-9]{0,15}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


@bp.record_once
def _setup(state):
    app = state.app
    app.url_map.converters["api_id"] = IdConverter
    base = type(app.session_interface)  # keep whatever cookie settings the app chose
    app.session_interface = type("ApiAwareSessionInterface", (ApiSessionMixin, base), {})()


@bp.before_request
def _anonymous():
    """Flask-Login must not load a user (from a session or remember cookie) for the API."""
    g._login_user = current_app.login_manager.anonymous_user()
