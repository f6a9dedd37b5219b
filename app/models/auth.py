"""Login links, API tokens, per-login sessions and the login attempts that rate limits count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.member import Member
from app.models.types import UTCDateTime, one_of, utcnow


class LoginToken(db.Model):
    """A single-use login link; only the SHA-256 of the token is stored.

    A request for an address that is no member's stores an inert token too (member_id NULL: it
    logs nobody in and is deleted once expired), so both answers cost the same writes."""

    __tablename__ = "login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20), default="login")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Set when a newer link replaced this one, or when the member was deactivated.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    requested_ip: Mapped[str] = mapped_column(String(64), default="")

    member: Mapped[Member | None] = relationship()


class ApiToken(db.Model):
    """A personal access token for the JSON API; only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    member: Mapped[Member] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class LoginSession(db.Model):
    """One login on one device. The session and remember-me cookies carry its random token
    (stored here only as SHA-256); revoking the row ends the login wherever the cookies went."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    member: Mapped[Member] = relationship()


LOGIN_ATTEMPT_KINDS = ("link", "password")


class LoginAttempt(db.Model):
    """A request for a login link ("link") or a password attempt ("password"), kept for a day so
    the limits per address and per address and client hold across all workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_kind_email_created_at", "kind", "email", "created_at"),
        Index("ix_login_attempts_created_at", "created_at"),
        one_of("kind", LOGIN_ATTEMPT_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64), default="")
    # "link": counted against the per-address mail cap; "password": the password was right.
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
