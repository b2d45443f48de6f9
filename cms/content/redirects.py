"""Old addresses that answer 301 with a new one: made when a slug changes, and by imports."""

from datetime import datetime

from ..audit import record, writes
from ..core import clock
from ..core.db import db
from ..core.validation import ValidationError
from .fields import MAX_PATH
from .links import url_scheme
from .records import Redirect


def _redirect_errors(old_path, new_path) -> dict[str, str]:
    """An old address may be any path here; the new one only a path on this site."""
    errors = {}
    for field, value in (("old_path", old_path), ("new_path", new_path)):
        if not (
            isinstance(value, str)
            and value.startswith("/")
            and len(value) <= MAX_PATH
            and value.isprintable()
        ):
            errors[field] = "Use a path on this site, such as /blog/a-post."
    # No scheme, no //host or /\host, nothing a browser would skip (so no open redirect).
    if "new_path" not in errors and (
        url_scheme(new_path) is not None or any(c.isspace() for c in new_path)
    ):
        errors["new_path"] = "A redirect may lead only to a path on this site."
    if not errors and old_path == new_path:
        errors["new_path"] = "A redirect cannot lead to the address it comes from."
    return errors


def point(old_path: str, new_path: str) -> None:
    """Make old_path answer 301 -> new_path and re-point chains to the new target: part of
    the write that moved an address (a slug change), logged under that write's name."""
    if errors := _redirect_errors(old_path, new_path):
        raise ValidationError(errors)
    with db.atomic():
        Redirect.update(new_path=new_path).where(Redirect.new_path == old_path).execute()
        Redirect.replace(old_path=old_path, new_path=new_path, created_at=clock.utcnow()).execute()


@writes("redirect.save", what="add redirects")
def add_redirect(old_path: str, new_path: str, *, actor) -> None:
    """Make old_path answer 301 -> new_path, and re-point chains to the new target."""
    with db.atomic():
        point(old_path, new_path)
        record("redirect.save", f"{old_path} → {new_path}", actor)


@writes("redirect.save", what="add redirects")
def save_redirect(old_path: str, new_path: str, created_at: datetime | None = None, *, actor):
    """Make old_path answer 301 -> new_path (as given: imports keep their own chains)."""
    if errors := _redirect_errors(old_path, new_path):
        raise ValidationError(errors)
    when = created_at or clock.utcnow()
    with db.atomic():
        Redirect.replace(old_path=old_path, new_path=new_path, created_at=when).execute()
        record("redirect.save", f"{old_path} → {new_path}", actor)
