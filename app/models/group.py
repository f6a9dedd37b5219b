"""Groups (the kaffeklubber of a network) and memberships with a role."""

from __future__ import annotations

import enum
from datetime import datetime, time

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.member import Member
from app.models.rsvp import RsvpMode
from app.models.types import UTCDateTime, one_of, utcnow


class Role(enum.StrEnum):
    MEMBER = "member"
    ORGANIZER = "organizer"


RSVP_MODES = tuple(mode.value for mode in RsvpMode)
MAX_GUEST_LIMIT = 10
MAX_INVITE_DAYS_BEFORE = 90


class IndustryRule(enum.StrEnum):
    """Industry exclusivity: may a group have two members of the same industry?"""

    OFF = "off"  # yes
    WARN = "warn"  # yes, but whoever adds the second one is warned
    BLOCK = "block"  # no, unless an admin overrides it (recorded in the member's history)


class Group(db.Model):
    __tablename__ = "groups"
    __table_args__ = (
        one_of("rsvp_mode", RSVP_MODES),
        one_of("industry_rule", IndustryRule),
        CheckConstraint(f"guest_limit >= 0 AND guest_limit <= {MAX_GUEST_LIMIT}", name="guest_limit_range"),
        CheckConstraint(f"invite_days_before IS NULL OR (invite_days_before >= 0 AND invite_days_before <= "
                        f"{MAX_INVITE_DAYS_BEFORE})", name="invite_days_before_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Copenhagen")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # How meetings are answered: "opt_in" (sign up to come) or "expected" (come unless afbud).
    rsvp_mode: Mapped[str] = mapped_column(String(20), default="opt_in", server_default="opt_in")
    # How many guests one member may bring to a meeting (0: members only).
    guest_limit: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Calendar invitations go out automatically this many days before each meeting (None: only when
    # an organizer presses "Send invitations").
    invite_days_before: Mapped[int | None] = mapped_column(Integer, default=None)
    # The reminder to everyone going is sent the day before at this local time (None: no reminder).
    reminder_time: Mapped[time | None] = mapped_column(Time, default=None)
    # One member per industry? (IndustryRule; app.groups.industry)
    industry_rule: Mapped[str] = mapped_column(String(8), default=IndustryRule.OFF.value,
                                               server_default=IndustryRule.OFF.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Group {self.slug}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("member_id", "group_id", name="uq_memberships_member_group"),
        one_of("role", Role),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER.value, server_default=Role.MEMBER.value)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="memberships")
    group: Mapped[Group] = relationship(back_populates="memberships", lazy="joined")

    @property
    def is_organizer(self) -> bool:
        return self.role == Role.ORGANIZER.value
