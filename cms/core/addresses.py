"""The one e-mail rule and the one phone rule, with one message each, for accounts, the
settings, the contact form, the Admin API and the tel:/sms: links of notices alike."""

import re

BAD_EMAIL = "Please enter an e-mail address such as name@example.org."
BAD_PHONE = "Please enter a phone number using digits (spaces, +, - and brackets are fine)."
MAX_EMAIL = 254  # RFC 5321's longest address
MAX_PHONE = 40
# An optional leading +, then 7 to 15 digits (E.164's most) among spaces, brackets, - and .
PHONE = re.compile(r"^\+?[ ().-]*(?:[0-9][ ().-]*){7,15}$")
# Short numbers a visitor in distress may need, as people write them ("9-8-8"): emergency,
# the suicide crisis line, health and community information lines.
SERVICE_NUMBERS = frozenset({"911", "988", "811", "211"})
# The same rule inside running text: an optional +, then 7 to 15 digits each separated by
# at most two spaces, brackets, - or . ("+1 (416)"), standing apart from other digits and
# letters; or a service number, digits alone or one - or . between them. A date
# (2026-12-02) is none.
PHONE_IN_TEXT = re.compile(
    r"(?<![\w+.-])(?![0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9]))(?:\+?\(?[0-9](?:[ ().-]{0,2}[0-9]){6,14}"
    r"|(?:9[-.]?1[-.]?1|9[-.]?8[-.]?8|8[-.]?1[-.]?1|2[-.]?1[-.]?1))(?![\w-]|\.[0-9])"
)


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


def dial_digits(number: str) -> str | None:
    """What a tel: or sms: link dials for a number written under the phone rule (digits,
    with + for an international one), or None for anything else."""
    number = number.strip()
    digits = re.sub(r"[^0-9]", "", number)
    if digits in SERVICE_NUMBERS and re.fullmatch(r"[0-9]([-.]?[0-9]){2}", number):
        return digits
    if len(number) > MAX_PHONE or not PHONE.match(number):
        return None
    return ("+" if number.startswith("+") else "") + digits


def phone_number(value) -> str:
    """The number without surrounding spaces; ValueError(BAD_PHONE) unless it is one."""
    number = str(value or "").strip()
    if len(number) > MAX_PHONE or not PHONE.match(number):
        raise ValueError(BAD_PHONE)
    return number
