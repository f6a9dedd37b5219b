"""Typed SQLAlchemy models, one module per aggregate."""

from app.models.attendance import CheckIn, CheckInVia
from app.models.auth import ApiToken, LoginAttempt, LoginSession, LoginToken
from app.models.calendar import (
    CalendarFeed,
    InboundMail,
    InboundOutcome,
    InviteState,
    MeetingInvite,
    PartStat,
)
from app.models.connections import Encounter, OneToOne, OneToOneStatus
from app.models.group import Group, IndustryRule, Membership, Role
from app.models.history import MemberEvent
from app.models.invitation import GroupInvitation
from app.models.meeting import (
    ChangeAction,
    Meeting,
    MeetingChange,
    MeetingSeries,
    MeetingStatus,
    Venue,
)
from app.models.member import Competency, Member, normalize_email
from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.public import VisitorRequest, VisitorRequestKind
from app.models.rsvp import (
    GuestKind,
    GuestStatus,
    MeetingGuest,
    Rsvp,
    RsvpMode,
    RsvpStatus,
)
from app.models.seating import SeatingPlan, SeatingRule, SeatingRuleKind
from app.models.settings import NetworkSettings
from app.models.social import (
    AnswerKind,
    HelpKind,
    HelpRecord,
    HelpRequest,
    NoticeChoice,
    Referral,
    ReferralStatus,
    ReferralWarmth,
    RequestAnswer,
    RequestNotice,
    RequestStatus,
    SocialChange,
    Thanks,
    ThanksKind,
)
from app.models.types import utcnow

__all__ = [
    "AnswerKind",
    "IndustryRule",
    "VisitorRequest",
    "VisitorRequestKind",
    "HelpKind",
    "HelpRecord",
    "HelpRequest",
    "NoticeChoice",
    "Referral",
    "ReferralStatus",
    "ReferralWarmth",
    "RequestAnswer",
    "RequestNotice",
    "RequestStatus",
    "SocialChange",
    "Thanks",
    "ThanksKind",
    "CheckIn",
    "CheckInVia",
    "Encounter",
    "OneToOne",
    "OneToOneStatus",
    "SeatingPlan",
    "SeatingRule",
    "SeatingRuleKind",
    "PartStat",
    "MeetingInvite",
    "InviteState",
    "InboundOutcome",
    "InboundMail",
    "CalendarFeed",
    "ApiToken",
    "ChangeAction",
    "Competency",
    "Group",
    "GroupInvitation",
    "GuestKind",
    "GuestStatus",
    "LoginAttempt",
    "LoginSession",
    "LoginToken",
    "Meeting",
    "MeetingChange",
    "MeetingGuest",
    "MeetingSeries",
    "MeetingStatus",
    "Member",
    "MemberEvent",
    "Membership",
    "NetworkSettings",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "Rsvp",
    "RsvpMode",
    "RsvpStatus",
    "Venue",
    "normalize_email",
    "utcnow",
]
