"""When the door and self check-in are open (app/checkin/window.py, pure: no app, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.checkin import window

START = datetime(2031, 3, 5, 7, 30, tzinfo=UTC)  # 08:30 in Copenhagen
END = START + timedelta(minutes=90)


def test_door_opens_at_the_start_of_the_local_day():
    span = window.door_window(START, None, "Europe/Copenhagen", minutes_before=90)
    assert span.opens_at == datetime(2031, 3, 4, 23, 0, tzinfo=UTC)  # midnight in Copenhagen
    assert span.closes_at is None
    assert span.state(span.opens_at - timedelta(seconds=1)) == window.BEFORE
    assert span.is_open(span.opens_at) and span.is_open(END + timedelta(days=3))


def test_door_opens_earlier_for_a_meeting_just_after_midnight():
    start = datetime(2031, 3, 5, 23, 30, tzinfo=UTC)  # 00:30 local on the 6th
    span = window.door_window(start, None, "Europe/Copenhagen", minutes_before=90)
    assert span.opens_at == start - timedelta(minutes=90)


def test_self_window_from_before_the_doors_open_to_after_the_end():
    doors = START - timedelta(minutes=30)
    span = window.self_window(START, END, doors, minutes_before=90, minutes_after=60)
    assert span.opens_at == doors - timedelta(minutes=90)
    assert span.closes_at == END + timedelta(minutes=60)
    assert span.state(span.opens_at - timedelta(seconds=1)) == window.BEFORE
    assert span.is_open(span.opens_at) and span.is_open(span.closes_at)
    assert span.state(span.closes_at + timedelta(seconds=1)) == window.AFTER


def test_a_doors_open_time_after_the_start_is_ignored():
    assert window.arrival(START, START + timedelta(minutes=5)) == START
    assert window.arrival(START, None) == START
