"""The JSON API: the public Content API under /api/v1/ and the token-only Admin API."""

# Routes register on import.
from . import admin_entries, admin_media, admin_site, content, errors, openapi  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
