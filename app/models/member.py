"""Members and their competencies (their login links and tokens are in app/models/auth.py)."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

member_competencies = Table(
    "member_competencies",
    db.metadata,
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("competency_id", ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True),
)


def normalize_email(email: str) -> str:
    """Emails are unique case-insensitively; we store them trimmed and lower-cased."""
    return (email or "").strip().lower()


class Competency(db.Model):
    """A tag such as "bookkeeping" or "web design"; shared between members."""

    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class Member(UserMixin, db.Model):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    industry: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(8), default="da")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    competencies: Mapped[list[Competency]] = relationship(
        secondary=member_competencies, order_by=Competency.name, lazy="selectin"
    )
    memberships: Mapped[list[Membership]] = relationship(  # noqa: F821
        back_populates="member", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to log in inactive members
        return self.active

    @property
    def competency_names(self) -> list[str]:
        return [c.name for c in self.competencies]

    def membership_in(self, group) -> Membership | None:  # noqa: F821
        for membership in self.memberships:
            if membership.group_id == group.id:
                return membership
        return None

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.email}>"

