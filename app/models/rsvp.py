"""Sign-ups: a member's answer to a meeting (`Rsvp`) and the guests or substitute they bring
(`MeetingGuest`).

Every seat holder (a member's answer, a guest, a substitute) has its own status and its own place
in line (`queue_seq`, the arrival order): a party is "the member first", so a member can hold a seat
while one of their guests waits. The rules live in the pure module `app.rsvp.core`; the use cases in
`app.rsvp.services` load a meeting's seat holders under the meeting's row lock and apply them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.member import Member
from app.models.types import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from app.models.meeting import Meeting


class RsvpStatus(enum.StrEnum):
    GOING = "going"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"


class GuestStatus(enum.StrEnum):
    GOING = "going"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class GuestKind(enum.StrEnum):
    GUEST = "guest"  # comes with the member
    SUBSTITUTE = "substitute"  # stedfortræder: comes instead of the member, in their seat


class RsvpMode(enum.StrEnum):
    """A group setting: how its meetings are answered."""

    OPT_IN = "opt_in"  # nobody is expected until they say yes (Meetup-style)
    EXPECTED = "expected"  # every active member is expected unless they send afbud


# How an answer arrived (shown to organizers; the calendar's buttons come with the next issue).
RSVP_CHANNELS = ("web", "link", "api", "organizer", "calendar", "system")


class Rsvp(db.Model):
    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id", name="uq_rsvps_meeting_member"),
        one_of("status", RsvpStatus),
        one_of("via", RSVP_CHANNELS),
        Index("ix_rsvps_member_meeting", "member_id", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    # Arrival order in line (smaller comes first); set when the member takes or asks for a seat.
    queue_seq: Mapped[int] = mapped_column(Integer, default=0)
    # An organizer put this person in a seat above the capacity on purpose.
    forced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    message: Mapped[str] = mapped_column(Text, default="")  # the afbud message
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    via: Mapped[str] = mapped_column(String(20), default="web", server_default="web")
    # Was going but did not check in (set when the meeting is closed; organizers can correct it).
    no_show: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    answered_by: Mapped[Member | None] = relationship(foreign_keys=[answered_by_id])
    guests: Mapped[list[MeetingGuest]] = relationship(
        back_populates="rsvp", cascade="all, delete-orphan", order_by="MeetingGuest.id"
    )

    @property
    def active_guests(self) -> list[MeetingGuest]:
        return [g for g in self.guests if g.status != GuestStatus.CANCELLED.value]

    def __repr__(self) -> str:
        return f"<Rsvp m{self.meeting_id} member {self.member_id} {self.status}>"


class MeetingGuest(db.Model):
    """A guest a member brings, or the substitute who comes in their place."""

    __tablename__ = "meeting_guests"
    __table_args__ = (
        one_of("status", GuestStatus),
        one_of("kind", GuestKind),
        Index("ix_meeting_guests_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    rsvp_id: Mapped[int] = mapped_column(ForeignKey("rsvps.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=GuestKind.GUEST.value,
                                      server_default=GuestKind.GUEST.value)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    company: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20))
    queue_seq: Mapped[int] = mapped_column(Integer, default=0)
    forced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    no_show: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    rsvp: Mapped[Rsvp] = relationship(back_populates="guests")
    meeting: Mapped[Meeting] = relationship()

    @property
    def is_substitute(self) -> bool:
        return self.kind == GuestKind.SUBSTITUTE.value

    def __repr__(self) -> str:
        return f"<MeetingGuest {self.id} {self.kind} {self.status}>"
