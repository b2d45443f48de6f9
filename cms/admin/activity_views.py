"""The activity log screen (administrators only)."""

from flask import render_template

from ..accounts.guard import admin_only
from ..audit import Activity, plain_words
from ..core.paging import Pagination
from .blueprint import bp

PER_PAGE = 50
bp.add_app_template_global(plain_words, "plain_words")


@bp.route("/activity")
@admin_only
def activity():
    """Who did what and when, newest first, 50 to a page."""
    return render_template(
        "admin/activity.html", pagination=Pagination(Activity.recent(), PER_PAGE)
    )
