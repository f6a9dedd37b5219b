"""What the public may see: the public groups, their upcoming meetings and the members who chose a
public profile. The public pages, their embeds and the public JSON API (app/api/public.py) all read
through here, so a field is public on every channel or on none.

A members-only group does not exist for the public: every function answers NotFound for it, the
same as for a slug nobody uses. What a member shows is decided by app.visibility's one rule
(app.auth.viewers.member_fields_for), never here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.auth.viewers import member_fields_for
from app.errors import NotFound
from app.extensions import db
from app.members.normalize import normalize_website
from app.models import Group, Meeting, MeetingStatus, Member, Membership, utcnow
from app.pagination import Page, paginate
from app.visibility import Level, is_listed_publicly

# How many upcoming meetings a public page shows per group (the API pages through all of them).
PAGE_MEETINGS = 5
NETWORK_PAGE_MEETINGS = 3


def public_groups() -> list[Group]:
    """The network's public groups, by name."""
    return list(db.session.scalars(select(Group).where(Group.is_public.is_(True))
                                   .order_by(Group.name, Group.id)))


def public_group(slug: object) -> Group:
    """The public group with this slug; NotFound for a members-only or unknown one (alike)."""
    if not isinstance(slug, str) or len(slug) > 80:
        raise NotFound()
    group = db.session.scalar(select(Group).where(Group.slug == slug, Group.is_public.is_(True)))
    if group is None:
        raise NotFound()
    return group


def _upcoming_query(group: Group, start: datetime | None, stop: datetime | None):
    query = (select(Meeting).where(Meeting.group_id == group.id,
                                   Meeting.status == MeetingStatus.SCHEDULED.value)
             .order_by(Meeting.starts_at, Meeting.id))
    if start is None:
        query = query.where(Meeting.ends_at > utcnow())
    else:
        query = query.where(Meeting.starts_at >= start)
    if stop is not None:
        query = query.where(Meeting.starts_at < stop)
    return query


def public_meetings(group: Group, *, start: datetime | None = None, stop: datetime | None = None,
                    limit: int | None = PAGE_MEETINGS) -> list[Meeting]:
    """The group's coming meetings (scheduled, not ended; or starting in [start, stop)), soonest
    first. Cancelled meetings are left out: the public page invites people to come."""
    if not group.is_public:
        raise NotFound()
    query = _upcoming_query(group, start, stop)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def public_meetings_page(group: Group, *, start: datetime | None, stop: datetime | None, page: int,
                         per_page: int) -> Page:
    """public_meetings, one page at a time (the API); a page past the end is empty."""
    if not group.is_public:
        raise NotFound()
    return paginate(_upcoming_query(group, start, stop), page, per_page, clamp=False)


@dataclass(frozen=True)
class PublicMember:
    """A member as the public sees them: None where the member did not make a field public."""

    id: int
    name: str
    company: str | None
    industry: str | None
    website: str | None
    has_photo: bool
    email: str | None
    phone: str | None


def public_member(member: Member, group: Group, viewer=None) -> PublicMember:
    """The member's public card: only what the one visibility rule lets this viewer see (None:
    an anonymous visitor, as on the embeds and the API)."""
    shown = member_fields_for(viewer, member, group=group)

    def field(name: str) -> str | None:
        value = getattr(member, name, "") or ""
        return value if name in shown and value else None

    return PublicMember(id=member.id, name=member.name, company=field("company"),
                        industry=field("industry"), website=_safe_website(field("website")),
                        has_photo="photo" in shown and bool(member.photo_key),
                        email=field("email"), phone=field("phone"))


def _safe_website(value: str | None) -> str | None:
    """Only http(s) addresses become links (never javascript: or data:)."""
    return normalize_website(value) or None if value else None


def _listed_members_query(group: Group):
    return (select(Member).join(Membership, Membership.member_id == Member.id)
            .where(Membership.group_id == group.id, Member.active.is_(True),
                   Member.deleted_at.is_(None), Member.profile_visibility == Level.PUBLIC.value)
            .order_by(Member.name, Member.id))


def public_members(group: Group, viewer=None) -> list[PublicMember]:
    """The members of the public group who chose a public profile (active, not deleted), by name."""
    if not group.is_public:
        raise NotFound()
    members = db.session.scalars(_listed_members_query(group))
    return [public_member(m, group, viewer) for m in members if is_listed_publicly(m.privacy_levels())]


def public_members_page(group: Group, *, page: int, per_page: int) -> Page:
    """public_members for an anonymous viewer, one page at a time (the API)."""
    if not group.is_public:
        raise NotFound()
    result = paginate(_listed_members_query(group), page, per_page, clamp=False)
    result.items = [public_member(m, group) for m in result.items if is_listed_publicly(m.privacy_levels())]
    return result


def public_member_counts(groups: list[Group]) -> dict[int, int]:
    """{group id: how many active members} for the network page."""
    if not groups:
        return {}
    rows = db.session.execute(
        select(Membership.group_id, func.count(Membership.id)).join(Membership.member)
        .where(Membership.group_id.in_([g.id for g in groups]), Member.active.is_(True),
               Member.deleted_at.is_(None))
        .group_by(Membership.group_id))
    return dict(rows.tuples().all())


@dataclass
class PublicGroupCard:
    group: Group
    meetings: list[Meeting]
    member_count: int


def network_overview() -> list[PublicGroupCard]:
    """The network page: each public group with its next meetings."""
    groups = public_groups()
    counts = public_member_counts(groups)
    return [PublicGroupCard(group=g, meetings=public_meetings(g, limit=NETWORK_PAGE_MEETINGS),
                            member_count=counts.get(g.id, 0)) for g in groups]


@dataclass
class PublicGroupPage:
    group: Group
    meetings: list[Meeting]
    members: list[PublicMember]


def public_group_page(group: Group, viewer=None) -> PublicGroupPage:
    """What the public page (and its embed) of a public group shows."""
    return PublicGroupPage(group=group, meetings=public_meetings(group),
                           members=public_members(group, viewer))
