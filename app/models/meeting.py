"""Meetings of a group, the series they were created from, their venues and their change history.

Design: every occurrence is its own `Meeting` row with its own identity (and its own calendar
UID later). A `MeetingSeries` only records how a run of meetings was entered (the RRULE and the
friendly choices); after creation each meeting can be edited or cancelled on its own.

Times are aware UTC (`UTCDateTime`); they are entered and shown in the group's time zone.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from urllib.parse import quote_plus

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.group import Group
from app.models.member import Member
from app.models.types import UTCDateTime, one_of, utcnow


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


# The values of app.meetings.recurrence.HolidayPolicy (models do not import features;
# tests/unit/test_model_values.py keeps the two lists equal).
HOLIDAY_POLICIES = ("ignore", "skip", "move")


class ChangeAction(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    MOVED = "moved"  # the time or the place changed
    CANCELLED = "cancelled"


def map_url_for(address: str | None) -> str | None:
    """An OpenStreetMap search link for a street address (no external scripts or tiles)."""
    address = (address or "").strip()
    if not address:
        return None
    return f"https://www.openstreetmap.org/search?query={quote_plus(address)}"


class Venue(db.Model):
    """A reusable place of a group (often a member's business) for host rotation."""

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    host_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship()
    host: Mapped[Member | None] = relationship()

    @property
    def map_url(self) -> str | None:
        return map_url_for(self.address)


class MeetingSeries(db.Model):
    """How a run of meetings was entered: the rule, the friendly spec and the policies.

    `rule` is the RRULE text (without DTSTART); `spec` the friendly choices as JSON so the
    form can be shown again. Dates are local dates in `timezone`; times are local wall-clock
    times, so 08:30 stays 08:30 across daylight-saving changes.
    """

    __tablename__ = "meeting_series"
    __table_args__ = (one_of("holiday_policy", HOLIDAY_POLICIES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict] = mapped_column(JSON, default=dict)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    doors_open_time: Mapped[time | None] = mapped_column(Time, default=None)
    timezone: Mapped[str] = mapped_column(String(64))
    skip_months: Mapped[list] = mapped_column(JSON, default=list)
    holiday_policy: Mapped[str] = mapped_column(String(20), default="skip", server_default="skip")
    holiday_country: Mapped[str] = mapped_column(String(8), default="DK")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship()
    created_by: Mapped[Member | None] = relationship()
    meetings: Mapped[list[Meeting]] = relationship(back_populates="series", order_by="Meeting.starts_at")


class Meeting(db.Model):
    """One breakfast meeting of a group.

    `series_date` is the local date the series rule produced (kept even when the meeting is
    moved), and (series_id, series_date) is unique, so creating the same series twice cannot
    make duplicates. `sequence` goes up whenever the time, the place or the status changes
    (calendar invites need it). The venue is copied onto the meeting so editing a `Venue`
    later never rewrites history.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("series_id", "series_date", name="uq_meetings_series_date"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        one_of("status", MeetingStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL"), default=None, index=True
    )
    series_date: Mapped[date | None] = mapped_column(Date, default=None)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    doors_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(String(500), default="")
    host_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)
    rsvp_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    guests_welcome: Mapped[bool] = mapped_column(Boolean, default=True)
    agenda: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.SCHEDULED.value,
                                        server_default=MeetingStatus.SCHEDULED.value)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Calendar mail (app.calendars.invites): when the invitations went out (by hand or
    # automatically); when the coalesced update to the invited is due, and what changed since the
    # last update ({field: [old, new]}, the first old and the latest new); when the reminder went.
    invitations_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    calendar_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    calendar_changes: Mapped[dict | None] = mapped_column(JSON, default=None)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Closed after it took place (by an organizer, or automatically by `flask meetings send-due`):
    # no-shows are marked and who sat with whom is recorded as encounters (app.checkin.services).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )

    group: Mapped[Group] = relationship(lazy="joined")
    series: Mapped[MeetingSeries | None] = relationship(back_populates="meetings")
    host: Mapped[Member | None] = relationship(foreign_keys=[host_member_id])
    changes: Mapped[list[MeetingChange]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingChange.id"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED.value

    @property
    def map_url(self) -> str | None:
        return map_url_for(self.venue_address)

    @property
    def timezone(self) -> str:
        return self.group.timezone

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.starts_at:%Y-%m-%d %H:%M}Z>"


class MeetingChange(db.Model):
    """One entry of a meeting's history: who did what when, with {field: [old, new]}."""

    __tablename__ = "meeting_changes"
    __table_args__ = (one_of("action", ChangeAction),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    meeting: Mapped[Meeting] = relationship(back_populates="changes")
    member: Mapped[Member | None] = relationship()
