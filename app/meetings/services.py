"""Meeting use cases: list, show, create, edit, cancel. The only place that commits meetings.

Inputs are plain data (`MeetingData` or a dict with the same keys), so the web forms and the JSON
API call the same functions. Dates and times in the input are LOCAL (the group's zone unless a
`timezone` is given); naive datetimes (the RSVP deadline) are read as local time too.
Validation errors raise `ValidationFailed(message, fields={name: [msgs]})` with the names of
`MeetingData`'s fields, which are also the form field names.

Use cases that change a meeting take its id (a loaded Meeting is accepted too) and load it
themselves under a row lock (`app.db_locks`), so concurrent edits queue up instead of overwriting
each other. They announce what happened through `app.events` after the change is flushed and
before they commit.

Dependencies run one way: `access` (who may, loading, locks) and `changes` (applying and recording
a change) are shared by this module and `app.meetings.series`; neither imports back. Series use
cases are re-exported here so callers need one import.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import events
from app.auth import permissions
from app.extensions import db
from app.meetings import history, series
from app.meetings.access import (
    can_manage,
    get_group_to_manage,
    get_meeting,
    get_meeting_to_manage,
    get_visible_group,
    lock_meeting_to_manage,
    require_manage,
)
from app.meetings.changes import (
    MEETING_FIELDS,
    MOVE_FIELDS,
    MeetingData,
    apply_changes,
    as_meeting_dict,
    cancel_one,
    check_not_moved_into_past,
    clean_reason,
    ensure_editable,
    ensure_not_cancelled,
    jsonable,
    log_change,
    meeting_data_for,
    record_created,
)
from app.meetings.history import HistoryEntry
from app.meetings.series import (
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
from app.meetings.validation import FieldErrors, validate_meeting
from app.models import (
    Group,
    Meeting,
    MeetingChange,
    MeetingSeries,
    MeetingStatus,
    Member,
    Membership,
    utcnow,
)
from app.pagination import Page, paginate

# --- reading -----------------------------------------------------------------------------------


def list_meetings(
    user, group: Group, from_: datetime | None = None, to: datetime | None = None
) -> list[Meeting]:
    """The group's meetings starting in [from_, to), cancelled ones included, for whoever may see it."""
    return list(db.session.scalars(_meetings_between(user, group, from_, to)).all())


def _meetings_between(user, group: Group, from_: datetime | None, to: datetime | None):
    """The query behind list_meetings and list_meetings_page, in start order (visibility checked)."""
    permissions.require_group_visible(user, group)
    query = select(Meeting).where(Meeting.group_id == group.id).options(selectinload(Meeting.host))
    if from_ is not None:
        query = query.where(Meeting.starts_at >= _aware(from_))
    if to is not None:
        query = query.where(Meeting.starts_at < _aware(to))
    return query.order_by(Meeting.starts_at, Meeting.id)


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


PAST_PER_PAGE = 12  # a year of monthly meetings


def list_past(user, group: Group, *, now: datetime | None = None, page: int = 1,
              per_page: int = PAST_PER_PAGE) -> Page:
    """One page of the meetings that have ended, newest first (a Page iterates like a list)."""
    permissions.require_group_visible(user, group)
    now = now or utcnow()
    query = (
        select(Meeting)
        .where(Meeting.group_id == group.id, Meeting.ends_at <= now)
        .options(selectinload(Meeting.host))
        .order_by(Meeting.starts_at.desc(), Meeting.id)
    )
    return paginate(query, page, per_page)


def list_meetings_page(user, group: Group, from_: datetime | None, to: datetime | None, *,
                       page: int, per_page: int) -> Page:
    """list_meetings, one page at a time (the API); a page past the end is empty."""
    return paginate(_meetings_between(user, group, from_, to), page, per_page, clamp=False)


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
    """The member's coming meetings across all their groups, soonest first. Cancelled ones stay
    in the list (marked cancelled, with the reason) until they would have ended."""
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
        )
        .options(selectinload(Meeting.group))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    )
    return list(db.session.scalars(query).all())


def next_meeting(group: Group, *, now: datetime | None = None) -> Meeting | None:
    """The group's next scheduled meeting that has not ended (cancelled ones do not count)."""
    query = (
        select(Meeting)
        .where(
            Meeting.group_id == group.id,
            Meeting.ends_at > (now or utcnow()),
            Meeting.status == MeetingStatus.SCHEDULED.value,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )
    return db.session.scalar(query)


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


# --- writing -----------------------------------------------------------------------------------


def create_meeting(
    user, group: Group, data: MeetingData | Mapping[str, Any], *, record_past: bool = False
) -> Meeting:
    """Create one meeting (not part of a series), log it and announce it. A start in the past is
    refused unless `record_past` (an organizer records a meeting that already took place)."""
    require_manage(user, group)
    values = validate_meeting(group, as_meeting_dict(data))
    check_not_moved_into_past(values["starts_at"], record_past=record_past)
    series.check_same_day(group, values["starts_at"], allow=series.same_day_allowed(data))
    meeting = Meeting(group=group, status=MeetingStatus.SCHEDULED.value, sequence=0, **values)
    db.session.add(meeting)
    db.session.flush()
    record_created(meeting, user, {k: [None, jsonable(v)] for k, v in values.items()})
    db.session.commit()
    return meeting


def update_meeting(
    user, meeting: Meeting | int, data: MeetingData | Mapping[str, Any], *, record_past: bool = False
) -> Meeting:
    """Change one meeting. A mapping may hold only the fields to change (PATCH semantics), merged
    onto the meeting as it is in the database once locked.

    A meeting that took place can still be corrected (title, venue, host, agenda, times: each
    correction is in its history); a cancelled one cannot. Moving a coming meeting to a start in
    the past is refused unless `record_past`."""
    meeting = lock_meeting_to_manage(user, meeting)
    ensure_not_cancelled(meeting)
    now = utcnow()
    was_past = meeting.ends_at <= now
    merged = dataclasses.asdict(meeting_data_for(meeting))
    merged.update(as_meeting_dict(data))
    values = validate_meeting(meeting.group, merged)
    if values["starts_at"] != meeting.starts_at:
        check_not_moved_into_past(values["starts_at"], was_past=was_past, record_past=record_past, now=now)
    series.check_same_day(
        meeting.group,
        values["starts_at"],
        exclude_id=meeting.id,
        previous_start=meeting.starts_at,
        allow=series.same_day_allowed(data),
    )
    apply_changes(meeting, values, user, scope=events.SCOPE_THIS)
    db.session.commit()
    return meeting


def cancel_meeting(user, meeting: Meeting | int, reason: str = "") -> Meeting:
    """Cancel one meeting (it stays visible, marked cancelled); a second cancel is refused."""
    meeting = lock_meeting_to_manage(user, meeting)
    ensure_editable(meeting)
    reason = clean_reason(reason)
    cancel_one(meeting, user, reason, scope=events.SCOPE_THIS)
    db.session.commit()
    return meeting


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = [
    "MOVE_FIELDS",
    "apply_changes",
    "cancel_one",
    "clean_reason",
    "log_change",
    "series",
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
    "cancel_meeting",
    "cancel_rest_of_series",
    "create_meeting",
    "create_series",
    "ensure_editable",
    "ensure_not_cancelled",
    "get_group_to_manage",
    "get_meeting",
    "get_meeting_to_manage",
    "get_series_to_manage",
    "get_visible_group",
    "group_host_choices",
    "list_meetings",
    "list_past",
    "list_meetings_page",
    "list_upcoming",
    "list_venues",
    "meeting_data_for",
    "meeting_history",
    "meeting_history_entries",
    "next_meeting",
    "preview_series",
    "series_meetings",
    "update_following",
    "update_meeting",
    "upcoming_meetings_for",
    "validate_meeting",
]
