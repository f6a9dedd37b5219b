"""Request checks shared by every /api/ operation."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import UnsupportedMediaType

from app.api.i18n import is_api_request

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def refuse_non_json_body() -> None:
    """before_request (app-wide): a write to /api/ whose body is not declared as JSON is a 415
    problem (instead of being read as no body and answered with "this field is required")."""
    if not is_api_request() or request.method not in BODY_METHODS:
        return
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return  # no body at all: the operation decides what is missing
    if request.is_json:
        return
    raise UnsupportedMediaType()
