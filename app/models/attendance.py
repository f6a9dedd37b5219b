"""Who came to a meeting: check-ins at the door (or by the member's own phone), walk-in visitors,
and the no-shows recorded when the meeting is closed.

- `CheckIn`: one row per person who is here. A member (`member_id`), a guest or substitute who
  signed up (`guest_id`, a `MeetingGuest`), or a walk-in visitor nobody signed up (neither: their
  `name`, `email` and `company` are on the row, and `brought_by_id` names the member who brought
  them, if any). Undoing a check-in deletes the row.
- No-shows: when a meeting is closed (`Meeting.closed_at`), everyone who was `going` and did not
  check in gets `Rsvp.no_show` / `MeetingGuest.no_show`; organizers can correct it afterwards.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.meeting import Meeting
from app.models.member import Member
from app.models.rsvp import MeetingGuest
from app.models.types import UTCDateTime, one_of, utcnow


class CheckInVia(enum.StrEnum):
    DOOR = "door"  # an organizer (or whoever holds the door tablet) checked them in
    SELF = "self"  # the member scanned the meeting's QR code and checked in on their own phone
    API = "api"
    CORRECTION = "correction"  # an organizer corrected the attendance after the meeting


class CheckIn(db.Model):
    __tablename__ = "check_ins"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id", name="uq_check_ins_meeting_member"),
        UniqueConstraint("meeting_id", "guest_id", name="uq_check_ins_meeting_guest"),
        CheckConstraint("member_id IS NULL OR guest_id IS NULL", name="one_person"),
        CheckConstraint("member_id IS NOT NULL OR guest_id IS NOT NULL OR name <> ''", name="visitor_named"),
        one_of("via", CheckInVia),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None, index=True)
    guest_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_guests.id", ondelete="CASCADE"), default=None)
    # A walk-in visitor (neither a member nor a signed-up guest): who they are.
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    company: Mapped[str] = mapped_column(String(200), default="", server_default="")
    brought_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)
    # A member who had not signed up, or a visitor: came without being expected.
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    via: Mapped[str] = mapped_column(String(20), default=CheckInVia.DOOR.value,
                                     server_default=CheckInVia.DOOR.value)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)

    meeting: Mapped[Meeting] = relationship()
    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
    guest: Mapped[MeetingGuest | None] = relationship()
    brought_by: Mapped[Member | None] = relationship(foreign_keys=[brought_by_id])
    checked_in_by: Mapped[Member | None] = relationship(foreign_keys=[checked_in_by_id])

    def __repr__(self) -> str:
        who = f"member {self.member_id}" if self.member_id else f"guest {self.guest_id or self.name!r}"
        return f"<CheckIn m{self.meeting_id} {who}>"
