"""Pages opened through single-use links: first-start setup and choosing a password.

Both answer 404 for an unknown, used or expired token, so there is nothing to find by
guessing; the setup page also answers 404 as soon as any account exists.
"""

from flask import abort, flash, redirect, render_template, url_for

from ..accounts import signin, throttle
from ..accounts.onetime import SET_PASSWORD, SETUP, consume, find, setup_needed
from ..accounts.users import create_first_admin, set_password
from ..core.db import db
from ..core.validation import ValidationError
from .blueprint import bp
from .forms import SetPasswordForm, SetupForm


def _show_errors(form, errors: dict) -> None:
    for name, message in errors.items():
        getattr(form, name, form.password).errors.append(message)


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token):
    """Create the first administrator account (only with the link logged at start)."""
    if not setup_needed() or find(SETUP, token) is None:
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        try:
            with db.atomic():
                link = find(SETUP, token)
                if link is None or not setup_needed() or not consume(link):
                    abort(404)
                user = create_first_admin(form.email.data, form.password.data, form.name.data)
        except ValidationError as exc:
            _show_errors(form, exc.errors)
        else:
            signin.sign_in(user)
            flash("Welcome! Your administrator account is ready.")
            return redirect(url_for("admin.dashboard"))
    return render_template("admin/setup.html", form=form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password_link(token):
    """Choose a password through a link an administrator handed out."""
    link = find(SET_PASSWORD, token)
    if link is None or link.user is None or not link.user.active:
        abort(404)
    user, form = link.user, SetPasswordForm()
    if form.validate_on_submit():
        try:
            with db.atomic():
                if not consume(link):
                    abort(404)
                set_password(user, form.password.data, actor=user)  # the link stands for them
                throttle.clear_account(user.email)  # the link proved it is them: sign in now
        except ValidationError as exc:
            _show_errors(form, exc.errors)
        else:
            flash("Your password is saved. Please sign in.")
            return redirect(url_for("admin.login"))
    return render_template("admin/account_set_password.html", form=form, user=user)
