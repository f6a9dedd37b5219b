"""What the database can store: text without NUL bytes or lone surrogates, whole numbers in the
column range, dates in a sane range. One home for these limits, used by the forms (app/forms_base.py),
the services' validation (app/meetings/validation.py) and the request guard on paths and query strings.

PostgreSQL refuses NUL in text, no database takes a lone UTF-16 surrogate (it is not valid UTF-8),
SQLite and PostgreSQL integer columns hold 32 or 64 bits, and Python's datetime cannot go before
year 1 or after 9999 (a time zone shift at either end overflows). Without these checks such input
reaches the database or the date arithmetic and ends as a 500; with them it is a clear 4xx.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from app.errors import DomainError

# Every integer column is a 32-bit INTEGER (ids, capacity, counters).
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1
# Dates an organizer can mean: far enough for history and for long series, near enough that
# converting between zones or adding days never leaves the range Python's datetime can hold.
MIN_YEAR = 1900
MAX_YEAR = 2200

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

UNSTORABLE_MESSAGE = _l("The field contains characters that cannot be saved.")
NUMBER_RANGE_MESSAGE = _l("The number is too large.")


def date_range_message() -> str:
    return _("Please enter a date between the years %(min)d and %(max)d.", min=MIN_YEAR, max=MAX_YEAR)


def has_unstorable(value: Any) -> bool:
    """True for text with a NUL byte or a lone surrogate (which no database column can hold)."""
    return isinstance(value, str) and _UNSTORABLE.search(value) is not None


def scrub(value: str) -> str:
    """The text with NUL bytes dropped and lone surrogates replaced by U+FFFD, safe to show again."""
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)


def normalize_newlines(value: str) -> str:
    """CRLF (a browser's textarea) and lone CR as LF, so the web and the API store the same text."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def int_in_range(value: int) -> bool:
    return DB_INT_MIN <= value <= DB_INT_MAX


def date_in_range(value: date | datetime) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` in URLs: only ids a database column can hold, so a bigger one is a 404 (not a
    database overflow). The OpenAPI document shows the maximum too."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def refuse_unstorable_request() -> None:
    """before_request: a path with NUL or a lone surrogate is no page (404); such a query string is
    a bad request (400). Form fields are checked by the forms, with a message on the field."""
    if has_unstorable(request.path):
        abort(404)
    for key, values in request.args.lists():
        if has_unstorable(key) or any(has_unstorable(v) for v in values):
            raise DomainError(
                _("The address contains something the app cannot use. Please check the link and try again.")
            )
