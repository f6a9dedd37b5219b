"""What visitors send from the public pages: "kom som gæst / bliv medlem" (app.public)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.group import Group
from app.models.meeting import Meeting
from app.models.member import Member
from app.models.types import LANGUAGE_CODES, UTCDateTime, one_of, utcnow


class VisitorRequestKind(enum.StrEnum):
    GUEST = "guest"  # would like to come to a meeting as a guest
    MEMBER = "member"  # would like to become a member


class VisitorRequest(db.Model):
    """A visitor's wish to come as a guest or to join, sent to the group's organizers.

    Personal data of someone who is not a member: deleted by `flask privacy purge` after
    VISITOR_REQUEST_RETENTION_DAYS (docs/privacy.md)."""

    __tablename__ = "visitor_requests"
    __table_args__ = (
        one_of("kind", VisitorRequestKind),
        one_of("language", LANGUAGE_CODES),
        Index("ix_visitor_requests_group_created", "group_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default=VisitorRequestKind.GUEST.value)
    # The meeting a guest would like to come to (None: the next one that suits, or joining).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"),
                                                   default=None)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="da", server_default="da")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # An organizer marked it as taken care of.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"),
                                                      default=None)

    group: Mapped[Group] = relationship(lazy="joined")
    meeting: Mapped[Meeting | None] = relationship()
    handled_by: Mapped[Member | None] = relationship()
