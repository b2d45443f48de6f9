"""API tokens for administrators: create (shown once), list with last use, revoke."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..accounts.guard import admin_only
from ..accounts.tokens import (
    MAX_EXPIRY_DAYS,
    MAX_NAME,
    SCOPES,
    ApiToken,
    create_token,
    revoke_token,
)
from ..core.validation import ValidationError
from .blueprint import bp


class TokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=MAX_NAME)],
        description="Who or what uses it, e.g. “newsletter script”.",
    )
    scopes = SelectMultipleField(
        "What it may do",
        choices=[SelectChoice(scope, f"{scope}: {text}") for scope, text in SCOPES.items()],
        validators=[DataRequired(message="Choose at least one scope.")],
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
    )
    expires = IntegerField(
        "Expires after (days)",
        validators=[Optional(), NumberRange(min=1, max=MAX_EXPIRY_DAYS)],
        description="Leave empty for a token that works until it is revoked.",
    )
    submit = SubmitField("Create token")


class RevokeForm(FlaskForm):
    submit = SubmitField("Revoke")


@bp.route("/tokens", methods=["GET", "POST"])
@admin_only
def tokens():
    """The list of tokens and the form to create one; a new token is shown once."""
    form = TokenForm()
    if form.validate_on_submit():
        me = current_user._get_current_object()
        try:
            token, plain = create_token(
                form.name.data, form.scopes.data, me, form.expires.data, actor=me
            )
        except ValidationError as exc:
            for field, message in exc.errors.items():
                getattr(form, field, form.name).errors.append(message)
        else:
            return render_template("admin/tokens_created.html", token=token, plain=plain)
    listing = list(ApiToken.listing())
    return render_template("admin/tokens.html", form=form, tokens=listing, revoke=RevokeForm())


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@admin_only
def token_revoke(token_id):
    """Revoke a token at once; scripts using it get 401 from then on."""
    token = ApiToken.get_or_none(ApiToken.id == token_id) or abort(404, "No such token.")
    if RevokeForm().validate_on_submit():
        revoke_token(token, actor=current_user._get_current_object())
        flash(f"The token “{token.name}” is revoked.")
    return redirect(url_for("admin.tokens"))
