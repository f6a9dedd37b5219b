"""When a digest is due (app.asks.digest_rules, pure): 07:00 on the network's wall clock, every day
or on Mondays, on both sides of the summer-time changes in Europe/Copenhagen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.asks.digest_rules import current_slot, is_due

CPH = "Europe/Copenhagen"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("now", "slot"), [
    # Saturday 28 March 2026 (CET, UTC+1): 07:00 is 06:00 UTC.
    (utc(2026, 3, 28, 6, 0), utc(2026, 3, 28, 6, 0)),
    (utc(2026, 3, 28, 5, 59), utc(2026, 3, 27, 6, 0)),
    # Sunday 29 March, the clocks went forward at 02:00: 07:00 CEST is 05:00 UTC.
    (utc(2026, 3, 29, 5, 0), utc(2026, 3, 29, 5, 0)),
    (utc(2026, 3, 29, 4, 59), utc(2026, 3, 28, 6, 0)),
    # Sunday 25 October, back to CET: 07:00 is 06:00 UTC again.
    (utc(2026, 10, 25, 5, 30), utc(2026, 10, 24, 5, 0)),
    (utc(2026, 10, 25, 6, 0), utc(2026, 10, 25, 6, 0)),
])
def test_daily_slot_is_seven_on_the_wall_clock(now, slot):
    assert current_slot("daily", now, CPH) == slot


@pytest.mark.parametrize(("now", "slot"), [
    # Monday 23 March 2026, CET: 06:00 UTC; the week until Monday 30 March, CEST: 05:00 UTC.
    (utc(2026, 3, 23, 6, 0), utc(2026, 3, 23, 6, 0)),
    (utc(2026, 3, 29, 23, 0), utc(2026, 3, 23, 6, 0)),
    (utc(2026, 3, 30, 4, 59), utc(2026, 3, 23, 6, 0)),
    (utc(2026, 3, 30, 5, 0), utc(2026, 3, 30, 5, 0)),
    # Monday 19 October (CEST, 05:00 UTC) and Monday 26 October (CET, 06:00 UTC).
    (utc(2026, 10, 26, 5, 30), utc(2026, 10, 19, 5, 0)),
    (utc(2026, 10, 26, 6, 0), utc(2026, 10, 26, 6, 0)),
    (utc(2026, 10, 28, 12, 0), utc(2026, 10, 26, 6, 0)),
])
def test_weekly_slot_is_monday_seven_on_the_wall_clock(now, slot):
    assert current_slot("weekly", now, CPH) == slot


def test_due_once_per_slot():
    monday = utc(2026, 3, 30, 5, 0)
    assert is_due("weekly", None, monday, CPH)  # never had one
    assert is_due("weekly", utc(2026, 3, 23, 6, 0), monday, CPH)
    assert not is_due("weekly", monday, utc(2026, 3, 30, 9, 0), CPH)
    assert not is_due("weekly", utc(2026, 3, 30, 4, 0), utc(2026, 3, 30, 4, 59), CPH)
    assert is_due("daily", utc(2026, 3, 28, 6, 0), utc(2026, 3, 29, 5, 0), CPH)
    assert not is_due("daily", utc(2026, 3, 29, 5, 0), utc(2026, 3, 30, 4, 59), CPH)
    # A missed run is caught up by the next one (cron was down at 07:00).
    assert is_due("daily", utc(2026, 3, 27, 6, 0), utc(2026, 3, 29, 22, 0), CPH)


@pytest.mark.parametrize("choice", ["instant", "off", "", "sometimes"])
def test_other_choices_are_never_due(choice):
    assert current_slot(choice, utc(2026, 3, 30, 5, 0), CPH) is None
    assert not is_due(choice, None, utc(2026, 3, 30, 5, 0), CPH)
