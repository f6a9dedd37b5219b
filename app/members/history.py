"""A member's history: record what happened to their account and memberships, and read it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Group, Member, MemberEvent

# What each kind of event says, with %(actor)s, %(group)s and %(detail)s filled in when shown.
EVENT_TEXTS = {
    "created": _l("Account created by %(actor)s"),
    "added": _l("Added to %(group)s by %(actor)s"),
    "invited": _l("Invited to %(group)s by %(actor)s"),
    "invitation_accepted": _l("Accepted the invitation to %(group)s"),
    "invitation_declined": _l("Declined the invitation to %(group)s"),
    "invitation_withdrawn": _l("Invitation to %(group)s withdrawn by %(actor)s"),
    "removed": _l("Removed from %(group)s by %(actor)s"),
    "role_changed": _l("Role in %(group)s changed to %(detail)s by %(actor)s"),
    "profile_edited": _l("Profile edited by %(actor)s (%(detail)s)"),
    "deactivated": _l("Deactivated by %(actor)s"),
    "reactivated": _l("Reactivated by %(actor)s"),
    # app.groups.industry: detail = "<industry>: <reason>"
    "industry_override": _l("Added to %(group)s despite its one-per-industry rule by %(actor)s (%(detail)s)"),
    # app.privacy.deletion: detail = an admin's reason (the name is gone with the account)
    "deleted": _l("Account deleted by %(actor)s"),
}
KINDS = frozenset(EVENT_TEXTS)


def record_member_event(member: Member, kind: str, *, actor: Member | None = None,
                        group: Group | None = None, detail: str = "") -> MemberEvent:
    """Add one history row for the member (not committed: it belongs to the caller's change)."""
    if kind not in KINDS:
        raise ValueError(f"unknown member event kind {kind!r}")
    actor_id = getattr(actor, "id", None) if getattr(actor, "is_authenticated", True) else None
    event = MemberEvent(
        member=member,
        actor_id=actor_id,
        actor_is_admin=bool(actor_id and getattr(actor, "is_admin", False)),
        kind=kind,
        group_id=getattr(group, "id", None),
        detail=detail[:2000],
    )
    if group is not None:
        event.group = group
    db.session.add(event)
    return event


def member_events(member: Member, *, limit: int | None = None) -> list[MemberEvent]:
    """The member's history, newest first."""
    query = (select(MemberEvent).where(MemberEvent.member_id == member.id)
             .order_by(MemberEvent.created_at.desc(), MemberEvent.id.desc()))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def last_deactivation(member: Member) -> MemberEvent | None:
    """The event that deactivated the member most recently, if it was recorded."""
    return db.session.scalar(
        select(MemberEvent).where(MemberEvent.member_id == member.id, MemberEvent.kind == "deactivated")
        .order_by(MemberEvent.created_at.desc(), MemberEvent.id.desc()).limit(1))


@dataclass
class HistoryLine:
    at: datetime
    text: str


def describe_events(events: list[MemberEvent]) -> list[HistoryLine]:
    """Readable lines for a history list, in the current language."""
    lines = []
    for event in events:
        actor = event.actor.name if event.actor is not None else str(_l("someone"))
        group = event.group.name if event.group is not None else str(_l("a group"))
        detail = event.detail
        if event.kind == "role_changed":
            detail = str(ROLE_NAMES.get(detail, detail))
        elif event.kind == "profile_edited":
            detail = ", ".join(str(FIELD_NAMES.get(name, name)) for name in detail.split(",") if name)
        values = {"actor": actor, "group": group, "detail": detail}
        text = str(EVENT_TEXTS.get(event.kind, event.kind)) % values
        lines.append(HistoryLine(at=event.created_at, text=text))
    return lines


ROLE_NAMES = {"member": _l("member"), "organizer": _l("organizer")}
FIELD_NAMES = {
    "name": _l("name"), "email": _l("e-mail"), "phone": _l("phone"), "company": _l("company"),
    "title": _l("title"), "industry": _l("industry"), "competencies": _l("competencies"),
    "bio": _l("about"), "website": _l("website"), "language": _l("language"),
    "is_admin": _l("administrator"),
}
