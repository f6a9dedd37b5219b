"""Bearer-token authentication for /api/v1, kept apart from the web session.

Every API blueprint runs `authenticate_request` before its views: it reads
`Authorization: Bearer <token>`, resolves it with app.tokens.services.authenticate and puts the
member in `g.api_user` (None for an anonymous call). Views hand `g.api_user` to the services;
Flask-Login's current_user and the session cookie are never consulted, so a logged-in browser
gets no access to the API (and CSRF does not apply to it).

A request that presents a token which does not work is answered 401 whatever the endpoint, even
one that is open to anonymous callers: a client with a broken token should learn so, not silently
see less. Failed token attempts are counted per client IP with Flask-Limiter's storage (so they
are shared between workers when RATELIMIT_STORAGE_URI points at a shared store); once
API_TOKEN_FAILURE_LIMIT (default "20 per 10 minutes") is used up, that IP gets 429 for any
request carrying a token until the window moves on. Requests without a token and requests with
a valid token are never counted.
"""

from __future__ import annotations

import time
from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import parse
from werkzeug.exceptions import TooManyRequests, Unauthorized

from app.errors import api_problem
from app.extensions import limiter
from app.tokens import services as token_services

DEFAULT_FAILURE_LIMIT = "20 per 10 minutes"
_FAILURE_NAMESPACE = "api-token-failures"


class TokenRequired(Unauthorized):
    """The endpoint needs a valid bearer token (none, or one that does not work, was given)."""

    def __init__(self, detail: str, *, error: str | None = None):
        super().__init__(description=detail)
        self.error = error  # RFC 6750 error code for WWW-Authenticate, e.g. "invalid_token"


class TokenFailuresThrottled(TooManyRequests):
    """Too many failed token attempts from this address."""

    def __init__(self, retry_after: int):
        super().__init__(description=_("Too many failed token attempts. Try again later."))
        self.retry_after_seconds = max(1, retry_after)


def handle_token_required(error: TokenRequired):
    response = api_problem(401, error.description)
    challenge = 'Bearer realm="kaffeklub"'
    if error.error:
        challenge += f', error="{error.error}"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def handle_throttled(error: TokenFailuresThrottled):
    response = api_problem(429, error.description)
    response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


def authenticate_request() -> None:
    """before_request of every API blueprint: set g.api_user from the bearer token, if any."""
    g.api_user = None
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _sep, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise TokenRequired(_("Use the header 'Authorization: Bearer <token>'."), error="invalid_request")
    _refuse_if_throttled()
    member = token_services.authenticate(credentials.strip())
    if member is None:
        _count_failure()
        raise TokenRequired(_("The access token is invalid, revoked or belongs to an inactive member."),
                            error="invalid_token")
    g.api_user = member


def refuse_anonymous_writes() -> None:
    """before_request, after authenticate_request: an anonymous call to an endpoint that needs a
    token is answered 401 here, before flask-smorest reads and validates its query and body (which
    would otherwise answer 422 to a caller who could not have made the call anyway)."""
    if g.get("api_user") is None and _needs_token(current_app.view_functions.get(request.endpoint)):
        raise TokenRequired(_("This endpoint needs an access token: 'Authorization: Bearer <token>'."))


def _needs_token(view) -> bool:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a MethodView: the method's own function
        view = getattr(view_class, request.method.lower(), None)
    # functools.wraps copies __dict__, so the mark survives flask-smorest's outer decorators.
    return bool(getattr(view, "token_required", False))


def token_required(view):
    """Refuse anonymous calls with 401 (place it below @blp.response); refuse_anonymous_writes
    sees the mark and answers before the arguments are parsed."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("api_user") is None:
            raise TokenRequired(_("This endpoint needs an access token: 'Authorization: Bearer <token>'."))
        return view(*args, **kwargs)

    wrapper.token_required = True
    return wrapper


def no_store(response):
    """after_request of every API blueprint: answers depend on the caller's token, never cache them."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _failure_limit():
    return parse(current_app.config.get("API_TOKEN_FAILURE_LIMIT", DEFAULT_FAILURE_LIMIT))


def _refuse_if_throttled() -> None:
    if not limiter.enabled:
        return
    item = _failure_limit()
    key = get_remote_address()
    if not limiter.limiter.test(item, _FAILURE_NAMESPACE, key):
        reset_at, _remaining = limiter.limiter.get_window_stats(item, _FAILURE_NAMESPACE, key)
        raise TokenFailuresThrottled(int(reset_at - time.time()) + 1)


def _count_failure() -> None:
    if limiter.enabled:
        limiter.limiter.hit(_failure_limit(), _FAILURE_NAMESPACE, get_remote_address())
