"""Time zones: the one check of a zone name, and local wall-clock time <-> aware UTC in a named
IANA zone. Pure, no Flask.

`is_valid_timezone` is THE time-zone check: meetings and series (`zone_or_none`, the recurrence
rules), groups and the network settings all ask it, so a name one accepts the others accept too.
A valid name is one of the IANA names the system's tz database lists (`available_timezones()`);
file paths that `ZoneInfo` would also open ("posix/Europe/Copenhagen", "right/UTC", "posixrules")
are not names and are refused.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())  # reads the tz database from disk: once per process


def is_valid_timezone(name: object) -> bool:
    """Whether `name` is an IANA time-zone name we accept (e.g. "Europe/Copenhagen")."""
    return isinstance(name, str) and name in _zone_names()


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The zone with this IANA name, or None if `is_valid_timezone` refuses it."""
    if not is_valid_timezone(name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The aware UTC instant of a local date and wall-clock time (08:30 stays 08:30 across DST).

    A wall-clock time inside the spring-forward gap is moved forward by the gap, as clocks do.
    """
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone).astimezone(UTC)


def local_days_before(day: date, days_before: int, at: time, zone: ZoneInfo) -> datetime:
    """The aware UTC instant of wall-clock `at` on the local date `days_before` days before `day`.

    Counted in local calendar days, so "2 days before at 12:00" is 12:00 local time even when a
    daylight-saving change lies between the deadline and the meeting.
    """
    return local_to_utc(day - timedelta(days=days_before), at, zone)


def local_naive_to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """An aware datetime unchanged (in UTC); a naive one read as local time in `zone`."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=zone).astimezone(UTC)
