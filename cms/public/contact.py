"""The contact page and form: a message for the practice's private inbox.

The only public page that sets a cookie (the CSRF session), so it is never cached.
"""

from flask import current_app, make_response, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError

from ..audit import client_address
from ..core.cache import memo
from ..core.errors import handle_http_error
from ..core.ratelimit import Policy, setting
from ..messages import mailer
from ..messages.models import retention_days
from ..messages.service import store_message
from ..ops.bootstrap import DEFAULT_NOTICES
from ..site.models import CRISIS_NOTICE, Notice, active_notices, availability
from ..site.notice_html import render_notice
from .blueprint import bp
from .contact_forms import ContactForm

FIX_FIELDS = "Your message has not been sent yet. Please correct what is marked below."
RATE_LIMITED = (
    "Several messages were sent from your connection in a short time, so this one was not "
    "sent. Please try again in about {minutes} minutes, or use the e-mail address or phone "
    "number above."
)
SUBMISSIONS = Policy(
    "contact", setting("CONTACT_RATE_LIMIT"), setting("CONTACT_RATE_WINDOW"), RATE_LIMITED
)
CSRF_FAILED = (
    "The form could not be checked because your session on this page expired or your "
    "browser blocked its cookie. Nothing was sent; please send it again."
)


@bp.route("/contact", methods=["GET", "POST"])
def contact():
    """How to reach the practice, and the contact form."""
    form = ContactForm()
    if request.method == "POST":
        return _receive(form)
    return _page(form)


@bp.route("/contact/sent")
def contact_sent():
    """The confirmation after sending (POST-redirect-GET), repeating the crisis notice."""
    return render_template("public/contact_sent.html", contact_notices=_contact_notices())


@bp.errorhandler(CSRFError)
def contact_csrf_failed(error):
    """A missing or stale CSRF token on the form: show it again with what was typed."""
    if request.endpoint != "public.contact":
        return handle_http_error(error)
    return _page(ContactForm(), 400, CSRF_FAILED)


def _receive(form):
    verdict = SUBMISSIONS.hit(client_address())
    if not verdict.allowed:
        response = _page(form, 429, SUBMISSIONS.say(verdict.retry_after))
        response.headers["Retry-After"] = str(verdict.retry_after)
        return response
    if form.is_bot():
        current_app.logger.info("contact form: honeypot filled in, submission discarded")
        return redirect(url_for("public.contact_sent"), 303)
    if not form.validate_on_submit():
        return _page(form, 400, FIX_FIELDS)
    message = store_message(form.contents())
    current_app.logger.info("contact message %d received", message.id)
    mailer.notify_new_message(url_for("admin.inbox"))
    if set(session) <= {"csrf_token"}:
        session.clear()  # the form's cookie is no longer needed: drop it
    return redirect(url_for("public.contact_sent"), 303)


def _default_crisis_notice() -> Notice:
    """The crisis notice with its default text, for a site whose own is missing or empty."""
    spec = next(n for n in DEFAULT_NOTICES if n["key"] == CRISIS_NOTICE)
    return Notice(
        key=CRISIS_NOTICE, label=spec["label"], body=spec["body"],
        body_html=render_notice(spec["body"]),
    )  # fmt: skip


def _contact_notices() -> list:
    """The contact notices, the crisis notice first (Notice.active always includes it)."""
    notices = active_notices("contact")
    crisis = [n for n in notices if n.always_shown and n.body_html.strip()]
    if not crisis:
        crisis = [memo("notices:crisis-default", _default_crisis_notice)]
    return [*crisis, *(n for n in notices if not n.always_shown)]


def _page(form, status: int = 200, problem: str | None = None):
    response = make_response(
        render_template(
            "public/contact.html",
            form=form,
            problem=problem,
            state=availability(),
            retention=retention_days(),
            top_notices=active_notices("top"),
            contact_notices=_contact_notices(),
        ),
        status,
    )
    # Holds this visitor's CSRF token: no shared cache (ours or a proxy's) may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response
