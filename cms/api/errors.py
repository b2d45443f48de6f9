"""API errors as RFC 9457 problem details; services' errors become 422 and 409."""

from ..core.errors import problem
from ..core.validation import ConflictError, ValidationError
from .blueprint import bp


class ApiProblem(Exception):
    """Raised anywhere in the API to answer with a problem+json response."""

    def __init__(self, status: int, detail: str, headers: dict | None = None, **extra):
        super().__init__(detail)
        self.status, self.detail, self.headers, self.extra = status, detail, headers or {}, extra


def field_errors(errors: dict[str, str]) -> list[dict]:
    """[{"field": ..., "detail": ...}] from a services-style errors dict."""
    return [{"field": field, "detail": message} for field, message in errors.items()]


def invalid(errors: dict[str, str]) -> ApiProblem:
    """A 422 naming the fields at fault."""
    names = ", ".join(errors)
    return ApiProblem(422, f"Some fields are not valid: {names}.", errors=field_errors(errors))


@bp.errorhandler(ApiProblem)
def _api_problem(error: ApiProblem):
    response = problem(error.status, error.detail, **error.extra)
    response.headers.update(error.headers)
    return response


@bp.errorhandler(ConflictError)
def _conflict(error: ConflictError):
    detail = "; ".join(error.errors.values())
    return problem(409, detail, errors=field_errors(error.errors))


@bp.errorhandler(ValidationError)
def _validation(error: ValidationError):
    return _api_problem(invalid(error.errors))
