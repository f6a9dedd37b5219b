"""Who is at a meeting, as one list: the people the door's check-in page shows and the seating
planner seats.

Each attendee has a key that stays the same for the meeting: `"m<member id>"` for a member,
`"g<meeting guest id>"` for a guest or substitute who was signed up, `"v<check-in id>"` for a
walk-in visitor. Seating plans, the big screen and the API use these keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    CheckIn,
    GuestKind,
    GuestStatus,
    Meeting,
    MeetingGuest,
    Member,
    Rsvp,
    RsvpMode,
    RsvpStatus,
)

MEMBER = "member"
GUEST = "guest"
SUBSTITUTE = "substitute"
VISITOR = "visitor"


@dataclass(frozen=True, slots=True)
class Attendee:
    key: str
    kind: str  # member | guest | substitute | visitor
    name: str
    company: str
    industry: str
    member_id: int | None  # members only
    guest_id: int | None  # signed-up guests and substitutes
    checkin_id: int | None  # when checked in
    brought_by_id: int | None  # the member who brought a guest, substitute or visitor
    going: bool  # signed up and holding a seat (a walk-in is not)
    no_show: bool
    expected: bool = False  # "alle forventes": a member who has not answered counts as going

    @property
    def checked_in(self) -> bool:
        return self.checkin_id is not None


def member_key(member_id: int) -> str:
    return f"m{member_id}"


def parse_key(key: str) -> tuple[str, int] | None:
    """("m", 12) for "m12"; None for anything else."""
    if not isinstance(key, str) or len(key) < 2 or key[0] not in "mgv" or not key[1:].isdigit():
        return None
    if len(key) > 12:
        return None
    return key[0], int(key[1:])


def attendees(meeting: Meeting) -> list[Attendee]:
    """Everyone going to the meeting or checked in at it (walk-ins included), ordered by name.

    In "alle forventes" groups the active members who have not answered are going too (`expected`)."""
    checkins = db.session.scalars(select(CheckIn).where(CheckIn.meeting_id == meeting.id)).all()
    by_member = {c.member_id: c for c in checkins if c.member_id}
    by_guest = {c.guest_id: c for c in checkins if c.guest_id}
    people: list[Attendee] = []
    rsvps = db.session.scalars(
        select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.status == RsvpStatus.GOING.value)
        .options(selectinload(Rsvp.member))).all()
    seen_members: set[int] = set()
    for rsvp in rsvps:
        member = rsvp.member
        seen_members.add(member.id)
        checkin = by_member.get(member.id)
        people.append(Attendee(member_key(member.id), MEMBER, member.name, member.company, member.industry,
                               member.id, None, checkin.id if checkin else None, None, True,
                               rsvp.no_show))
    if meeting.group.rsvp_mode == RsvpMode.EXPECTED.value:
        from app.rsvp.services import expected_member_ids  # the sign-up rule of who is expected

        expected = expected_member_ids(meeting) - seen_members
        if expected:
            for member in db.session.scalars(select(Member).where(Member.id.in_(expected))):
                seen_members.add(member.id)
                checkin = by_member.get(member.id)
                people.append(Attendee(member_key(member.id), MEMBER, member.name, member.company,
                                       member.industry, member.id, None, checkin.id if checkin else None,
                                       None, True, False, expected=True))
    walk_in_members = [c.member_id for c in checkins if c.member_id and c.member_id not in seen_members]
    if walk_in_members:
        for member in db.session.scalars(select(Member).where(Member.id.in_(walk_in_members))):
            checkin = by_member[member.id]
            people.append(Attendee(member_key(member.id), MEMBER, member.name, member.company,
                                   member.industry, member.id, None, checkin.id, None, False, False))
    guests = db.session.scalars(
        select(MeetingGuest).where(MeetingGuest.meeting_id == meeting.id,
                                   MeetingGuest.status == GuestStatus.GOING.value)
        .options(selectinload(MeetingGuest.rsvp))).all()
    going_guests = {g.id for g in guests}
    for guest in guests:
        checkin = by_guest.get(guest.id)
        kind = SUBSTITUTE if guest.kind == GuestKind.SUBSTITUTE.value else GUEST
        people.append(Attendee(f"g{guest.id}", kind, guest.name, guest.company, "", None, guest.id,
                               checkin.id if checkin else None, guest.rsvp.member_id, True, guest.no_show))
    # A guest whose seat was given up (or who waited) but came anyway.
    late_guests = [c.guest_id for c in checkins if c.guest_id and c.guest_id not in going_guests]
    if late_guests:
        for guest in db.session.scalars(select(MeetingGuest).where(MeetingGuest.id.in_(late_guests))
                                        .options(selectinload(MeetingGuest.rsvp))):
            kind = SUBSTITUTE if guest.kind == GuestKind.SUBSTITUTE.value else GUEST
            people.append(Attendee(f"g{guest.id}", kind, guest.name, guest.company, "", None, guest.id,
                                   by_guest[guest.id].id, guest.rsvp.member_id, False, False))
    for checkin in checkins:
        if checkin.member_id is None and checkin.guest_id is None:
            people.append(Attendee(f"v{checkin.id}", VISITOR, checkin.name, checkin.company, "", None, None,
                                   checkin.id, checkin.brought_by_id, False, False))
    people.sort(key=lambda a: (a.name.casefold(), a.key))
    return people


def seating_people(meeting: Meeting) -> list[Attendee]:
    """Whom the planner seats: the checked-in people once anyone has checked in, else everyone going."""
    everyone = attendees(meeting)
    here = [a for a in everyone if a.checked_in]
    return here if here else [a for a in everyone if a.going]
