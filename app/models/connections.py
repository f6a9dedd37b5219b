"""Who met whom: encounters at the tables, and 1-to-1 meetings between two members.

- `Encounter`: two members sat at the same table in a round of a meeting. Written when the meeting
  is closed (from its seating plan and check-ins), once per pair and round; `member_a_id` is the
  smaller id. Being at the same meeting without sharing a table is the weaker tie; it is read from
  the check-ins, not stored here.
- `OneToOne`: a member logs (or proposes) a 1-to-1 with another member; the other confirms or
  declines. Only confirmed 1-to-1s count as a tie.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.meeting import Meeting
from app.models.member import Member
from app.models.types import UTCDateTime, one_of, utcnow


class Encounter(db.Model):
    __tablename__ = "encounters"
    __table_args__ = (
        UniqueConstraint("meeting_id", "round", "member_a_id", "member_b_id",
                         name="uq_encounters_pair_round"),
        CheckConstraint("member_a_id < member_b_id", name="ordered_pair"),
        CheckConstraint("round >= 1", name="round_positive"),
        Index("ix_encounters_a_b", "member_a_id", "member_b_id"),
        Index("ix_encounters_b", "member_b_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    table_no: Mapped[int] = mapped_column(Integer, default=1)
    member_a_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    member_b_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    met_on: Mapped[date] = mapped_column(Date)  # the meeting's local date
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    member_a: Mapped[Member] = relationship(foreign_keys=[member_a_id])
    member_b: Mapped[Member] = relationship(foreign_keys=[member_b_id])


class OneToOneStatus(enum.StrEnum):
    PROPOSED = "proposed"  # waiting for the other member to confirm
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # withdrawn by the one who logged it


class OneToOne(db.Model):
    __tablename__ = "one_to_ones"
    __table_args__ = (
        CheckConstraint("proposer_id <> partner_id", name="two_people"),
        one_of("status", OneToOneStatus),
        Index("ix_one_to_ones_partner", "partner_id"),
        Index("ix_one_to_ones_proposer", "proposer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    met_on: Mapped[date] = mapped_column(Date)  # local date of the 1-to-1
    # When a time is given, the calendar invitation is for that time; otherwise an all-day event.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    place: Mapped[str] = mapped_column(String(300), default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=OneToOneStatus.PROPOSED.value,
                                        server_default=OneToOneStatus.PROPOSED.value)
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # of the calendar copy
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    proposer: Mapped[Member] = relationship(foreign_keys=[proposer_id])
    partner: Mapped[Member] = relationship(foreign_keys=[partner_id])
