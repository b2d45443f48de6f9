"""Getting back in: the reset-link request, and the paused sign-in page (429)."""

from datetime import timedelta

from flask import render_template
from werkzeug.exceptions import TooManyRequests

from ..accounts import recovery
from ..core import clock
from ..core.templating import local_time
from .blueprint import bp
from .forms import ResetRequestForm

SENT = (
    "If an account uses {email}, a link to choose a new password is on its way. It works "
    "once, within {minutes} minutes. Nothing after a few minutes? Check the spam folder."
)


@bp.route("/login/reset", methods=["GET", "POST"])
def reset_request():
    """Ask for a reset link by e-mail (the same answer whether the address is known)."""
    form, sent = ResetRequestForm(), None
    if form.validate_on_submit():
        wait = recovery.request_reset(form.email.data)
        if wait:
            raise TooManyRequests(recovery.BY_ADDRESS.say(wait), retry_after=wait)
        sent = SENT.format(email=form.email.data.strip(), minutes=recovery.reset_minutes())
    return render_template(
        "admin/login_reset.html", form=form, sent=sent, mail_ready=recovery.mail_ready()
    )


@bp.errorhandler(429)
def paused(error: TooManyRequests):
    """Too many tries: the editor's own page, saying when to try again and what else to do."""
    wait = int(getattr(error, "retry_after", 0) or 60)
    until = local_time(clock.utcnow() + timedelta(seconds=wait))
    page = render_template(
        "admin/login_paused.html", message=error.description, until=until,
        mail_ready=recovery.mail_ready(),
    )  # fmt: skip
    return page, 429, {"Retry-After": str(wait)}
