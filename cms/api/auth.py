"""Admin API authentication: Bearer tokens only, scopes, and throttling (429)."""

import functools

from flask import g, request

from ..accounts.tokens import ApiToken, verify_token
from ..audit import client_address
from ..core.ratelimit import Policy, setting
from .errors import ApiProblem

# Query parameters that people (and some tools) use for credentials.
QUERY_TOKEN_NAMES = {"access_token", "token", "api_key", "apikey", "key", "bearer"}
WINDOW = 60  # seconds
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="admin-api"'}


# Both counted in the database, so every worker process shares the count.
TOKEN_REQUESTS = Policy(
    "api-token-requests",
    setting("API_RATE_LIMIT"),
    lambda: WINDOW,
    "Too many requests with this token; please slow down.",
)
BAD_TOKENS = Policy(
    "api-token",
    setting("API_AUTH_FAILURE_LIMIT"),
    lambda: WINDOW,
    "Too many requests with bad tokens from this address; please wait.",
)


def _limit(policy: Policy, value: str) -> None:
    verdict = policy.hit(value)
    if not verdict.allowed:
        raise ApiProblem(429, policy.message, headers={"Retry-After": str(verdict.retry_after)})


def _refuse_query_token() -> None:
    names = {name.lower() for name in request.args}
    if names & QUERY_TOKEN_NAMES or any(v.startswith("pcms_") for v in request.args.values()):
        raise ApiProblem(
            400,
            "Tokens are accepted only in the Authorization header (Authorization: Bearer "
            "<token>), never in the address, where logs and browser history would keep them.",
        )


def authenticate() -> ApiToken:
    """The token of this request, or a 401/400/429 problem."""
    _refuse_query_token()
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem(
            401,
            "This part of the API needs a token: send Authorization: Bearer <token>. "
            "The editor's sign-in cookie is not accepted here.",
            headers=CHALLENGE,
        )
    token = verify_token(secret.strip())
    if token is None:
        _limit(BAD_TOKENS, client_address())
        raise ApiProblem(
            401,
            "The token is unknown, revoked or expired, or its account is disabled.",
            headers=CHALLENGE,
        )
    _limit(TOKEN_REQUESTS, str(token.id))
    return token


def _refusal(token: ApiToken, scopes) -> str:
    needed = " or ".join(scopes)
    if any(scope in token.scope_list for scope in scopes):
        return f"This token acts for an {token.user.role}, whose role does not allow: {needed}."
    return f"This token lacks the scope needed here: {needed}."


def require(*scopes: str):
    """Decorate an Admin API view: a valid token with any of these scopes is needed."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            g.api_token = token = authenticate()
            if not any(token.allows(scope) for scope in scopes):
                raise ApiProblem(403, _refusal(token, scopes), required_scopes=list(scopes))
            return view(*args, **kwargs)

        wrapper.required_scopes = scopes
        return wrapper

    return decorator
