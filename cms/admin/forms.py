"""Forms for signing in, the account screen and user management."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..accounts.passwords import MAX_PASSWORD, MIN_PASSWORD
from ..accounts.users import MAX_NAME
from ..core.addresses import MAX_EMAIL

PASSWORD_HINT = (
    f"At least {MIN_PASSWORD} characters; a few unrelated words make a good one. "
    "Common passwords are refused."
)
ROLE_CHOICES = [
    SelectChoice("editor", "Editor: writes and publishes content"),
    SelectChoice("admin", "Administrator: also manages users, settings and tokens"),
]
START_CHOICES = [
    SelectChoice("link", "Show a one-time link where they choose their own password"),
    SelectChoice("password", "Set a temporary password (they must change it when they sign in)"),
]


def _new_password(label: str = "New password"):
    return PasswordField(
        label, validators=[DataRequired(), Length(max=MAX_PASSWORD)], description=PASSWORD_HINT
    )


def _confirm(field: str):
    return PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo(field, message="The two passwords differ.")],
    )


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=MAX_EMAIL)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")


class ResetRequestForm(FlaskForm):
    email = EmailField("Your e-mail", validators=[DataRequired(), Length(max=MAX_EMAIL)])
    submit = SubmitField("Send me a link")


class TwoStepForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app, or a recovery code",
        validators=[DataRequired(), Length(max=64)],
    )
    submit = SubmitField("Continue")


class SetPasswordForm(FlaskForm):
    password = _new_password("Password")
    confirm = _confirm("password")
    submit = SubmitField("Save password")


class SetupForm(SetPasswordForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=MAX_NAME)])
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=MAX_EMAIL)])
    submit = SubmitField("Create the administrator account")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD)]
    )
    new_password = _new_password()
    confirm = _confirm("new_password")
    submit = SubmitField("Change password")


class ConfirmTwoStepForm(FlaskForm):
    code = StringField("6-digit code from the app", validators=[DataRequired(), Length(max=16)])
    submit = SubmitField("Switch on two-step sign-in")


class PasswordCheckForm(FlaskForm):
    """Re-enter the password before a sensitive change."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD)]
    )
    submit = SubmitField("Confirm")


class UserCreateForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=MAX_NAME)])
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=MAX_EMAIL)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="editor")
    start = RadioField("First sign-in", choices=START_CHOICES, default="link")
    temporary_password = PasswordField(
        "Temporary password",
        validators=[Optional(), Length(max=MAX_PASSWORD)],
        description=PASSWORD_HINT,
    )
    submit = SubmitField("Create account")


class UserEditForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=MAX_NAME)])
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=MAX_EMAIL)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active (may sign in)")
    submit = SubmitField("Save changes")


class ResetPasswordForm(FlaskForm):
    start = RadioField("New password", choices=START_CHOICES, default="link")
    temporary_password = PasswordField(
        "Temporary password",
        validators=[Optional(), Length(max=MAX_PASSWORD)],
        description=PASSWORD_HINT,
    )
    reset_two_step = BooleanField("Also switch off two-step sign-in (lost phone)")
    submit = SubmitField("Reset password")
