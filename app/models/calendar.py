"""Calendar invitations sent per person and meeting, private member feeds, and inbound mail.

- `MeetingInvite`: one row per person (a member, or a guest/substitute) who got an iMIP
  invitation for a meeting. It remembers what their calendar copy looks like (active or cancelled,
  the PARTSTAT we last wrote, the SEQUENCE last sent), so updates go only to people who hold an
  active copy, each SEQUENCE is higher than the one before, and nobody is invited twice.
- `CalendarFeed`: a member's private feed (`/calendar/<token>.ics`). The token is derived from a
  random `nonce` and the app's secret (so the profile can show the address again), and only its
  SHA-256 is stored for the lookup; rotating picks a new nonce, and the old address answers 404.
- `InboundMail`: every message that came in to the reply address (an iMIP REPLY or anything
  else), kept raw (up to a size limit) with what was done with it, for an admin to look at.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.meeting import Meeting
from app.models.member import Member
from app.models.rsvp import MeetingGuest
from app.models.types import UTCDateTime, one_of, utcnow


class InviteState(enum.StrEnum):
    ACTIVE = "active"  # the event is (as far as we know) in their calendar
    CANCELLED = "cancelled"  # we sent a CANCEL for their copy (afbud, meeting cancelled, left)


class PartStat(enum.StrEnum):
    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    TENTATIVE = "TENTATIVE"
    DECLINED = "DECLINED"


class MeetingInvite(db.Model):
    __tablename__ = "meeting_invites"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id", name="uq_meeting_invites_meeting_member"),
        UniqueConstraint("meeting_id", "guest_id", name="uq_meeting_invites_meeting_guest"),
        CheckConstraint("(member_id IS NULL) <> (guest_id IS NULL)", name="member_or_guest"),
        one_of("state", InviteState),
        one_of("partstat", PartStat),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None, index=True)
    guest_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_guests.id", ondelete="CASCADE"), default=None)
    # The address and name the invitation went to (the ATTENDEE): a REPLY must name this address.
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(20), default=InviteState.ACTIVE.value,
                                       server_default=InviteState.ACTIVE.value)
    # The PARTSTAT written into their copy in the last message (ACCEPTED when going, TENTATIVE when
    # waitlisted, NEEDS-ACTION before they answered).
    partstat: Mapped[str] = mapped_column(String(20), default=PartStat.NEEDS_ACTION.value,
                                          server_default=PartStat.NEEDS_ACTION.value)
    # The SEQUENCE of the last REQUEST/CANCEL sent to this person; the next one is higher.
    sequence_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    meeting: Mapped[Meeting] = relationship()
    member: Mapped[Member | None] = relationship()
    guest: Mapped[MeetingGuest | None] = relationship()


class CalendarFeed(db.Model):
    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    show_declined: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    member: Mapped[Member] = relationship()


class InboundOutcome(enum.StrEnum):
    APPLIED = "applied"  # a REPLY that changed (or confirmed) an answer
    DUPLICATE = "duplicate"  # the same message came in before: nothing done again
    IGNORED = "ignored"  # understood but not acted on (REFRESH, COUNTER, no calendar part, ...)
    REJECTED = "rejected"  # not acceptable (bad token, unknown UID, not invited, malformed)
    ERROR = "error"  # our failure while handling it (logged; the message is kept)


class InboundMail(db.Model):
    __tablename__ = "inbound_mails"
    __table_args__ = (one_of("outcome", InboundOutcome),)

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(20), default="ingest")  # ingest | receive | fetch
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the raw bytes: duplicates
    message_id: Mapped[str] = mapped_column(String(500), default="")
    sender: Mapped[str] = mapped_column(String(320), default="")  # the From header, as given
    recipient: Mapped[str] = mapped_column(String(320), default="")  # the reply address it came to
    subject: Mapped[str] = mapped_column(String(500), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)  # bytes received
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # at most INBOUND_KEEP_BYTES of it
    truncated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")  # what was done, or why not
    partstat: Mapped[str] = mapped_column(String(20), default="")
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), default=None)
    invite_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_invites.id", ondelete="SET NULL"), default=None)

    member: Mapped[Member | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
