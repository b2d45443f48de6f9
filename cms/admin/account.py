"""Every user's own account: change the password, set up two-step sign-in."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from ..accounts import signin
from ..accounts import two_step as totp
from ..accounts.passwords import MAX_PASSWORD
from ..accounts.users import change_own_password
from ..core.validation import ValidationError
from .blueprint import bp
from .forms import ChangePasswordForm, ConfirmTwoStepForm, PasswordCheckForm

NOT_CURRENT = "This is not your current password."


class EnableTwoStepForm(ConfirmTwoStepForm):
    """The confirming code, and the password: switching two-step sign-in on is sensitive."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD)]
    )


def _me():
    return current_user._get_current_object()


def _render_account(password_form=None):
    return render_template(
        "admin/account.html",
        password_form=password_form or ChangePasswordForm(formdata=None),
        codes_form=PasswordCheckForm(prefix="codes", formdata=None),
        off_form=PasswordCheckForm(prefix="off", formdata=None),
        recovery_left=totp.remaining_recovery_codes(_me()),
        secret_readable=totp.is_readable(_me()),
    )


@bp.route("/account")
def account():
    """The account screen."""
    return _render_account()


@bp.route("/account/password", methods=["POST"])
def change_password():
    """Change one's own password; other devices are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = _me()
        try:
            if not signin.confirm_password(user, form.current_password.data):
                raise ValidationError({"current_password": NOT_CURRENT})
            change_own_password(
                user, form.current_password.data, form.new_password.data, actor=user
            )
        except ValidationError as exc:
            for name, message in exc.errors.items():
                getattr(form, name).errors.append(message)
        else:
            signin.renew_session(user)
            flash("Your password is changed. You were signed out on your other devices.")
            return redirect(url_for("admin.account"))
    return _render_account(password_form=form), 400


@bp.route("/account/two-step", methods=["GET", "POST"])
def two_step_setup():
    """Set up an authenticator app: show the secret, then confirm one code and the password."""
    user = _me()
    if user.totp_secret:
        flash("Two-step sign-in is already on.")
        return redirect(url_for("admin.account"))
    secret = totp.pending_secret(user)  # kept server-side, never in the session cookie
    form = EnableTwoStepForm()
    if form.validate_on_submit():
        step = totp.matching_step(secret, form.code.data)
        if not signin.confirm_password(user, form.current_password.data):
            form.current_password.errors.append(NOT_CURRENT)
        elif step is None:
            form.code.errors.append("This code is not correct. Check the time on your phone.")
        else:
            codes = totp.enable(user, secret, step, actor=user)
            return render_template("admin/account_recovery_codes.html", codes=codes)
    uri = totp.provisioning_uri(user, secret)
    return render_template(
        "admin/account_two_step.html", form=form, secret=secret, uri=uri, qr=totp.qr_svg(uri)
    )


def _password_confirmed(form) -> bool:
    if form.validate_on_submit() and signin.confirm_password(_me(), form.current_password.data):
        return True
    flash("Enter your current password to confirm this change.", "error")
    return False


@bp.route("/account/two-step/off", methods=["POST"])
def two_step_off():
    """Switch two-step sign-in off (the current password is required)."""
    form = PasswordCheckForm(prefix="off")
    if _password_confirmed(form):
        totp.disable(_me(), actor=_me())
        flash("Two-step sign-in is off.")
    return redirect(url_for("admin.account"))


@bp.route("/account/two-step/codes", methods=["POST"])
def recovery_codes():
    """Make new recovery codes; the old ones stop working."""
    form = PasswordCheckForm(prefix="codes")
    if not (_me().totp_secret and _password_confirmed(form)):
        return redirect(url_for("admin.account"))
    codes = totp.new_recovery_codes(_me(), actor=_me())
    return render_template("admin/account_recovery_codes.html", codes=codes)
