"""Local wall-clock time <-> aware UTC, in a named IANA zone. Pure, no Flask."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The zone with this IANA name, or None if there is no such zone."""
    if not name or not isinstance(name, str):
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
