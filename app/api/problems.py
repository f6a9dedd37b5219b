"""The problems (RFC 9457) an API operation documents: one list for every module under /api/v1."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.api.schemas import ProblemSchema
from app.api.spec import PROBLEM_CONTENT_TYPE

STATUSES = {"Unauthorized": 401, "Forbidden": 403, "NotFound": 404, "TooManyRequests": 429,
            "UnsupportedMediaType": 415}
READ_ERRORS = ("Unauthorized", "Forbidden", "NotFound", "TooManyRequests")
WRITE_ERRORS = (*READ_ERRORS, "UnsupportedMediaType")


def documents_errors(blp: Blueprint, *names: str, conflict: str | None = None):
    """Document the named problems of an operation on `blp`; `conflict`: what a 409 means there."""

    def decorate(view):
        for name in names:
            view = blp.alt_response(STATUSES[name], response=name)(view)
        if conflict:
            view = blp.alt_response(409, schema=ProblemSchema, content_type=PROBLEM_CONTENT_TYPE,
                                    description=conflict)(view)
        return view

    return decorate
