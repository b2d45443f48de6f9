"""The visitor site."""

# Routes register on import.
from . import contact, feeds, history, media_variants, search, tags, views  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
