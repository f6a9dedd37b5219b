"""Language and time-zone choice; dates in a group's zone and the reader's locale."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from app.meetings.zones import is_valid_timezone  # the one time-zone check (re-exported)


def supported_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """Explicit choice in this session, then the member's preference, then the network default."""
    languages = supported_languages()
    chosen = session.get("lang") if request else None
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        if current_user.language in languages:
            return current_user.language
    return network_default_language()


def network_default_language() -> str:
    from app.models import NetworkSettings

    language = NetworkSettings.current().default_language
    return language if language in supported_languages() else current_app.config["BABEL_DEFAULT_LOCALE"]


def network_timezone() -> str:
    """The network's default zone (also Flask-Babel's timezone selector)."""
    from app.models import NetworkSettings

    zone = NetworkSettings.current().default_timezone
    return zone if is_valid_timezone(zone) else current_app.config["BABEL_DEFAULT_TIMEZONE"]


def format_in_zone(value: datetime | None, tz: str | None = None, fmt: str = "medium") -> str:
    """Format an aware datetime in the given zone (a group's) and the current reader's locale."""
    if value is None:
        return ""
    zone = ZoneInfo(tz or network_timezone())
    return babel_format_datetime(value.astimezone(zone), format=fmt, tzinfo=zone,
                                 locale=str(get_locale()))
