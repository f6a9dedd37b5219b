"""Invitations to join a group: the invitee agrees before their details are shared with it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.group import Group, Role
from app.models.member import Member
from app.models.types import UTCDateTime, utcnow


class GroupInvitation(db.Model):
    """An invitation mailed to an address; only the SHA-256 of its token is stored.

    It is pending until it is accepted, declined, withdrawn (revoked) or expires; exactly one
    of accepted_at, declined_at and revoked_at is ever set.
    """

    __tablename__ = "group_invitations"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'organizer')", name="role"),
        Index("ix_group_invitations_group_email", "group_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    # What the organizer typed; shown to the organizer and prefilled for a new account.
    name: Mapped[str] = mapped_column(String(200), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER.value, server_default="member")
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)

    group: Mapped[Group] = relationship(lazy="joined")
    invited_by: Mapped[Member | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def is_open(self) -> bool:
        """Neither accepted, declined nor withdrawn (it may still have expired)."""
        return self.accepted_at is None and self.declined_at is None and self.revoked_at is None

    def is_pending(self, now: datetime | None = None) -> bool:
        return self.is_open and self.expires_at > (now or utcnow())
