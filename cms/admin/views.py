"""Sign-in, sign-out and the dashboard."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ..accounts import check_password
from ..models import Page, Post, User
from . import bp
from .forms import LoginForm


def safe_next(target: str | None) -> str:
    """A local path to go to after sign-in; anything else goes to the dashboard."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return url_for("admin.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\\\r\n\t"):
        return url_for("admin.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.get_or_none(User.email == form.email.data.strip().lower())
        if user and user.active and check_password(user, form.password.data):
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
        flash("The e-mail or password is not correct.", "error")
    return render_template("admin/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("admin.login"))


@bp.route("/")
def dashboard():
    """Overview: counts of drafts and scheduled posts."""
    drafts = Post.select().where((Post.status == "draft") & Post.deleted_at.is_null()).count()
    scheduled = sum(1 for p in Post.select().where(Post.status == "published") if p.is_scheduled)
    return render_template(
        "admin/dashboard.html",
        drafts=drafts,
        scheduled=scheduled,
        pages=Page.select().where(Page.deleted_at.is_null()).count(),
    )
