"""When a meeting takes check-ins (pure: plain datetimes in, plain answers out).

- The door (organizers and admins): from the start of the meeting's day in the group's time zone,
  or `minutes_before` before the doors open (or the start) if that is earlier, until the meeting is
  closed. Nothing closes it by the clock: the automatic close does that some hours after the end.
- Self check-in (a member with the QR code): from `minutes_before` before the doors open (or the
  start) until `minutes_after` after the end, and never once the meeting is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

BEFORE = "before"
OPEN = "open"
AFTER = "after"


@dataclass(frozen=True, slots=True)
class Window:
    opens_at: datetime
    closes_at: datetime | None  # None: open until the meeting is closed

    def state(self, now: datetime) -> str:
        if now < self.opens_at:
            return BEFORE
        if self.closes_at is not None and now > self.closes_at:
            return AFTER
        return OPEN

    def is_open(self, now: datetime) -> bool:
        return self.state(now) == OPEN


def arrival(starts_at: datetime, doors_open_at: datetime | None) -> datetime:
    """When people start to arrive: the doors-open time if it is before the start."""
    if doors_open_at is not None and doors_open_at < starts_at:
        return doors_open_at
    return starts_at


def door_window(starts_at: datetime, doors_open_at: datetime | None, zone: str, *,
                minutes_before: int) -> Window:
    local_day = starts_at.astimezone(ZoneInfo(zone)).date()
    day_start = datetime.combine(local_day, time(0, 0), ZoneInfo(zone))
    early = arrival(starts_at, doors_open_at) - timedelta(minutes=minutes_before)
    return Window(min(day_start, early), None)


def self_window(starts_at: datetime, ends_at: datetime, doors_open_at: datetime | None, *,
                minutes_before: int, minutes_after: int) -> Window:
    return Window(arrival(starts_at, doors_open_at) - timedelta(minutes=minutes_before),
                  ends_at + timedelta(minutes=minutes_after))
