"""Social capital: asking the network for help, answers, referrals, help given and thanks, and the
history of every change to them.

- `HelpRequest` ("Spørg netværket"): a member asks one or more of their groups
  (`help_request_groups`) for something, optionally with a deadline and a category, and may raise
  it at a coming meeting (`raise_at_meeting_id`). Open until the asker marks it solved (and who
  helped: `HelpRecord` rows of kind `request`), withdraws it, or its deadline passes (expired).
- `RequestAnswer`: an offer ("det kan jeg") or a referral ("tal med Bo", `referred_member_id` or a
  free-text `referred_name`), public on the request or `private` (only the asker and the author).
- `Referral`: a member gives another member of a shared group a contact; the receiver moves it
  through new → contacted → won | lost.
- `HelpRecord`: help given and received that is not business (advice, an introduction, a lent
  room, a solved request).
- `Thanks`: "Tak for forretningen" (kind business, optionally with `amount_dkk`, seen only by the two
  members; organizers see totals) or thanks for help. Shown on the group's thank-you wall only
  when both members agreed (`wall_by_thanker` and `wall_by_thanked`).
- Every item can be corrected or withdrawn by who recorded it (`withdrawn_at`) and hidden by an
  organizer (`hidden_at`, `hidden_by_id`, `hidden_reason`); `SocialChange` keeps every change.
- `RequestNotice`: which member was told about which request (instantly or in a digest): the
  unique pair is what makes "nothing twice, nothing missed" hold across digests.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.group import Group
from app.models.meeting import Meeting
from app.models.member import Member
from app.models.types import UTCDateTime, one_of, utcnow

MAX_AMOUNT_DKK = 1_000_000_000  # a billion kroner: more is a typo


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    SOLVED = "solved"
    EXPIRED = "expired"  # the deadline passed while it was open
    WITHDRAWN = "withdrawn"


class AnswerKind(enum.StrEnum):
    OFFER = "offer"  # "det kan jeg"
    REFERRAL = "referral"  # "tal med Bo"


class ReferralWarmth(enum.StrEnum):
    EXPECTS_CALL = "expects_call"  # the contact expects a call
    MAY_CALL = "may_call"  # the contact may be called
    TIP = "tip"  # only a tip: the contact does not know


class ReferralStatus(enum.StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    WON = "won"
    LOST = "lost"


class HelpKind(enum.StrEnum):
    REQUEST = "request"  # helped solve a request
    ADVICE = "advice"
    INTRODUCTION = "introduction"
    ROOM = "room"  # lent a meeting room
    OTHER = "other"


class ThanksKind(enum.StrEnum):
    BUSINESS = "business"  # "Tak for forretningen": business that came through the network
    HELP = "help"


class NoticeChoice(enum.StrEnum):
    """How a member hears about new requests from their groups."""

    INSTANT = "instant"  # a mail per request, as it comes
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


class _Moderated:
    """Columns every member-written item has: withdrawn by its author, hidden by an organizer."""

    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    hidden_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


help_request_groups = Table(
    "help_request_groups",
    db.metadata,
    Column("request_id", ForeignKey("help_requests.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class HelpRequest(_Moderated, db.Model):
    __tablename__ = "help_requests"
    __table_args__ = (
        one_of("status", RequestStatus),
        Index("ix_help_requests_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(40), default="", server_default="")
    deadline: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.OPEN.value,
                                        server_default=RequestStatus.OPEN.value)
    raise_at_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)  # expired or withdrawn
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"),
                                                     default=None)

    author: Mapped[Member] = relationship(foreign_keys=[author_id])
    groups: Mapped[list[Group]] = relationship(secondary=help_request_groups, order_by=Group.name)
    raise_at_meeting: Mapped[Meeting | None] = relationship()
    answers: Mapped[list[RequestAnswer]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestAnswer.id")

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN.value


class RequestAnswer(_Moderated, db.Model):
    __tablename__ = "request_answers"
    __table_args__ = (one_of("kind", AnswerKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    # A referral names a member of the network, or someone outside it in words.
    referred_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)
    referred_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Only the asker (and the author) see a private answer.
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"),
                                                     default=None)

    request: Mapped[HelpRequest] = relationship(back_populates="answers")
    author: Mapped[Member] = relationship(foreign_keys=[author_id])
    referred_member: Mapped[Member | None] = relationship(foreign_keys=[referred_member_id])


class Referral(_Moderated, db.Model):
    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("giver_id <> receiver_id", name="two_people"),
        one_of("warmth", ReferralWarmth),
        one_of("status", ReferralStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    giver_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    receiver_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id", ondelete="SET NULL"), default=None)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_company: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    about: Mapped[str] = mapped_column(Text, default="")
    warmth: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ReferralStatus.NEW.value,
                                        server_default=ReferralStatus.NEW.value)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"),
                                                     default=None)

    giver: Mapped[Member] = relationship(foreign_keys=[giver_id])
    receiver: Mapped[Member] = relationship(foreign_keys=[receiver_id])
    group: Mapped[Group | None] = relationship()


class HelpRecord(_Moderated, db.Model):
    __tablename__ = "help_records"
    __table_args__ = (
        CheckConstraint("giver_id <> receiver_id", name="two_people"),
        one_of("kind", HelpKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    giver_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    receiver_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id", ondelete="SET NULL"), default=None, index=True)
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"),
                                                       default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"),
                                                     default=None)

    giver: Mapped[Member] = relationship(foreign_keys=[giver_id])
    receiver: Mapped[Member] = relationship(foreign_keys=[receiver_id])
    group: Mapped[Group | None] = relationship()


class Thanks(_Moderated, db.Model):
    __tablename__ = "thanks"
    __table_args__ = (
        CheckConstraint("thanker_id <> thanked_id", name="two_people"),
        CheckConstraint(f"amount_dkk IS NULL OR (amount_dkk >= 0 AND amount_dkk <= {MAX_AMOUNT_DKK})",
                        name="amount_range"),
        one_of("kind", ThanksKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who says thank you (received the business or the help) and who is thanked (gave it).
    thanker_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    thanked_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referrals.id", ondelete="SET NULL"), default=None, index=True)
    help_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_records.id", ondelete="SET NULL"), default=None)
    message: Mapped[str] = mapped_column(Text, default="")
    # Whole kroner; seen only by the two members (organizers see totals per group and period).
    amount_dkk: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # The thank-you wall shows it only when both agreed.
    wall_by_thanker: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    wall_by_thanked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"),
                                                     default=None)

    thanker: Mapped[Member] = relationship(foreign_keys=[thanker_id])
    thanked: Mapped[Member] = relationship(foreign_keys=[thanked_id])
    group: Mapped[Group | None] = relationship()
    referral: Mapped[Referral | None] = relationship()
    help: Mapped[HelpRecord | None] = relationship()


SOCIAL_ITEM_TYPES = ("request", "answer", "referral", "help", "thanks")
SOCIAL_ACTIONS = ("created", "updated", "status", "solved", "expired", "withdrawn", "hidden", "shown",
                  "wall")


class SocialChange(db.Model):
    """One entry of an item's history: who did what, when, with {field: [old, new]} and a reason."""

    __tablename__ = "social_changes"
    __table_args__ = (
        one_of("item_type", SOCIAL_ITEM_TYPES),
        one_of("action", SOCIAL_ACTIONS),
        Index("ix_social_changes_item", "item_type", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Member | None] = relationship()


class RequestNotice(db.Model):
    """A member was told about a request (a mail of its own, or a line in a digest)."""

    __tablename__ = "request_notices"
    __table_args__ = (
        UniqueConstraint("member_id", "request_id", name="uq_request_notices_member_request"),
        one_of("channel", ("instant", "digest")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
