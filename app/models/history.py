"""A member's history: who added, invited, removed, edited, deactivated or reactivated them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.group import Group
from app.models.member import Member
from app.models.types import UTCDateTime, utcnow


class MemberEvent(db.Model):
    """One thing that happened to a member's account or memberships, and who did it."""

    __tablename__ = "member_events"
    __table_args__ = (Index("ix_member_events_member_created", "member_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # Who did it; None for the system, or when that person's account was deleted.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)
    # Whether the actor was a network admin at that moment: an admin's deactivation can only be
    # undone by an admin, even if the admin later loses the flag.
    actor_is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(40))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), default=None)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    actor: Mapped[Member | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    group: Mapped[Group | None] = relationship(lazy="joined")
