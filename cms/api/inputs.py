"""Reading Admin API requests: JSON bodies (known fields only, each checked against the
schema cms.api.fields publishes for it) and the preconditions of writes (If-Match,
If-Unmodified-Since), with the ETags they refer to.

Server-owned fields (id, author, created_at, updated_at, body_html, url, ...) are
rejected with 422 rather than silently ignored, so a client never believes it changed
something it did not.
"""

import json
from datetime import UTC, datetime

from flask import current_app, jsonify, request

from ..core.validation import TimeProblem, single_line
from .errors import ApiProblem, invalid
from .fields import Field


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


def _has_lone_surrogates(value) -> bool:
    if isinstance(value, str):
        return not _valid_text(value)
    if isinstance(value, list):
        return any(map(_has_lone_surrogates, value))
    if isinstance(value, dict):
        return any(map(_has_lone_surrogates, value.values()))
    return False


def check_fields(data: dict, fields: dict[str, Field], read_only=(), required=()) -> dict:
    """Validate a body against its fields (cms.api.fields, the schemas the document
    publishes); return the converted values or raise a 422 naming every field at fault."""
    errors, clean = {}, {}
    for name, value in data.items():
        field = fields.get(name)
        if name in read_only:
            errors[name] = "This field is set by the server and cannot be written."
        elif field is None:
            errors[name] = "Unknown field."
        elif _has_lone_surrogates(value) or not field.fits(value):
            errors[name] = _explain(field, value)
        elif field.convert is None or value is None:
            clean[name] = value
        else:
            try:
                clean[name] = field.convert(value)
            except TimeProblem as problem:
                errors[name] = str(problem)
    for name in required:
        if name not in data:
            errors.setdefault(name, "This field is required.")
    if errors:
        raise invalid({str(k)[:100]: v for k, v in errors.items()})
    return clean


def _explain(field: Field, value) -> str:
    """The rule's own words where it has some (a time without its offset, which character
    of a text), else the field's message."""
    if isinstance(value, str) and field.convert is not None:
        try:
            field.convert(value)
        except TimeProblem as problem:
            return str(problem)
        except ValueError:  # an id written as text: the field's own message says it
            pass
    if isinstance(value, str) and "x-text" in field.schema and _valid_text(value):
        errors: dict = {}
        shown = field.schema["x-text"] == "shown"
        single_line(value, "value", errors, limit=field.schema["maxLength"],
                    required="Type some text." if shown else None)  # fmt: skip
        if errors:
            return errors["value"]
    return field.message


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
