"""The start page's greeting by the time of day where the member is (the network's time zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

# Local hour ranges [start, end): anything outside them (23-05) is night, greeted with "Hello".
PARTS_OF_DAY = (("morning", 5, 10), ("day", 10, 17), ("evening", 17, 23))


def part_of_day(now: datetime, zone: str) -> str:
    """'morning', 'day', 'evening' or 'night' for an aware `now` seen in `zone`; pure."""
    hour = now.astimezone(ZoneInfo(zone)).hour
    return next((name for name, start, end in PARTS_OF_DAY if start <= hour < end), "night")


def greeting(first_name: str, now: datetime, zone: str) -> str:
    """"Good morning, Anders" at 07:00 in the zone, "Hello, Anders" at 03:36."""
    part = part_of_day(now, zone)
    if part == "morning":
        return _("Good morning, %(name)s", name=first_name)
    if part == "day":
        return _("Good afternoon, %(name)s", name=first_name)
    if part == "evening":
        return _("Good evening, %(name)s", name=first_name)
    return _("Hello, %(name)s", name=first_name)
