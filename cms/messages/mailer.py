"""The optional "a new message is waiting" e-mail. It never carries the message itself.

Sent from a background thread after the message is committed, with a short timeout; a
slow or failing mail server is logged (without addresses) and never reaches the visitor.
The inbox link is built from SITE_URL only: the request's Host header is the visitor's to
choose, and would let anyone plant a link of their own in the therapist's mail.
"""

import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage

from flask import current_app

from ..core.templating import site_url

log = logging.getLogger(__name__)

# The settings a sending thread needs (defaults in cms/config.py).
MAIL_SETTINGS = (
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "SMTP_SSL",
    "SMTP_TIMEOUT",
    "SMTP_FROM",
    "NOTIFY_EMAIL",
)
SUBJECT = "New message waiting in your practice inbox"
BODY = """A new message was sent through the contact form on your website.

{where}

For your clients' privacy this e-mail does not contain the message or who sent it.
"""
WITH_LINK = "Read it in your inbox (you will be asked to sign in):\n{link}"
WITHOUT_LINK = "Sign in to your website's editor and open the Inbox to read it."
NO_SITE_URL = "SITE_URL is not set: notification e-mails will not link to the inbox"


def notification(config: dict, link: str) -> EmailMessage:
    """The notification e-mail: only that a message is waiting, and where to read it."""
    mail = EmailMessage()
    mail["Subject"] = SUBJECT
    mail["From"] = config["SMTP_FROM"] or config["NOTIFY_EMAIL"]
    mail["To"] = config["NOTIFY_EMAIL"]
    where = WITH_LINK.format(link=link) if link else WITHOUT_LINK
    mail.set_content(BODY.format(where=where))
    return mail


def send(config: dict, link: str) -> bool:
    """Deliver the notification over SMTP; log and return False on any failure."""
    return deliver(config, notification(config, link))


def deliver(config: dict, mail: EmailMessage, kind: str = "notification") -> bool:
    """Deliver one e-mail over SMTP; log and return False on any failure."""
    try:
        timeout = float(config["SMTP_TIMEOUT"])
        host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
        if config["SMTP_SSL"]:
            server = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
                server.starttls(context=ssl.create_default_context())
            if config["SMTP_USER"]:
                server.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            server.send_message(mail)
        return True
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        # The class name only: SMTP errors can quote the recipient's address.
        log.warning("%s e-mail not sent: %s", kind, type(exc).__name__)
        return False


def inbox_link(path: str) -> str:
    """The inbox's absolute address from SITE_URL; empty when SITE_URL is not set."""
    return site_url(path) if current_app.config["SITE_URL"] else ""


def notify_new_message(inbox_path: str) -> threading.Thread | None:
    """Start sending the notification if SMTP is configured; return the sending thread."""
    app_config = current_app.config
    if not (app_config["SMTP_HOST"] and app_config["NOTIFY_EMAIL"]):
        return None
    thread = threading.Thread(
        target=send, args=(mail_settings(), inbox_link(inbox_path)), daemon=True
    )
    thread.start()
    return thread


def mail_settings() -> dict:
    """The settings a sending thread needs, copied out of the app's config."""
    return {name: current_app.config[name] for name in MAIL_SETTINGS}


def deliver_later(mail: EmailMessage, kind: str) -> threading.Thread:
    """Start delivering an e-mail in the background; return the sending thread."""
    thread = threading.Thread(target=deliver, args=(mail_settings(), mail, kind), daemon=True)
    thread.start()
    return thread


def init_app(app) -> None:
    """Warn if notification e-mails could not link home."""
    if app.config["SMTP_HOST"] and app.config["NOTIFY_EMAIL"] and not app.config["SITE_URL"]:
        log.warning(NO_SITE_URL)
