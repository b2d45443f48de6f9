"""Unsent work on the writing form: text turned away (session ended, CSRF token expired) is
kept and offered again after signing in, for the same account, from this site's page only."""

from flask import current_app, flash, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from ..accounts.guard import same_origin, session_account_id
from ..accounts.stash import KEEP_FOR, drop_form, stash_form
from ..audit import client_address
from ..core.security import too_large
from .blueprint import bp

STASHABLE = {"admin.entry_create", "admin.entry_edit"}
STASH_COOKIE = "cms_stash"
NOT_KEPT = "Nothing was saved, and your text could not be kept: go back in your browser to copy it."
STASH_FIELDS = {
    "title", "slug", "categories", "excerpt", "meta_description", "status", "published_at",
    "featured_image", "is_policy", "effective_date", "body", "version",
    "tags", "seo_title", "social_image",
}  # fmt: skip


@bp.after_app_request
def keep_unsent_work(response):
    """Text sent to the writing form but turned away (session ended, CSRF token expired) is
    stashed, and a cookie remembers where, so the form shows it again after signing in.

    Only text from this site's own editor page is kept, and only for the account the
    browser was signed in to: otherwise any page elsewhere could post a text of its own
    and have it offered as "your unsaved text", one Save from being published.
    """
    if request.method != "POST" or request.endpoint not in STASHABLE:
        return response
    if g.get("form_handled"):
        key = request.cookies.get(STASH_COOKIE)
        if key and response.status_code in (302, 303):  # saved: the kept text is done with
            drop_form(key, request.path, current_user.id)
            response.delete_cookie(STASH_COOKIE, path="/admin/")
        return response
    if response.status_code == 413 or not same_origin():
        return response  # a form too large to read, or another site's: nothing is kept
    account = session_account_id()
    try:
        key = account and stash_form(
            request.path, request.form, STASH_FIELDS, client_address(), account
        )
    except RequestEntityTooLarge as error:  # read here first: the sign-in redirect did not
        return too_large(error)
    if key:
        response.set_cookie(
            STASH_COOKIE, key, max_age=int(KEEP_FOR.total_seconds()), path="/admin/",
            secure=request.is_secure, httponly=True, samesite="Lax",
        )  # fmt: skip
        flash("Nothing was saved, but your text is kept: it will be back in the form.", "error")
    else:
        flash(NOT_KEPT, "error")
    return response


@bp.errorhandler(CSRFError)
def keep_work_on_csrf_error(error):
    """On the writing form, an expired CSRF token sends the writer back to the kept text
    (only from this site's own page: keep_unsent_work keeps nothing else)."""
    if request.endpoint in STASHABLE and same_origin():
        if current_user.is_authenticated:
            return redirect(request.path)
        return redirect(url_for("admin.login", next=request.path))
    handler = current_app._find_error_handler(error, [])  # the app-wide CSRF page
    return handler(error) if handler else error
