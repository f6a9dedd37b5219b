"""The durable mail outbox: a message is written in the same transaction as its cause."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, one_of, utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # refused for good, or failing for OUTBOX_GIVE_UP_AFTER_HOURS


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
        one_of("status", OutboxStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The RFC 5322 Message-ID, fixed at enqueue time so a retry is recognisably the same mail.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(40), default="")
    sender: Mapped[str] = mapped_column(String(320))
    recipients: Mapped[str] = mapped_column(Text)  # comma-separated envelope recipients
    subject: Mapped[str] = mapped_column(String(500))
    raw: Mapped[str] = mapped_column(Text)  # the complete MIME message as sent
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING.value,
                                        server_default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # When the current run of failed attempts began (None while not failing): the worker gives up
    # OUTBOX_GIVE_UP_AFTER_HOURS later. A pending message whose next_attempt_at lies ahead is
    # either waiting after a failure or claimed by a worker (the lease ends then).
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # How a sent message left: "smtp", or "captured" (development without MAIL_SERVER, see /dev/mail).
    transport: Mapped[str] = mapped_column(String(20), default="")

    @property
    def recipient_list(self) -> list[str]:
        return [r for r in self.recipients.split(",") if r]
