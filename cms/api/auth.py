"""Admin API authentication: Bearer tokens only, scopes, and throttling (429)."""

import functools
import threading
import time
from collections import defaultdict, deque

from flask import current_app, g, request

from ..accounts.tokens import ApiToken, verify_token
from ..audit import client_address
from ..core import ratelimit
from .errors import ApiProblem

# Query parameters that people (and some tools) use for credentials.
QUERY_TOKEN_NAMES = {"access_token", "token", "api_key", "apikey", "key", "bearer"}
WINDOW = 60.0  # seconds
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="admin-api"'}


class Throttle:
    """Counts requests per token in a sliding window, per worker process.

    In memory on purpose: a valid token's calls must not each cost a database write.
    """

    def __init__(self):
        self.events: dict[int, deque] = defaultdict(deque)
        self.lock = threading.Lock()

    def hit(self, key: int, limit: int) -> float | None:
        """Record an event; return seconds to wait if the key is over its limit, else None."""
        now = time.monotonic()
        with self.lock:
            events = self.events[key]
            while events and events[0] <= now - WINDOW:
                events.popleft()
            if len(events) >= limit:
                return events[0] + WINDOW - now
            events.append(now)
        return None

    def reset(self) -> None:
        with self.lock:
            self.events.clear()


throttle = Throttle()


def _throttled(token: ApiToken) -> None:
    wait = throttle.hit(token.id, current_app.config["API_RATE_LIMIT"])
    if wait is not None:
        raise ApiProblem(
            429,
            "Too many requests with this token; please slow down.",
            headers={"Retry-After": str(max(1, int(wait + 1)))},
        )


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
        # Counted in the database, so guessing is slowed across every worker process.
        limit = current_app.config["API_AUTH_FAILURE_LIMIT"]
        verdict = ratelimit.hit("api-token", client_address(), limit, int(WINDOW))
        if not verdict.allowed:
            raise ApiProblem(
                429,
                "Too many requests with bad tokens from this address; please wait.",
                headers={"Retry-After": str(verdict.retry_after)},
            )
        raise ApiProblem(
            401,
            "The token is unknown, revoked or expired, or its account is disabled.",
            headers=CHALLENGE,
        )
    _throttled(token)
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
