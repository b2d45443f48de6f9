"""Choosing a new password without another administrator: a reset link sent by e-mail
from the sign-in page, or printed on the server by `cms reset-password EMAIL`.

A reset link is an ordinary set-password link (cms.accounts.onetime: single use, stored
hashed) that lives RESET_LINK_MINUTES only; asking for it does not change the password,
so a stranger asking for someone's link locks no one out. The page answers the same for
known, unknown and disabled addresses, and the e-mail leaves from a background thread, so
neither the words nor the time taken tell whether an address has an account.
"""

from email.message import EmailMessage

from flask import current_app

from ..audit import client_address
from ..core.ratelimit import Policy, setting
from ..messages.mailer import deliver_later
from .actors import SYSTEM
from .models import User
from .onetime import link_base
from .users import password_link

HOUR = 3600
MESSAGE = "Too many reset requests from here. Please try again in {minutes} minute{s}."
# Per client address (shown: it says nothing about any account), and per e-mail typed,
# known or not (never shown: the answer stays the same, only no more e-mails go out).
BY_ADDRESS = Policy("reset-address", setting("RESET_REQUESTS"), lambda: HOUR, MESSAGE)
BY_ACCOUNT = Policy("reset-account", setting("RESET_REQUESTS"), lambda: HOUR, MESSAGE)
SUBJECT = "Choose a new password for your website's editor"
BODY = """Someone (hopefully you) asked for a link to choose a new password for the
editor of {site}.

Open this link within {minutes} minutes to choose it (it works once):
{link}

If you did not ask for it, ignore this e-mail: your password stays as it is.
"""


def reset_minutes() -> int:
    """How long a reset link works."""
    return int(current_app.config["RESET_LINK_MINUTES"])


def mail_ready() -> bool:
    """True when reset links can be e-mailed: a mail server, and SITE_URL to link to
    (never the request's Host header, which anyone can set to plant a link of their own)."""
    config = current_app.config
    return bool(config["SMTP_HOST"] and config["SITE_URL"])


def link_url(token: str) -> str:
    """The set-password page's address: absolute when the site's address is known."""
    return f"{link_base()}/admin/set-password/{token}"


def issue_reset_link(user: User, why: str) -> str:
    """A new short-lived reset link for the account (earlier unused ones stop working)."""
    return link_url(password_link(user, actor=SYSTEM, hours=reset_minutes() / 60, why=why))


def _reset_mail(user: User, link: str) -> EmailMessage:
    config = current_app.config
    mail = EmailMessage()
    mail["Subject"] = SUBJECT
    mail["From"] = config["SMTP_FROM"] or config["NOTIFY_EMAIL"] or user.email
    mail["To"] = user.email
    site = config["SITE_URL"].rstrip("/")
    mail.set_content(BODY.format(site=site, minutes=reset_minutes(), link=link))
    return mail


def request_reset(email: str) -> int:
    """Send a reset link to the account with this e-mail, if there is one (active) and mail
    is set up. Returns 0, or the seconds to wait when this address asked too often."""
    email = (email or "").strip().lower()[:320]
    verdict = BY_ADDRESS.hit(client_address())
    if not verdict.allowed:
        return verdict.retry_after
    if not BY_ACCOUNT.hit(email).allowed or not mail_ready():
        return 0
    user = User.get_or_none(User.email == email)
    if user is not None and user.active:
        deliver_later(_reset_mail(user, issue_reset_link(user, "asked for by e-mail")), "reset")
    return 0
