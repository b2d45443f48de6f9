"""The visitor site."""

from flask import Blueprint

from ..core import cache

bp = Blueprint("public", __name__)
bp.after_request(cache.store)

from . import contact, feeds, history, media_variants, search, views  # noqa: E402,F401  (routes)
