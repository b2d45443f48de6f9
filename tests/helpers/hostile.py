"""Bounded property-based testing, and the check that a refusal says what went wrong."""

import re
import time

import html5lib
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from werkzeug.http import HTTP_STATUS_CODES

from cms.core.errors import page_title

SECONDS = 20  # per test: past this, remaining examples are skipped cheaply
MIN_EXAMPLES = 20  # fewer means the time box starved the property: that is a failure
BOUNDED = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Arbitrary unicode including control characters and NUL (surrogates cannot be sent).
odd_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
huge_numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)


class TimeBox:
    """Lets a property stop doing work once its seconds are spent (no timed assertion)."""

    def __init__(self, seconds: float = SECONDS):
        self.ends = time.monotonic() + seconds
        self.examples = 0

    def open(self) -> bool:
        if time.monotonic() > self.ends:
            return False
        self.examples += 1
        return True


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _is_error_place(element) -> bool:
    classes = (element.get("class") or "").split()
    return "error" in classes or "form-problem" in classes or element.get("role") == "alert"


def _error_page_message(root, status: int) -> list[str]:
    """The message under an error page's heading (templates/errors/), which names the
    status in the site's words (cms.core.errors.page_title, e.g. "This request could not be
    read"): other pages' first paragraph is no error."""
    names = {page_title(status), HTTP_STATUS_CODES.get(status)}
    main = root.find(".//main")
    children = list(main) if main is not None else []
    for heading, message in zip(children, children[1:], strict=False):
        if heading.tag == "h1" and _text(heading) in names and message.tag == "p":
            return [_text(message)]
    return []


def error_messages(response) -> list[str]:
    """What the answer shows where this site shows problems: a problem's detail, the
    plain-text body, field errors, alerts, and an error page's message."""
    text = response.get_data(as_text=True)
    if response.mimetype == "application/json" or response.mimetype.endswith("+json"):
        detail = (response.get_json(silent=True) or {}).get("detail")
        return [detail] if isinstance(detail, str) else []
    if response.mimetype == "text/plain":
        return [text.strip()]
    root = html5lib.parse(text, namespaceHTMLElements=False)
    shown = [_text(element) for element in root.iter() if _is_error_place(element)]
    shown += _error_page_message(root, response.status_code)
    return [message for message in shown if message]


def says_what_went_wrong(response, *expected: str | re.Pattern) -> bool:
    """True when a 4xx answer shows one of the expected messages (a text it contains, or
    a pattern it matches) where this site shows problems; an ordinary page never is."""
    if not 400 <= response.status_code < 500 or not expected:
        return False
    return any(
        (wanted.search(shown) if isinstance(wanted, re.Pattern) else wanted in shown)
        for shown in error_messages(response)
        for wanted in expected
    )
