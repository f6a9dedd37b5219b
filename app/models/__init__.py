"""Typed SQLAlchemy models, one module per aggregate."""

from app.models.group import Group, Membership, Role
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
from app.models.member import ApiToken, Competency, LoginToken, Member, normalize_email
from app.models.network import NetworkSettings
from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.types import utcnow

__all__ = [
    "ApiToken",
    "ChangeAction",
    "Competency",
    "Group",
    "GroupInvitation",
    "LoginToken",
    "Meeting",
    "MeetingChange",
    "MeetingSeries",
    "MeetingStatus",
    "Member",
    "MemberEvent",
    "Membership",
    "NetworkSettings",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "Venue",
    "normalize_email",
    "utcnow",
]
