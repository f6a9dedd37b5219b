"""The month view's grid: weeks of dates, Monday first. Pure, no Flask."""

from __future__ import annotations

import calendar
from datetime import date


def parse_month(text: str | None, today: date) -> tuple[int, int]:
    """ "2027-03" -> (2027, 3); anything unreadable or out of range means the month of `today`."""
    try:
        year_text, month_text = (text or "").split("-", 1)
        year, month = int(year_text), int(month_text)
        if 1900 <= year <= 9998 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


def default_month(today: date, next_meeting_day: date | None) -> tuple[int, int]:
    """The month the view opens on without ?month=: the month of the next meeting (a month of only
    past meetings is not where anyone looks), or the current month when none is planned."""
    day = next_meeting_day if next_meeting_day is not None and next_meeting_day > today else today
    return day.year, day.month


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_weeks(year: int, month: int) -> list[list[date]]:
    """Full weeks (Monday to Sunday) covering the month, including days of the months around it."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
