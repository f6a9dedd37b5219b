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
