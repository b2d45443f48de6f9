"""User management for administrators: list, create, edit (role, disable), reset password."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..accounts.guard import admin_only
from ..accounts.models import User
from ..accounts.two_step import remaining_recovery_codes
from ..accounts.users import create_user, password_link, reset_password, update_user
from ..core.db import db
from ..core.templating import site_url
from ..core.validation import ValidationError
from .blueprint import bp
from .forms import ResetPasswordForm, UserCreateForm, UserEditForm


def _user(user_id: int) -> User:
    return User.get_or_none(User.id == user_id) or abort(404, "There is no such account.")


def _me() -> User:
    return current_user._get_current_object()


def _link_url(token: str) -> str:
    """A set-password link's absolute address, shown once."""
    return site_url(url_for("admin.set_password_link", token=token))  # SITE_URL, not the Host


def _show_errors(form, errors: dict) -> None:
    for name, message in errors.items():
        field = "temporary_password" if name == "password" else name
        getattr(form, field, form.email).errors.append(message)


@bp.route("/users")
@admin_only
def users():
    """All accounts."""
    accounts = list(User.select().order_by(User.role, User.name))
    return render_template("admin/users.html", accounts=accounts)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_create():
    """Create an account with a one-time link or a temporary password."""
    form = UserCreateForm()
    if form.validate_on_submit():
        by_link = form.start.data == "link"
        try:
            if not by_link and not form.temporary_password.data:
                raise ValidationError({"password": "Enter a temporary password."})
            with db.atomic():  # no account without its link
                user = create_user(
                    form.email.data,
                    "" if by_link else form.temporary_password.data,
                    form.role.data,
                    form.name.data,
                    temporary=True,
                    actor=_me(),
                )
                token = password_link(user, actor=_me()) if by_link else None
        except ValidationError as exc:
            _show_errors(form, exc.errors)
        else:
            if by_link:
                return render_template("admin/users_link.html", user=user, url=_link_url(token))
            flash(f"Account created. Give {user.name} the temporary password in person.")
            return redirect(url_for("admin.users"))
    return render_template("admin/users_form.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user_edit(user_id):
    """Change name, e-mail, role or whether the account may sign in."""
    user = _user(user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        try:
            changes = update_user(
                user,
                form.name.data,
                form.email.data,
                form.role.data,
                form.active.data,
                actor=_me(),
            )
        except ValidationError as exc:
            _show_errors(form, exc.errors)
        else:
            flash("Saved." if changes else "Nothing changed.")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/users_edit.html",
        form=form,
        user=user,
        reset_form=ResetPasswordForm(formdata=None),
        recovery_left=remaining_recovery_codes(user),
    )


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@admin_only
def user_reset(user_id):
    """Give an account a new password (link or temporary) and sign it out everywhere."""
    user = _user(user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        abort(400, "The reset form was incomplete; please try again.")
    by_link = form.start.data != "password"
    password = None if by_link else form.temporary_password.data or ""
    try:
        token = reset_password(
            user, password, actor=_me(), reset_two_step=bool(form.reset_two_step.data)
        )
    except ValidationError as exc:
        flash(f"The password was not reset: {exc.errors['password']}", "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    if not by_link:
        flash(f"The password of {user.name} was reset; they were signed out everywhere.")
        return redirect(url_for("admin.users"))
    return render_template("admin/users_link.html", user=user, url=_link_url(token))
