"""Keep login tokens out of request logs.

Login and welcome links carry their secret in the path (/login/<token>), and so do group
invitations (/invitations/<token>), and private calendar feeds (/calendar/<token>.ics). The development
server (logger "werkzeug") and gunicorn (logger "gunicorn.access") log every request line, so a
filter on both loggers replaces such secrets with "[redacted]" before any handler writes them.
The filter is installed when the app is created, which under gunicorn happens in the worker
(or in the master with --preload), after gunicorn has set up its loggers.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
# /login/<token> (login and welcome links; not the app's own pages /login/sent and
# /login/password), /invitations/<token> (group invitations) and /calendar/<token>.ics (a
# member's private calendar feed).
# A plain number after them is an id (e.g. /groups/<slug>/invitations/<id>/withdraw), not a token.
_TOKEN_PATH = re.compile(
    r"(/login/|/invitations/|/calendar/)(?!(?:sent|password|\d+)(?:[/?#\s\"]|$))[^/?#\s\"]+")
# Anything else that looks like one of our tokens (secrets.token_urlsafe(32): 43 characters of
# [A-Za-z0-9_-]) in a path or a query: slugs are lower case, so demand an upper-case letter.
_TOKEN_LIKE = re.compile(r"(?<=[/=])(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{32,}(?=[/?&#\s\"]|$)")
LOGGER_NAMES = ("werkzeug", "gunicorn.access")


def redact(text: str) -> str:
    """The text with login tokens in paths replaced by [redacted]."""
    text = _TOKEN_PATH.sub(lambda m: m.group(1) + REDACTED, text)
    return _TOKEN_LIKE.sub(REDACTED, text)


def _redact_value(value):
    return redact(value) if isinstance(value, str) else value


class RedactTokensFilter(logging.Filter):
    """Redacts the record's message and its arguments (a tuple, or gunicorn's dict of atoms)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        return True


def install_log_redaction() -> None:
    """Add the filter to the request loggers, once per process."""
    for name in LOGGER_NAMES:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokensFilter) for f in logger.filters):
            logger.addFilter(RedactTokensFilter())
