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
            title = _http_title(status)
            return problem_response(status, title, detail, errors=fields)
        return (
            render_template("errors/error.html", status=status,
                            title=ERROR_TITLES.get(status, ERROR_TITLES[500]), detail=detail),
            status,
        )

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        detail = error.message
        if detail == error.title and not wants_problem_json():
            detail = None  # a bare NotFound() carries only its English class title; the page has a heading
        return render_error(error.status, detail, error.fields)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        detail = error.description if wants_problem_json() else None
        if error.code == 429:
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


def _http_title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
