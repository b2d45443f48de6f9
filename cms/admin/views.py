"""Sign-in (with the optional two-step code), sign-out and the dashboard."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts import signin
from ..accounts.guard import safe_next
from ..accounts.recovery import mail_ready
from ..content.models import Page, Post
from ..messages.models import Message
from ..site.models import AVAILABILITY_STATES, Notice, get_settings
from .blueprint import bp
from .forms import LoginForm, TwoStepForm
from .inbox import can_read_messages
from .posts import entry_counts

UPCOMING = 10  # scheduled posts listed on the dashboard


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = LoginForm()
    if form.validate_on_submit():
        user = signin.attempt_password(form.email.data, form.password.data)
        if user and user.totp_secret:
            signin.start_two_step(user, form.remember.data, next_url)
            return redirect(url_for("admin.two_step"))
        if user:
            signin.sign_in(user, form.remember.data)
            return redirect(next_url)
        left = signin.attempts_left(form.email.data)
        flash(signin.SIGN_IN_FAILED + (signin.attempts_warning(left) if left <= 2 else ""), "error")
    return render_template("admin/login.html", form=form, mail_ready=mail_ready())


@bp.route("/login/two-step", methods=["GET", "POST"])
def two_step():
    """Second step: a code from the authenticator app, or a recovery code."""
    pending = signin.pending_two_step()
    if pending is None:
        flash("Please sign in again.")
        return redirect(url_for("admin.login"))
    user, data = pending
    form = TwoStepForm()
    if form.validate_on_submit():
        if signin.attempt_code(user, form.code.data):
            signin.sign_in(user, data["remember"])
            return redirect(safe_next(data["next"]))
        form.code.errors.append(signin.CODE_FAILED)
    return render_template("admin/login_two_step.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out, here and on every other device."""
    signin.sign_out()
    flash("You are signed out.")
    return redirect(url_for("admin.login"))


@bp.route("/")
def dashboard():
    """What to do next: write, the unread messages, availability, what is scheduled."""
    counts = entry_counts(Post)
    by_state = Notice.select().where(Notice.availability_state.is_null(False))
    return render_template(
        "admin/dashboard.html",
        drafts=counts["draft"],
        scheduled=counts["scheduled"],
        pages=Page.current().count(),
        upcoming=list(Post.scheduled().order_by(Post.published_at).limit(UPCOMING)),
        availability=AVAILABILITY_STATES.get(get_settings()["availability"], ""),
        availability_shown=any(notice.enabled for notice in by_state),
        unread=Message.unread_count() if can_read_messages(current_user) else None,
    )
