"""Reading Admin API requests: JSON bodies (known fields only, types checked) and the
preconditions of writes (If-Match, If-Unmodified-Since), with the ETags they refer to.

Server-owned fields (id, author, created_at, updated_at, body_html, url, ...) are
rejected with 422 rather than silently ignored, so a client never believes it changed
something it did not.
"""

import json
from datetime import UTC, datetime

from flask import current_app, jsonify, request

from ..core.validation import TimeProblem, parse_date, parse_datetime
from .errors import ApiProblem, invalid

MAX_ID = 2**53 - 1
MAX_LIST = 50


def read_json() -> dict:
    """The request body as a JSON object, or a 415/413/400/422 problem."""
    if request.mimetype != "application/json":
        raise ApiProblem(415, "Send a JSON body with Content-Type: application/json.")
    limit = current_app.config["API_MAX_JSON"]
    if (request.content_length or 0) > limit:
        raise ApiProblem(413, f"The JSON body is too large (at most {limit:,} bytes).")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise ApiProblem(413, f"The JSON body is too large (at most {limit:,} bytes).")
    try:
        data = json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise ApiProblem(400, f"The body is not valid JSON ({_reason(exc)}).") from None
    if not isinstance(data, dict):
        raise ApiProblem(422, "The body must be a JSON object.", errors=[])
    return data


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


def _reason(exc: Exception) -> str:
    return str(exc).split(":")[0] if isinstance(exc, ValueError) else "nested too deeply"


def _valid_text(value) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates such as "\ud800"
        return False
    return True


CHECKS = {
    "text": (lambda v: isinstance(v, str) and _valid_text(v), "Must be a string."),
    "bool": (lambda v: isinstance(v, bool), "Must be true or false."),
    "id": (
        lambda v: v is None or (type(v) is int and 1 <= v <= MAX_ID),
        "Must be a positive whole number or null.",
    ),
    "int": (lambda v: type(v) is int and -MAX_ID <= v <= MAX_ID, "Must be a whole number."),
    "links": (
        lambda v: (
            isinstance(v, list)
            and len(v) <= MAX_LIST
            and all(
                isinstance(i, dict)
                and set(i) <= {"label", "url"}
                and all(isinstance(x, str) and _valid_text(x) for x in i.values())
                for i in v
            )
        ),
        'Must be a list of {"label": ..., "url": ...} objects.',
    ),
    "strings": (
        lambda v: (
            isinstance(v, list)
            and len(v) <= MAX_LIST
            and all(isinstance(i, str) and _valid_text(i) for i in v)
        ),
        f"Must be a list of at most {MAX_LIST} strings.",
    ),
    "datetime": (
        lambda v: v is None or (isinstance(v, str) and _valid_text(v)),
        "Must be a date and time such as 2026-05-01T09:00:00Z, or null.",
    ),
    "date": (
        lambda v: v is None or (isinstance(v, str) and _valid_text(v)),
        "Must be a date such as 2026-05-01, or null.",
    ),
}


def _convert(kind: str, value):
    """Parse dates (one parser for every door); a time must carry its offset from UTC."""
    if value is None or kind not in ("datetime", "date"):
        return value
    if kind == "date":
        return parse_date(value)
    return parse_datetime(value, offset_required=True)


def check_fields(data: dict, spec: dict, read_only=(), required=()) -> dict:
    """Validate a body against {field: kind}; return converted values or raise a 422."""
    errors, clean = {}, {}
    for name, value in data.items():
        if name in read_only:
            errors[name] = "This field is set by the server and cannot be written."
        elif name not in spec:
            errors[name] = "Unknown field."
        else:
            test, message = CHECKS[spec[name]]
            if not test(value):
                errors[name] = message
                continue
            try:
                clean[name] = _convert(spec[name], value)
            except TimeProblem as problem:
                errors[name] = str(problem)
    for name in required:
        if name not in data:
            errors.setdefault(name, "This field is required.")
    if errors:
        raise invalid({str(k)[:100]: v for k, v in errors.items()})
    return clean


def stale(version: str) -> ApiProblem:
    """The 412 of a write whose precondition names an older version (with the current ETag)."""
    return ApiProblem(
        412,
        "The resource changed since the version your request names (If-Match or "
        "If-Unmodified-Since); nothing was written. GET it again and reapply your change.",
        headers={"ETag": f'"{version}"'},
        current_etag=f'"{version}"',
    )


def expected_version(version: str, modified: datetime | None = None):
    """What a write may replace, for the service to check under the write lock; None: any.

    `version` is the resource's version as the view just read it. If-Match gives its
    strong ETags ("*": any; weak ones never match), checked here first so a stale one gets
    412 before the body is read. Without If-Match, If-Unmodified-Since is compared with
    `modified` (resources without a modification time ignore it): a stale date gets 412,
    a fresh one expects `version`, so a change coming in between is refused too.
    """
    if "If-Match" in request.headers:
        tags = request.if_match
        if tags.star_tag:
            return None
        strong = tuple(tags.as_set())
        if version not in strong:
            raise stale(version)
        return strong
    since = request.if_unmodified_since
    if since is None or modified is None:
        return None
    if modified > since.astimezone(UTC).replace(tzinfo=None):
        raise stale(version)
    return version


def tagged(data, version: str, modified: datetime | None = None, status: int = 200, headers=None):
    """A JSON answer carrying the resource's version as a strong ETag (and Last-Modified)."""
    response = jsonify(data)
    response.status_code = status
    response.set_etag(version)
    if modified is not None:
        response.last_modified = modified.replace(tzinfo=UTC)
    response.headers.update(headers or {})
    return response
