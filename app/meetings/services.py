"""Meeting use cases: list, show, create, edit, cancel. The only place that commits meetings.

Inputs are plain data (`MeetingData` or a dict with the same keys), so the web forms and the JSON
API call the same functions. Dates and times in the input are LOCAL (the group's zone unless a
`timezone` is given); naive datetimes (the RSVP deadline) are read as local time too.
Validation errors raise `ValidationFailed(message, fields={name: [msgs]})` with the names of
`MeetingData`'s fields, which are also the form field names.

Series (create from a rule, edit "this and all following", host rotation) live in
`app.meetings.series`; they are re-exported here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth import permissions
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.meetings import history
from app.meetings.history import HistoryEntry
from app.meetings.validation import FieldErrors, clean_text, validate_meeting
from app.models import (
    ChangeAction,
    Group,
    Meeting,
    MeetingChange,
    MeetingSeries,
    MeetingStatus,
    Member,
    Membership,
    utcnow,
)

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


# --- permissions --------------------------------------------------------------------------------


def can_manage(user, group: Group) -> bool:
    """Organizers of the group and admins manage its meetings."""
    return permissions.can_manage_group(user, group)


def can_see_details(user, group: Group) -> bool:
    """Host contact details and the change history are for members and admins, not the public."""
    return permissions.can_see_group_members(user, group)


def require_manage(user, group: Group | None) -> None:
    """NotFound when the group is hidden from the user, PermissionDenied when they may not manage it."""
    permissions.require_group_visible(user, group)
    if not can_manage(user, group):
        raise PermissionDenied()


def get_group_to_manage(user, slug: str) -> Group:
    """The group, if the user may plan its meetings (NotFound when hidden, PermissionDenied else)."""
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    require_manage(user, group)
    return group


def get_visible_group(user, slug: str) -> Group:
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    return permissions.require_group_visible(user, group)


# --- reading -----------------------------------------------------------------------------------


def list_meetings(
    user, group: Group, from_: datetime | None = None, to: datetime | None = None
) -> list[Meeting]:
    """The group's meetings starting in [from_, to), cancelled ones included, for whoever may see it."""
    permissions.require_group_visible(user, group)
    query = select(Meeting).where(Meeting.group_id == group.id).options(selectinload(Meeting.host))
    if from_ is not None:
        query = query.where(Meeting.starts_at >= _aware(from_))
    if to is not None:
        query = query.where(Meeting.starts_at < _aware(to))
    return list(db.session.scalars(query.order_by(Meeting.starts_at, Meeting.id)).all())


def list_upcoming(user, group: Group, *, now: datetime | None = None) -> list[Meeting]:
    """Meetings that have not ended yet, soonest first."""
    permissions.require_group_visible(user, group)
    now = now or utcnow()
    query = (
        select(Meeting)
        .where(Meeting.group_id == group.id, Meeting.ends_at > now)
        .options(selectinload(Meeting.host))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return list(db.session.scalars(query).all())


def list_past(user, group: Group, *, now: datetime | None = None) -> list[Meeting]:
    """Meetings that have ended, newest first."""
    permissions.require_group_visible(user, group)
    now = now or utcnow()
    query = (
        select(Meeting)
        .where(Meeting.group_id == group.id, Meeting.ends_at <= now)
        .options(selectinload(Meeting.host))
        .order_by(Meeting.starts_at.desc(), Meeting.id)
    )
    return list(db.session.scalars(query).all())


def get_meeting(user, meeting_id: int) -> Meeting:
    """The meeting, or NotFound if it does not exist or its group is hidden from the user."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    permissions.require_group_visible(user, meeting.group)
    return meeting


def get_meeting_to_manage(user, meeting_id: int) -> Meeting:
    """The meeting, if the user may edit or cancel it."""
    meeting = get_meeting(user, meeting_id)
    require_manage(user, meeting.group)
    return meeting


def meeting_history(user, meeting: Meeting) -> list[MeetingChange]:
    """The change history, newest first, for the group's organizers and admins."""
    require_manage(user, meeting.group)
    return sorted(meeting.changes, key=lambda c: (c.at, c.id), reverse=True)


def meeting_history_entries(user, meeting: Meeting) -> list[HistoryEntry]:
    """The change history for people (names, local times, translated labels), newest first."""
    changes = meeting_history(user, meeting)
    names = _labels_by_id(Member.id, Member.name, history.host_ids(changes))
    titles = _labels_by_id(MeetingSeries.id, MeetingSeries.title, history.series_ids(changes))
    return history.describe_history(changes, meeting.group.timezone, names, titles)


def _labels_by_id(id_column, label_column, ids: set[int]) -> dict[int, str]:
    """{id: label} for the given ids, in one query (none when there are no ids)."""
    if not ids:
        return {}
    query = select(id_column, label_column).where(id_column.in_(ids))
    return dict(db.session.execute(query).tuples().all())


def upcoming_meetings_for(user, limit: int = 5, *, now: datetime | None = None) -> list[Meeting]:
    """The member's next scheduled meetings across all their groups, soonest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    group_ids = [m.group_id for m in user.memberships]
    if not group_ids:
        return []
    now = now or utcnow()
    query = (
        select(Meeting)
        .where(
            Meeting.group_id.in_(group_ids),
            Meeting.ends_at > now,
            Meeting.status == MeetingStatus.SCHEDULED.value,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    )
    return list(db.session.scalars(query).all())


def group_host_choices(user, group: Group) -> list[Member]:
    """Active members of the group who can be named as hosts (for organizers' forms)."""
    require_manage(user, group)
    query = (
        select(Member)
        .join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id == group.id, Member.active.is_(True))
        .order_by(Member.name)
    )
    return list(db.session.scalars(query).all())


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


# --- writing -----------------------------------------------------------------------------------


def create_meeting(user, group: Group, data: MeetingData | Mapping[str, Any]) -> Meeting:
    """Create one meeting (not part of a series) and log it."""
    require_manage(user, group)
    values = validate_meeting(group, as_meeting_dict(data))
    meeting = Meeting(group=group, status=MeetingStatus.SCHEDULED.value, sequence=0, **values)
    db.session.add(meeting)
    db.session.flush()
    log_change(meeting, user, ChangeAction.CREATED, {k: [None, _jsonable(v)] for k, v in values.items()})
    db.session.commit()
    return meeting


def update_meeting(user, meeting: Meeting, data: MeetingData | Mapping[str, Any]) -> Meeting:
    """Change one meeting. A mapping may hold only the fields to change (PATCH semantics)."""
    require_manage(user, meeting.group)
    ensure_editable(meeting)
    merged = dataclasses.asdict(meeting_data_for(meeting))
    merged.update(as_meeting_dict(data))
    values = validate_meeting(meeting.group, merged)
    apply_changes(meeting, values, user)
    db.session.commit()
    return meeting


def cancel_meeting(user, meeting: Meeting, reason: str = "") -> Meeting:
    """Cancel one meeting (it stays visible, marked cancelled); a second cancel is refused."""
    require_manage(user, meeting.group)
    ensure_editable(meeting)
    cancel_one(meeting, user, clean_reason(reason))
    db.session.commit()
    return meeting


# --- shared by the series services -------------------------------------------------------------


def ensure_editable(meeting: Meeting, *, now: datetime | None = None) -> None:
    """Cancelled and past meetings are history; refuse to change them."""
    if meeting.is_cancelled:
        raise ValidationFailed(
            _("This meeting is cancelled and can no longer be changed."),
            fields={"status": [_("The meeting is cancelled.")]},
        )
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


def cancel_one(meeting: Meeting, user, reason: str) -> None:
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.cancelled_at = utcnow()
    meeting.cancel_reason = reason
    meeting.sequence += 1
    log_change(
        meeting,
        user,
        ChangeAction.CANCELLED,
        {
            "status": [MeetingStatus.SCHEDULED.value, MeetingStatus.CANCELLED.value],
            **({"cancel_reason": ["", reason]} if reason else {}),
        },
    )


def apply_changes(meeting: Meeting, values: Mapping[str, Any], user) -> dict[str, list]:
    """Set validated column values, bump `sequence` on a move, log the diff. Returns the diff."""
    changes: dict[str, list] = {}
    for name, new in values.items():
        old = getattr(meeting, name)
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
            setattr(meeting, name, new)
    if changes:
        moved = any(name in changes for name in MOVE_FIELDS)
        if moved:
            meeting.sequence += 1
        meeting.updated_at = utcnow()
        log_change(meeting, user, ChangeAction.MOVED if moved else ChangeAction.UPDATED, changes)
    return changes


def log_change(meeting: Meeting, user, action: ChangeAction, changes: dict) -> None:
    member_id = user.id if getattr(user, "is_authenticated", False) else None
    db.session.add(
        MeetingChange(meeting=meeting, member_id=member_id, at=utcnow(), action=action.value, changes=changes)
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def as_meeting_dict(data: MeetingData | Mapping[str, Any]) -> dict[str, Any]:
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return dataclasses.asdict(data)
    if isinstance(data, Mapping):
        return {k: v for k, v in data.items() if k in MEETING_FIELDS}
    raise TypeError("meeting data must be MeetingData or a mapping")


# Series use cases, re-exported so callers need one import.
from app.meetings.series import (  # noqa: E402
    FOLLOWING_FIELDS,
    SERIES_FIELDS,
    HostAssignment,
    SeriesData,
    SeriesPlan,
    assign_hosts,
    cancel_rest_of_series,
    create_series,
    get_series_to_manage,
    list_venues,
    preview_series,
    series_meetings,
    update_following,
)

__all__ = [
    "FOLLOWING_FIELDS",
    "MEETING_FIELDS",
    "SERIES_FIELDS",
    "FieldErrors",
    "HostAssignment",
    "MeetingData",
    "SeriesData",
    "SeriesPlan",
    "assign_hosts",
    "can_manage",
    "can_see_details",
    "cancel_meeting",
    "cancel_rest_of_series",
    "create_meeting",
    "create_series",
    "ensure_editable",
    "get_group_to_manage",
    "get_meeting",
    "get_meeting_to_manage",
    "get_series_to_manage",
    "get_visible_group",
    "group_host_choices",
    "list_meetings",
    "list_past",
    "list_upcoming",
    "list_venues",
    "meeting_data_for",
    "meeting_history",
    "meeting_history_entries",
    "preview_series",
    "series_meetings",
    "update_following",
    "update_meeting",
    "upcoming_meetings_for",
    "validate_meeting",
]
