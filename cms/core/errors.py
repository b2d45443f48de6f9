"""Error pages: HTML in the site's design for people, problem+json for the API."""

import time

from flask import current_app, jsonify, render_template, request
from peewee import OperationalError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    SecurityError,
    ServiceUnavailable,
)

from .db import BUSY, fault_and_cause

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in to see this page.",
    403: "This page is not open to your account.",
    404: "There is no page at this address.",
    405: "This address does not accept that kind of request.",
    413: "What you sent is too large.",
    429: "Too many attempts. Please wait a moment and try again.",
    500: "Something went wrong on our side. Please try again in a few minutes.",
    503: "The site is briefly unavailable. Please try again in a minute.",
}
OTHER_PROBLEM = "The site could not do what was asked. Please go back and try again."
# The headings of the error pages people see, in the site's words (the API keeps the
# standard reason phrases as problem titles).
TITLES = {
    400: "This request could not be read",
    403: "This page is not open to you",
    404: "Page not found",
    405: "This cannot be done here",
    413: "Too large to send",
    429: "Please wait a moment",
    500: "Something went wrong",
    503: "Briefly unavailable",
}
NOT_SAVED = (
    "The site is briefly unavailable, so what you sent was not saved. Please try again later."
)
REPEAT_LOG_SECONDS = 600  # one log line per fault and worker for this long, not one per request
_logged: dict[str, list] = {}  # fault -> [when it was last logged, requests refused since]
BAD_HOST = (
    "This site does not answer to the address in your request. "
    "Check the address (the part after https://) and try again."
)


def wants_problem_json() -> bool:
    """API clients get RFC 9457 problem details."""
    return request.path.startswith("/api/")


def problem(status: int, detail: str, title: str | None = None, **extra):
    """An application/problem+json response."""
    body = {
        "type": "about:blank",
        "title": title or _title(status),
        "status": status,
        "detail": detail,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _title(status: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(status, "Error")


def page_title(status: int) -> str:
    """The heading of an error page for people."""
    return TITLES.get(status) or ("Something went wrong" if status >= 500 else "Not possible")


def _own_words(error: HTTPException) -> str | None:
    """The description given where the error was raised; None for Werkzeug's stock text
    ("The requested URL was not found on the server...")."""
    stock = type(error).description
    return error.description if error.description and error.description != stock else None


def bad_host(error: SecurityError):
    """400 for a Host header the site does not answer to (TRUSTED_HOSTS). The page is
    plain: no address may be built from this request, and nothing of it is cached."""
    if wants_problem_json():
        return problem(400, BAD_HOST)
    html = render_template("errors/plain.html", status=400, title=page_title(400), message=BAD_HOST)
    return current_app.response_class(html, status=400, mimetype="text/html")


def handle_http_error(error: HTTPException, detail: str | None = None):
    """Render any HTTP error (4xx/5xx raised by abort or Werkzeug), with our own detail."""
    status = error.code or 500
    if status == 404 and request.method in ("GET", "HEAD") and not wants_problem_json():
        moved = current_app.extensions.get("cms.moved")  # cms.content.addresses.moved
        answer = moved() if moved is not None else None
        if answer is not None:
            return answer
    if detail is None:
        own = _own_words(error) if status < 500 else None
        if wants_problem_json():
            own = own or (error.description if status < 500 else None)
        detail = own or MESSAGES.get(status)
    if wants_problem_json():
        response = problem(status, detail or _title(status))
    else:
        template = "errors/404.html" if status == 404 else "errors/error.html"
        try:
            html = render_template(
                template,
                status=status,
                title=page_title(status),
                message=detail or MESSAGES.get(status, OTHER_PROBLEM),
            )
        except Exception:  # the database itself may be the problem
            current_app.logger.exception("error page could not use the site template")
            request.environ["cms.database_failed"] = True
            html = render_template(
                "errors/plain.html",
                status=status,
                title=page_title(status),
                message=detail or MESSAGES.get(status, OTHER_PROBLEM),
            )
        response = current_app.response_class(html, status=status, mimetype="text/html")
    for header in ("Retry-After", "Allow"):
        if error.get_response().headers.get(header):
            response.headers[header] = error.get_response().headers[header]
    return response


def handle_database_error(error: OperationalError):
    """A busy, full or read-only database is a temporary 503, not a crash."""
    request.environ["cms.database_failed"] = True
    fault, cause = fault_and_cause(error)
    if fault is None:
        return handle_http_error(InternalServerError())
    _log_fault(fault, cause)
    writing = request.method not in ("GET", "HEAD")
    response = handle_http_error(ServiceUnavailable(), NOT_SAVED if writing else None)
    response.headers["Retry-After"] = "30"
    return response


def _log_fault(fault: str, cause) -> None:
    """Log a fault by its real name, once per incident (until a change is saved again, at
    most every REPEAT_LOG_SECONDS) rather than once per request."""
    now, seen = time.monotonic(), _logged.setdefault(fault, [None, 0])
    if seen[0] is not None and now - seen[0] < REPEAT_LOG_SECONDS:
        seen[1] += 1
        return
    more = f"; {seen[1]} more refused since the last report" if seen[1] else ""
    _logged[fault] = [now, 0]
    log = current_app.logger.warning if fault == BUSY else current_app.logger.error
    log(
        "%s: %s %s answered 503 (%s)%s; logged again in %d minutes if it persists",
        fault, request.method, request.path, cause, more, REPEAT_LOG_SECONDS // 60,
    )  # fmt: skip


def _fault_over(response):
    """after_request: a change went through, so the next fault is a new incident."""
    if _logged and response.status_code < 500 and request.method not in ("GET", "HEAD"):
        _logged.clear()
    return response


def handle_unexpected(error: Exception):
    """Log the error and show the 500 page."""
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    current_app.logger.exception("unhandled error on %s", request.path)
    return handle_http_error(InternalServerError())


def init_app(app) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(SecurityError, bad_host)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
    app.after_request(_fault_over)
