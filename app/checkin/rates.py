"""Attendance rates ("fremmøde"), read from closed meetings that used check-in.

A meeting counts once it is closed and somebody checked in at it: a meeting where nobody used the
door list says nothing about who came. Over those meetings:

- a member's rate = meetings they came to that they were going to / meetings they were going to
  (in the last 12 months); walk-ins (came without signing up) are counted beside it, not in it;
- a meeting's rate = expected people who came / expected people (members and guests going).

Who sees what: a member sees their own rate; the organizers of a group see the rates of its
members (over that group's meetings) and the group's meetings; admins see everything. Nobody else
(a rate is not a thing to show the other members). Every number comes from a handful of grouped
queries, never one per meeting or per member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import aliased

from app.auth import permissions
from app.extensions import db
from app.models import CheckIn, GuestStatus, Meeting, MeetingGuest, Member, Rsvp, RsvpStatus, utcnow

MEMBER_DAYS = 365
GROUP_MEETINGS = 10


def _rate(came: int, expected: int) -> int | None:
    return round(100 * came / expected) if expected else None


@dataclass
class MemberRate:
    going: int  # meetings they were going to
    came: int  # of those, checked in
    no_shows: int
    walk_ins: int  # meetings they came to without signing up
    days: int
    own: bool  # the member is looking at their own rate
    groups_limited: bool  # an organizer: only their groups' meetings are counted

    @property
    def rate(self) -> int | None:
        return _rate(self.came, self.going)


@dataclass
class MeetingRate:
    meeting: Meeting
    expected: int
    came: int  # expected people who checked in
    no_shows: int
    walk_ins: int

    @property
    def rate(self) -> int | None:
        return _rate(self.came, self.expected)


@dataclass
class GroupRate:
    meetings: list[MeetingRate]

    @property
    def expected(self) -> int:
        return sum(m.expected for m in self.meetings)

    @property
    def came(self) -> int:
        return sum(m.came for m in self.meetings)

    @property
    def rate(self) -> int | None:
        return _rate(self.came, self.expected)


def _used(meeting_id_column):
    """Somebody checked in at the meeting (an alias: the outer query may read check_ins itself)."""
    other = aliased(CheckIn)
    return exists().where(other.meeting_id == meeting_id_column)


def member_groups_visible(user, member: Member) -> set[int] | None:
    """None: every group (the member themself, admins); a set: the groups whose meetings this
    organizer may count; an empty set: not allowed to see the member's rate."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.id == member.id or permissions.is_admin(user):
        return None
    return permissions.organized_group_ids(user) & {m.group_id for m in member.memberships}


def member_rate(user, member: Member, *, now: datetime | None = None) -> MemberRate | None:
    """The member's attendance over the last 12 months, or None when `user` may not see it."""
    groups = member_groups_visible(user, member)
    if groups is not None and not groups:
        return None
    since = (now or utcnow()) - timedelta(days=MEMBER_DAYS)
    closed = [Meeting.closed_at.is_not(None), Meeting.starts_at >= since, _used(Meeting.id)]
    if groups is not None:
        closed.append(Meeting.group_id.in_(groups))
    here = exists().where(CheckIn.meeting_id == Rsvp.meeting_id, CheckIn.member_id == Rsvp.member_id)
    going, came, no_shows = db.session.execute(
        select(func.count(Rsvp.id), func.coalesce(func.sum(case((here, 1), else_=0)), 0),
               func.coalesce(func.sum(case((Rsvp.no_show.is_(True), 1), else_=0)), 0))
        .join(Meeting, Meeting.id == Rsvp.meeting_id)
        .where(Rsvp.member_id == member.id, Rsvp.status == RsvpStatus.GOING.value, *closed)).one()
    walk_ins = db.session.scalar(
        select(func.count(CheckIn.id)).join(Meeting, Meeting.id == CheckIn.meeting_id)
        .where(CheckIn.member_id == member.id, CheckIn.walk_in.is_(True), *closed))
    return MemberRate(int(going), int(came), int(no_shows), int(walk_ins or 0), MEMBER_DAYS,
                      own=getattr(user, "id", None) == member.id, groups_limited=groups is not None)


def meeting_rates(meetings: list[Meeting]) -> list[MeetingRate]:
    """The attendance of these meetings, in four grouped queries."""
    ids = [m.id for m in meetings]
    if not ids:
        return []
    here_member = exists().where(CheckIn.meeting_id == Rsvp.meeting_id, CheckIn.member_id == Rsvp.member_id)
    here_guest = exists().where(CheckIn.meeting_id == MeetingGuest.meeting_id,
                                CheckIn.guest_id == MeetingGuest.id)
    members = {row[0]: row[1:] for row in db.session.execute(
        select(Rsvp.meeting_id, func.count(Rsvp.id), func.sum(case((here_member, 1), else_=0)),
               func.sum(case((Rsvp.no_show.is_(True), 1), else_=0)))
        .where(Rsvp.meeting_id.in_(ids), Rsvp.status == RsvpStatus.GOING.value).group_by(Rsvp.meeting_id))}
    guests = {row[0]: row[1:] for row in db.session.execute(
        select(MeetingGuest.meeting_id, func.count(MeetingGuest.id), func.sum(case((here_guest, 1), else_=0)),
               func.sum(case((MeetingGuest.no_show.is_(True), 1), else_=0)))
        .where(MeetingGuest.meeting_id.in_(ids), MeetingGuest.status == GuestStatus.GOING.value)
        .group_by(MeetingGuest.meeting_id))}
    walk_ins = dict(db.session.execute(
        select(CheckIn.meeting_id, func.count(CheckIn.id))
        .where(CheckIn.meeting_id.in_(ids), CheckIn.walk_in.is_(True))
        .group_by(CheckIn.meeting_id)).tuples().all())
    result = []
    for meeting in meetings:
        m = members.get(meeting.id, (0, 0, 0))
        g = guests.get(meeting.id, (0, 0, 0))
        result.append(MeetingRate(meeting, int(m[0] or 0) + int(g[0] or 0), int(m[1] or 0) + int(g[1] or 0),
                                  int(m[2] or 0) + int(g[2] or 0), int(walk_ins.get(meeting.id, 0))))
    return result


def group_rate(user, group, *, limit: int = GROUP_MEETINGS) -> GroupRate | None:
    """The group's last closed meetings that used check-in, for its organizers and admins (else None)."""
    if not permissions.can_manage_group(user, group):
        return None
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.group_id == group.id, Meeting.closed_at.is_not(None), _used(Meeting.id))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(limit)).all()
    return GroupRate(meeting_rates(list(meetings)))


__all__ = ["GroupRate", "MeetingRate", "MemberRate", "group_rate", "meeting_rates", "member_rate"]
