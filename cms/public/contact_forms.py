"""The public contact form and its quiet spam defences: a honeypot and a minimum fill time."""

import calendar

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..core import clock
from ..core.addresses import MAX_EMAIL, MAX_PHONE, email_address, phone_number
from ..messages.service import MAX_MESSAGE, MAX_NAME
from ..site.models import availability

# A field too long to send is shown again cut to this many times its limit: a page of text
# to shorten, not the megabytes a script may send.
ECHO_FACTOR = 2
TOO_FAST = (
    "The form was sent a moment after it was opened, which is what automated spam does. "
    "If you are a person, please check your message and send it again."
)
TAMPERED = "This form could not be checked. Please look it over and send it again."


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _cut(limit: int):
    """A filter that keeps at most ECHO_FACTOR x limit characters (the field's own check
    still refuses anything past the limit)."""
    return lambda value: value[: ECHO_FACTOR * limit] if isinstance(value, str) else value


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="contact-form-opened")


def _now_seconds() -> int:
    return calendar.timegm(clock.utcnow().timetuple())


def start_token() -> str:
    """A signed note of when the form was opened (checked for the minimum fill time)."""
    return _serializer().dumps(_now_seconds())


def _email_address(form, field):
    """A real address (the one e-mail rule, cms.core.validation), kept in its normal form."""
    try:
        field.data = email_address(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _phone_number(form, field):
    """The one phone rule (cms.core.validation); required when phone contact is chosen."""
    if field.data:
        try:
            field.data = phone_number(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
    if not field.data and form.contact_method.data == "phone":
        raise ValidationError("Please add a phone number, or choose to be contacted by e-mail.")


def _message_length(form, field):
    count = len(field.data)
    if count > MAX_MESSAGE:
        shown = ECHO_FACTOR * MAX_MESSAGE
        field.data = field.data[:shown]  # what the page shows again for shortening
        cut = f" Only its first {shown:,} characters are shown below." if count > shown else ""
        raise ValidationError(
            f"Please keep your message under {MAX_MESSAGE:,} characters (it has {count:,})."
            f"{cut} A short note is enough; details can wait until we speak."
        )


class ContactForm(FlaskForm):
    name = StringField(
        "Your name",
        filters=[_strip, _cut(MAX_NAME)],
        validators=[
            DataRequired("Please tell me your name."),
            Length(max=MAX_NAME, message=f"Please shorten your name to {MAX_NAME} characters."),
        ],
    )
    email = EmailField(
        "E-mail address",
        filters=[_strip, _cut(MAX_EMAIL)],
        validators=[DataRequired("Please enter your e-mail address."), _email_address],
        render_kw={"maxlength": MAX_EMAIL},
    )
    phone = TelField(
        "Phone (optional)",
        filters=[_strip, _cut(MAX_PHONE)],
        validators=[_phone_number],
        render_kw={"maxlength": MAX_PHONE},
    )
    contact_method = RadioField(
        "How would you prefer to be contacted?",
        choices=[SelectChoice("email", "By e-mail"), SelectChoice("phone", "By phone")],
        default="email",
        validators=[InputRequired("Please choose how you would like to be contacted.")],
    )
    message = TextAreaField(
        "Message",
        description=f"Up to {MAX_MESSAGE:,} characters. No clinical details, please.",
        filters=[_strip],
        validators=[DataRequired("Please write a short message."), _message_length],
        render_kw={"maxlength": MAX_MESSAGE},
    )
    waitlist = BooleanField("Please add me to the waitlist")
    acknowledge = BooleanField(
        "I understand that this form is not for emergencies, and I have not included "
        "clinical details (such as symptoms, diagnoses or medications).",
        validators=[
            DataRequired(
                "Please confirm that this is not an emergency and that your message has "
                "no clinical details."
            )
        ],
    )
    # The honeypot: hidden from people (and from screen readers); bots fill it in.
    website = StringField("Leave this field empty")
    opened = HiddenField(default=start_token)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if availability() != "waitlist":
            del self.waitlist

    def is_bot(self) -> bool:
        """True when the honeypot was filled in."""
        return bool(self.website.data)

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the minimum time between opening and sending the form."""
        valid = super().validate(extra_validators)
        try:
            opened = int(_serializer().loads(self.opened.data or ""))
        except (BadSignature, ValueError, TypeError):
            self.opened.data = start_token()
            self.form_errors.append(TAMPERED)
            return False
        if _now_seconds() - opened < int(current_app.config["CONTACT_MIN_SECONDS"]):
            self.form_errors.append(TOO_FAST)
            return False
        return valid

    def contents(self) -> dict:
        """What is stored (encrypted) for the inbox."""
        return {
            "name": self.name.data,
            "email": self.email.data,
            "phone": self.phone.data or "",
            "contact_method": self.contact_method.data,
            "waitlist": bool(self.waitlist.data) if "waitlist" in self else False,
            "message": self.message.data,
        }
