"""Helpers for the check-in tests: a meeting happening now with people going, and taps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import GuestKind, GuestStatus, Meeting, MeetingGuest, Member, Membership, Rsvp, RsvpStatus
from tests.factories import create_admin, create_group, create_meeting, create_member, create_organizer


@dataclass
class Door:
    group: object
    other_group: object
    meeting: Meeting
    organizer: Member
    member: Member  # going
    second: Member  # going
    walker: Member  # in the group, not signed up
    outsider: Member  # in the other group
    admin: Member
    guest: MeetingGuest  # the member's guest, going

    def person(self, role: str) -> Member | None:
        return None if role == "anonymous" else getattr(self, role)


def going(meeting: Meeting, member: Member) -> Rsvp:
    rsvp = Rsvp(meeting_id=meeting.id, member_id=member.id, status=RsvpStatus.GOING.value, queue_seq=1,
                message="", via="web")
    db.session.add(rsvp)
    db.session.commit()
    return rsvp


def add_guest(rsvp: Rsvp, name: str, email: str, company: str = "") -> MeetingGuest:
    guest = MeetingGuest(meeting_id=rsvp.meeting_id, rsvp=rsvp, kind=GuestKind.GUEST.value, name=name,
                         email=email, company=company, status=GuestStatus.GOING.value, queue_seq=2)
    db.session.add(guest)
    db.session.commit()
    return guest


def build_door(*, starts_in: timedelta = timedelta(minutes=10), length: timedelta = timedelta(minutes=90),
               group_kwargs: dict | None = None) -> Door:
    """A members-only group with a meeting starting `starts_in` from now (negative: started)."""
    group = create_group(name="Kaffeklub Herning", **(group_kwargs or {}))
    other = create_group(name="Kaffeklub Viborg")
    start = datetime.now(UTC).replace(microsecond=0) + starts_in
    meeting = create_meeting(group=group, title="Morgenmøde", starts_at=start, ends_at=start + length)
    organizer = create_organizer(group, name="Olga Organizer", language="en")
    member = create_member(groups=[group], name="Mads Madsen", company="Maling ApS", language="en")
    second = create_member(groups=[group], name="Bodil Bager", company="Bageriet", language="en")
    walker = create_member(groups=[group], name="Willy Walker", company="Walk A/S", language="en")
    outsider = create_member(groups=[other], name="Otto Outsider", language="en")
    admin = create_admin(name="Anna Admin", language="en")
    # Everyone has been in the group for a while (a member who joined after the start was not expected).
    query = select(Membership).where(Membership.group_id.in_([group.id, other.id]))
    for membership in db.session.scalars(query):
        membership.joined_at = start - timedelta(days=365)
    db.session.commit()
    rsvp = going(meeting, member)
    going(meeting, second)
    guest = add_guest(rsvp, "Gitte Gæst", "gitte@example.test", "Gæstehuset")
    return Door(group, other, meeting, organizer, member, second, walker, outsider, admin, guest)


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)
