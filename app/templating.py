"""Filters and globals every template may use, registered on the app by create_app.

Dates and times are stored in UTC and shown in a zone (a group's, else the network's) and in the
reader's locale; agendas are Markdown-like text turned into safe HTML.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import Flask
from flask_babel import get_locale

from app.i18n import format_in_zone
from app.meetings.agenda import render_agenda
from app.meetings.messages import reason_label


def _local(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz))


def agenda_filter(text: str | None):
    return render_agenda(text)


def local_date_filter(value: datetime | date | None, tz: str | None = None, fmt: str = "full") -> str:
    """A date in the reader's locale; a datetime is first converted to the zone `tz`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value, tz or "UTC").date()
    return format_date(value, format=fmt, locale=str(get_locale()))


def local_time_filter(value: datetime | time | None, tz: str | None = None) -> str:
    """The wall-clock time in the zone `tz`, in the reader's locale (08:30 / 08.30 / 8:30 AM); a
    `time` of day (a group's reminder time) is already local and shown as it is."""
    if value is None:
        return ""
    clock = value if isinstance(value, time) else _local(value, tz or "UTC").time()
    return format_time(clock, format="short", locale=str(get_locale()))


def iso_local_filter(value: datetime | None, tz: str) -> str:
    """Machine-readable local time with its offset, for <time datetime=...>."""
    return _local(value, tz).isoformat(timespec="minutes") if value else ""


def skip_reason(reason: str | None) -> str:
    """Why a series skipped a date (a holiday's name, a closed day), in the reader's language."""
    return reason_label(reason)


FILTERS = {
    "agenda": agenda_filter,
    "local_date": local_date_filter,
    "local_time": local_time_filter,
    "iso_local": iso_local_filter,
    "in_zone": format_in_zone,
}


def register_template_filters(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
    from app.zones_ui import FILTERS as WORD_FILTERS  # zone names, series rules in words

    app.jinja_env.filters.update(WORD_FILTERS)
    app.jinja_env.globals["skip_reason"] = skip_reason
