"""The one e-mail rule and the one phone rule, with one message each, for accounts, the
settings, the contact form and the Admin API alike."""

import re

BAD_EMAIL = "Please enter an e-mail address such as name@example.org."
BAD_PHONE = "Please enter a phone number using digits (spaces, +, - and brackets are fine)."
MAX_EMAIL = 254  # RFC 5321's longest address
MAX_PHONE = 40
# An optional leading +, then 7 to 15 digits (E.164's most) among spaces, brackets, - and .
PHONE = re.compile(r"^\+?[ ().-]*(?:[0-9][ ().-]*){7,15}$")


def email_address(value) -> str:
    """The address in its normal form; ValueError(BAD_EMAIL) unless it is a valid one.

    Syntax only (no DNS look-up). email-validator is loaded on first use: a worker that
    only serves readers never needs it.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(str(value or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError(BAD_EMAIL) from None


def phone_number(value) -> str:
    """The number without surrounding spaces; ValueError(BAD_PHONE) unless it is one."""
    number = str(value or "").strip()
    if len(number) > MAX_PHONE or not PHONE.match(number):
        raise ValueError(BAD_PHONE)
    return number
