"""When a member's digest of new requests is due (pure: no Flask, no database).

A digest goes out at a morning hour on the network's wall clock (`DIGEST_HOUR`, 07:00): every day
for "daily", on Mondays for "weekly". The latest such moment at or before `now` is the current
*slot*; a member is due when their last digest was sent before that slot (or never). So a daily
digest is at most one a day however often cron runs, a run that was missed (cron down at 07:00)
is caught up by the next run, and 07:00 stays 07:00 on both sides of a summer-time change (the slot
is a wall-clock time, turned into UTC for that day's offset).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DIGEST_HOUR = time(7, 0)
DIGEST_WEEKDAY = 0  # Monday
DIGEST_CHOICES = ("daily", "weekly")


def _wall_clock(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def current_slot(choice: str, now: datetime, zone: str) -> datetime | None:
    """The latest digest moment (UTC) at or before `now` for a daily or weekly choice; None for
    other choices (instant, off)."""
    if choice not in DIGEST_CHOICES:
        return None
    tz = ZoneInfo(zone)
    day = now.astimezone(tz).date()
    if choice == "weekly":
        day -= timedelta(days=(day.weekday() - DIGEST_WEEKDAY) % 7)
    slot = _wall_clock(day, DIGEST_HOUR, tz)
    if slot > now:
        slot = _wall_clock(day - timedelta(days=7 if choice == "weekly" else 1), DIGEST_HOUR, tz)
    return slot


def is_due(choice: str, last_digest_at: datetime | None, now: datetime, zone: str) -> bool:
    """Whether a member with this choice, whose last digest went at `last_digest_at`, is due."""
    slot = current_slot(choice, now, zone)
    if slot is None:
        return False
    return last_digest_at is None or last_digest_at < slot
