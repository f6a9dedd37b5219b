"""Changing meetings and recording it: the input shape (`MeetingData`), the rules every change
obeys (no edits of cancelled meetings; no typo that moves a meeting into the past; a past meeting
can be corrected), applying validated values with the change history entry, the calendar SEQUENCE
bump in SQL, and announcing the change (`app.events`).

Shared by `services` (one meeting) and `series` (many); imports neither. Nothing here commits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import update

from app import events
from app.errors import ValidationFailed
from app.extensions import db
from app.meetings.validation import FieldErrors, clean_text
from app.models import ChangeAction, Meeting, MeetingChange, MeetingStatus, utcnow

# Changing one of these changes where or when people must be, so calendars need a new SEQUENCE.
MOVE_FIELDS = ("starts_at", "ends_at", "venue_name", "venue_address", "online_url")


@dataclass
class MeetingData:
    """What an organizer enters for one meeting; local date and wall-clock times."""

    title: str = ""
    date: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    doors_open_time: time | None = None
    venue_name: str = ""
    venue_address: str = ""
    host_member_id: int | None = None
    online_url: str = ""
    capacity: int | None = None
    rsvp_deadline: datetime | None = None  # naive = local time in the meeting's zone
    guests_welcome: bool = True
    agenda: str = ""
    timezone: str | None = None  # the zone the times are entered in; the group's by default


MEETING_FIELDS = tuple(f.name for f in dataclasses.fields(MeetingData))


def as_meeting_dict(data: MeetingData | Mapping[str, Any]) -> dict[str, Any]:
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return dataclasses.asdict(data)
    if isinstance(data, Mapping):
        return {k: v for k, v in data.items() if k in MEETING_FIELDS}
    raise TypeError("meeting data must be MeetingData or a mapping")


def meeting_data_for(meeting: Meeting) -> MeetingData:
    """The meeting's current values as local input data (to fill an edit form or merge a PATCH)."""
    zone = ZoneInfo(meeting.group.timezone)
    start = meeting.starts_at.astimezone(zone)
    return MeetingData(
        title=meeting.title,
        date=start.date(),
        start_time=start.time().replace(tzinfo=None),
        end_time=meeting.ends_at.astimezone(zone).time().replace(tzinfo=None),
        doors_open_time=(
            meeting.doors_open_at.astimezone(zone).time().replace(tzinfo=None)
            if meeting.doors_open_at
            else None
        ),
        venue_name=meeting.venue_name,
        venue_address=meeting.venue_address,
        host_member_id=meeting.host_member_id,
        online_url=meeting.online_url,
        capacity=meeting.capacity,
        rsvp_deadline=(
            meeting.rsvp_deadline.astimezone(zone).replace(tzinfo=None) if meeting.rsvp_deadline else None
        ),
        guests_welcome=meeting.guests_welcome,
        agenda=meeting.agenda,
        timezone=meeting.group.timezone,
    )


def ensure_not_cancelled(meeting: Meeting) -> None:
    """A cancelled meeting is history; refuse to change it."""
    if meeting.is_cancelled:
        raise ValidationFailed(
            _("This meeting is cancelled and can no longer be changed."),
            fields={"status": [_("The meeting is cancelled.")]},
        )


def past_start_message() -> str:
    return _(
        "The date is in the past. Please check the date, or tick \"Record a meeting that has "
        "already taken place\" to record a past meeting."
    )


def check_not_moved_into_past(
    starts_at: datetime, *, was_past: bool = False, record_past: bool = False, now: datetime | None = None
) -> None:
    """Refuse a start in the past (a typo such as 1900 for 2027) unless the organizer records a past
    meeting on purpose (`record_past`) or corrects a meeting that already took place (`was_past`)."""
    if record_past or was_past or starts_at >= (now or utcnow()):
        return
    raise ValidationFailed(past_start_message(), fields={"date": [past_start_message()]})


def ensure_editable(meeting: Meeting, *, now: datetime | None = None) -> None:
    """For sign-up related actions and cancelling: cancelled and past meetings are refused.
    (Organizers may still correct a past meeting's details: see `ensure_not_cancelled`.)"""
    ensure_not_cancelled(meeting)
    if meeting.ends_at <= (now or utcnow()):
        raise ValidationFailed(
            _("This meeting is over and can no longer be changed."),
            fields={"date": [_("The meeting is in the past.")]},
        )


def clean_reason(reason: str | None) -> str:
    errors = FieldErrors()
    reason = clean_text(reason, "reason", errors, max_length=2000)
    errors.raise_if_any()
    return reason


def bump_sequence(meeting: Meeting) -> None:
    """SEQUENCE + 1 in SQL (`sequence = sequence + 1`), so concurrent bumps all count."""
    db.session.flush()
    db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id)
        .values(sequence=Meeting.sequence + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(meeting, ["sequence"])


def record_created(meeting: Meeting, user, changes: dict) -> None:
    """Log a new (flushed) meeting and announce it."""
    log_change(meeting, user, ChangeAction.CREATED, changes)
    db.session.flush()
    events.meeting_created.send(meeting)


def cancel_one(meeting: Meeting, user, reason: str, *, scope: str = events.SCOPE_THIS) -> None:
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.cancelled_at = utcnow()
    meeting.cancel_reason = reason
    bump_sequence(meeting)
    log_change(
        meeting,
        user,
        ChangeAction.CANCELLED,
        {
            "status": [MeetingStatus.SCHEDULED.value, MeetingStatus.CANCELLED.value],
            **({"cancel_reason": ["", reason]} if reason else {}),
        },
    )
    db.session.flush()
    events.meeting_cancelled.send(meeting, reason=reason, scope=scope)


def apply_changes(
    meeting: Meeting, values: Mapping[str, Any], user, *, scope: str = events.SCOPE_THIS
) -> dict[str, list]:
    """Set validated column values, bump `sequence` on a move, log the diff, announce it.

    Returns the diff ({column: [old, new]}, empty when nothing changed)."""
    changes: dict[str, list] = {}
    for name, new in values.items():
        old = getattr(meeting, name)
        if old != new:
            changes[name] = [jsonable(old), jsonable(new)]
            setattr(meeting, name, new)
    if changes:
        moved = any(name in changes for name in MOVE_FIELDS)
        meeting.updated_at = utcnow()
        if moved:
            bump_sequence(meeting)
        log_change(meeting, user, ChangeAction.MOVED if moved else ChangeAction.UPDATED, changes)
        db.session.flush()
        events.meeting_changed.send(meeting, fields=changes, scope=scope)
    return changes


def log_change(meeting: Meeting, user, action: ChangeAction, changes: dict) -> None:
    member_id = user.id if getattr(user, "is_authenticated", False) else None
    db.session.add(
        MeetingChange(meeting=meeting, member_id=member_id, at=utcnow(), action=action.value, changes=changes)
    )


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value
