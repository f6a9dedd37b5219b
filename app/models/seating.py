"""Seating: the plan of tables and rounds for a meeting, and a group's standing seating rules.

- `SeatingPlan`: at most one per meeting, written whole on every save. `rounds` holds the plan as
  plain data: rounds → tables → person keys (`"m<member id>"`, `"g<meeting guest id>"`,
  `"v<check-in id>"` for a walk-in visitor; see `app.checkin.attendees`). `settings` is how the
  organizer set the tables and options (so the form can be shown again), `quality` the planner's
  report for the saved plan (new pairs, repeats, lower bound). `version` goes up on every save:
  a save based on an older version is refused (two organizers moving people at once).
- `SeatingRule`: two members of a group the planner keeps apart (competitors) or together.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.group import Group
from app.models.meeting import Meeting
from app.models.member import Member
from app.models.types import UTCDateTime, one_of, utcnow

MAX_ROUNDS = 4


class SeatingPlan(db.Model):
    __tablename__ = "seating_plans"
    __table_args__ = (
        CheckConstraint(f"round_count >= 1 AND round_count <= {MAX_ROUNDS}", name="round_count_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    round_count: Mapped[int] = mapped_column(Integer, default=1)
    # [[["m12", "g3", ...], ...tables], ...rounds]
    rounds: Mapped[list] = mapped_column(JSON, default=list)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    quality: Mapped[dict] = mapped_column(JSON, default=dict)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)
    # Shown to the members (their "mine borde") and on the big screen from this moment.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    meeting: Mapped[Meeting] = relationship()


class SeatingRuleKind(enum.StrEnum):
    APART = "apart"  # never at the same table (competitors)
    TOGETHER = "together"  # at the same table in the first round


class SeatingRule(db.Model):
    __tablename__ = "seating_rules"
    __table_args__ = (
        UniqueConstraint("group_id", "member_a_id", "member_b_id", name="uq_seating_rules_pair"),
        CheckConstraint("member_a_id < member_b_id", name="ordered_pair"),
        one_of("kind", SeatingRuleKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    member_a_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    member_b_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)

    group: Mapped[Group] = relationship()
    member_a: Mapped[Member] = relationship(foreign_keys=[member_a_id])
    member_b: Mapped[Member] = relationship(foreign_keys=[member_b_id])
