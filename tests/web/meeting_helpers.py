"""Helpers for the meeting and series tests: expected status by role, counting meetings.

The meeting world itself is tests/factories.py build_meeting_world()."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Meeting

READ_EXPECT = {"anonymous": 404, "outsider": 404, "member": 200, "organizer": 200, "admin": 200}
MANAGE_EXPECT = {"anonymous": 302, "outsider": 404, "member": 403, "organizer": 200, "admin": 200}


def meeting_count() -> int:
    return db.session.scalar(select(func.count(Meeting.id)))


# Request bodies shared by the meeting, series, API and validation tests.

API_NEW_MEETING = {
    "title": "Frokostmøde",
    "date": "2031-01-15",
    "start_time": "08:30",
    "end_time": "10:00",
    "doors_open_time": "08:00",
    "venue_name": "Revisorhuset",
    "venue_address": "Bredgade 12, 7400 Herning",
    "capacity": 30,
    "rsvp_deadline": "2031-01-14T12:00",
    "guests_welcome": True,
    "agenda": "Velkommen.",
}

# Third Wednesday of each month of 2031, 08:30-10:00, doors 08:00, no meetings in July.
API_SERIES = {
    "title": "Kaffeklub",
    "frequency": "monthly_nth_weekday",
    "nth": 3,
    "weekday": 2,
    "starts_on": "2031-01-01",
    "ends_on": "2031-12-31",
    "start_time": "08:30",
    "end_time": "10:00",
    "doors_open_time": "08:00",
    "skip_months": [7],
    "holiday_policy": "skip",
    "venue_name": "Erhvervshuset",
    "venue_address": "Fredhøjvej 1, 7400 Herning",
    "capacity": 40,
}

# Third Wednesday of each month of 2031, 08:30-10:00, doors 08:00, no meetings in July.
WEB_SERIES = {
    "title": "Kaffeklub",
    "frequency": "monthly_nth_weekday",
    "nth": "3",
    "weekday": "2",
    "interval": "",
    "day_of_month": "",
    "rrule": "",
    "starts_on": "2031-01-01",
    "ends_on": "2031-12-31",
    "start_time": "08:30",
    "end_time": "10:00",
    "doors_open_time": "08:00",
    "timezone": "Europe/Copenhagen",
    "skip_months": ["7"],
    "holiday_policy": "skip",
    "venue_name": "Erhvervshuset",
    "venue_address": "Fredhøjvej 1, 7400 Herning",
    "capacity": "40",
    "guests_welcome": "y",
    "agenda": "Netværk og kaffe",
}
