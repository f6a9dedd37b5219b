"""Domain errors raised by services, and how the web and the API turn them into responses."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """Base class: something a service refuses to do, with a message fit for the user."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message or self.title)
        self.message = str(message or self.title)
        self.fields = fields or {}


class NotFound(DomainError):
    status = 404
    title = "Not found"


class PermissionDenied(DomainError):
    status = 403
    title = "Forbidden"


class ValidationFailed(DomainError):
    status = 422
    title = "Validation failed"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


def wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def problem_response(status: int, title: str, detail: str | None = None, **extra):
    """An RFC 9457 problem details response."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("The upload is too large"),
    422: _l("The input could not be accepted"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}


def register_errorhandlers(app: Flask) -> None:
    def render_error(status: int, detail: str | None = None, fields=None):
        if wants_problem_json():
            return api_problem(status, detail, fields)
        return (
            render_template("errors/error.html", status=status,
                            title=ERROR_TITLES.get(status, ERROR_TITLES[500]), detail=detail),
            status,
        )

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        detail = error.message
        if detail == error.title:
            # A bare NotFound() carries only its English class title: the page has a heading, the
            # API problem says it in the caller's language.
            detail = None
        return render_error(error.status, detail, error.fields)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        # werkzeug's own descriptions are English: the API problem gets its translated detail instead.
        custom = error.description != type(error).description
        detail = error.description if wants_problem_json() and custom else None
        if error.code == 429 and not wants_problem_json():
            detail = str(ERROR_TITLES[429])
        # webargs (behind flask-smorest's @blp.arguments) aborts with the messages in `data`.
        data = getattr(error, "data", None)
        fields = data.get("messages") if isinstance(data, dict) else None
        response = render_error(error.code, detail, fields)
        valid_methods = getattr(error, "valid_methods", None)
        if error.code == 405 and valid_methods:
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("Unhandled error")
        # A failed flush leaves the session unusable, and the error page itself reads the database
        # (the network's name): without this the 500 page would crash too.
        from app.extensions import db

        db.session.rollback()
        return render_error(500)


# The API's problems: a title per status and a detail for when nothing more specific is known,
# in the caller's language (app.api.i18n: ?lang, Accept-Language, Danish).
PROBLEM_TITLES = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Access denied"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("The upload is too large"),
    415: _l("Unsupported media type"),
    422: _l("The input could not be accepted"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
PROBLEM_DETAILS = {
    400: _l("The request could not be understood."),
    401: _l("This endpoint needs an access token."),
    403: _l("You do not have permission to do this."),
    404: _l("There is nothing at this address."),
    405: _l("This method is not allowed here."),
    409: _l("This conflicts with the current state."),
    413: _l("The request is too large."),
    415: _l("Please send the request body as JSON (Content-Type: application/json)."),
    422: _l("Please correct the fields listed under errors."),
    429: _l("Too many attempts. Please wait a little and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
}


def problem_title(status: int) -> str:
    return str(PROBLEM_TITLES.get(status) or _http_title(status))


def api_problem(status: int, detail: str | None = None, fields=None, **extra):
    """A translated problem for an /api/ request: every title, detail and field message in the
    caller's language."""
    from flask_babel import force_locale

    from app.api.i18n import api_language, translate_messages

    lang = request.args.get("lang")
    with force_locale(api_language(lang if isinstance(lang, str) else None)):
        title = problem_title(status)
        if not detail:
            detail = str(PROBLEM_DETAILS.get(status) or title)
        if fields:
            fields = translate_messages(fields)
        return problem_response(status, title, str(detail), errors=fields, **extra)


def _http_title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
