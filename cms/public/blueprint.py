"""The public blueprint itself, apart from its routes (which import it).

See the package's docstring for what the blueprint serves."""

from flask import Blueprint

from ..core import cache

bp = Blueprint("public", __name__)
bp.after_request(cache.store)
