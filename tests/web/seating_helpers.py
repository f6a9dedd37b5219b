"""Helpers for the seating tests: a meeting with people going, history between members, and a
plan saved by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.extensions import db
from app.models import (
    Encounter,
    GuestKind,
    GuestStatus,
    Meeting,
    MeetingGuest,
    Member,
    Rsvp,
    RsvpStatus,
    SeatingPlan,
)
from tests.factories import create_admin, create_group, create_meeting, create_member, create_organizer


@dataclass
class Room:
    group: object
    other_group: object
    meeting: Meeting
    organizer: Member  # going too
    member: Member  # going
    outsider: Member  # member of another group
    admin: Member
    others: list[Member] = field(default_factory=list)  # more members going
    guest: MeetingGuest | None = None

    def person(self, role: str) -> Member | None:
        return None if role == "anonymous" else getattr(self, role)

    @property
    def going(self) -> list[Member]:
        return [self.organizer, self.member, *self.others]


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


NAMES = ["Anne Andersen", "Bo Berg", "Carla Christensen", "Dan Dahl", "Eva Eriksen", "Finn Frost",
         "Gry Greve", "Hans Holm", "Ida Isaksen", "Jens Juhl", "Karen Krog", "Lars Lund", "Mette Munk",
         "Niels Nør", "Ole Ohm", "Pia Poulsen", "Rasmus Ravn", "Sara Skov", "Tom Thy", "Ulla Ulv"]


def build_room(*, others: int = 4, guest: bool = False, public: bool = False) -> Room:
    """A group with a meeting a week ahead; the organizer, the member and `others` more are going."""
    group = create_group(name="Kaffeklub Herning", is_public=public)
    other_group = create_group(name="Kaffeklub Viborg")
    start = datetime.now(UTC).replace(hour=7, minute=30, second=0, microsecond=0) + timedelta(days=7)
    meeting = create_meeting(group=group, title="Morgenmøde", starts_at=start)
    organizer = create_organizer(group, name="Olga Organizer", company="Olga ApS", language="en")
    member = create_member(groups=[group], name="Mads Member", company="Maling ApS", language="en")
    outsider = create_member(groups=[other_group], name="Otto Outsider", language="en")
    admin = create_admin(name="Anna Admin", language="en")
    room = Room(group, other_group, meeting, organizer, member, outsider, admin)
    going(meeting, organizer)
    rsvp = going(meeting, member)
    for n in range(others):
        name = NAMES[n % len(NAMES)] + ("" if n < len(NAMES) else f" {n}")
        person = create_member(groups=[group], name=name,
                               company=f"Firma {n} ApS", language="en")
        going(meeting, person)
        room.others.append(person)
    if guest:
        room.guest = add_guest(rsvp, "Gitte Gæst", "gitte@example.test", "Gæstehuset")
    return room


def met(room: Room, a: Member, b: Member, on: date, *, round_: int = 1) -> None:
    """Record that a and b sat at the same table on `on` (an Encounter row at a past meeting)."""
    low, high = sorted((a.id, b.id))
    past = create_meeting(group=room.group, starts_at=datetime(on.year, on.month, on.day, 7, 30, tzinfo=UTC))
    db.session.add(Encounter(meeting_id=past.id, group_id=room.group.id, member_a_id=low, member_b_id=high,
                             round=round_, met_on=on))
    db.session.commit()


def key(member: Member) -> str:
    return f"m{member.id}"


def plan_of(meeting: Meeting) -> SeatingPlan | None:
    db.session.expire_all()
    return db.session.query(SeatingPlan).filter_by(meeting_id=meeting.id).one_or_none()
