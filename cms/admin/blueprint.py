"""The admin blueprint itself, apart from its routes (which import it).

See the package's docstring for what the blueprint serves."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
