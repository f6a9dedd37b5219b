"""Builders for the connections tests: past meetings with check-ins, seating plans and encounters,
and 1-to-1s, written straight into the database (no services), so each test states its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import CheckIn, Encounter, Meeting, Member, OneToOne, OneToOneStatus, SeatingPlan
from tests.factories import create_admin, create_group, create_meeting, create_member, create_organizer


def local_today() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Copenhagen")).date()


def past_meeting(group, day: date, *, closed: bool = True, title: str | None = None) -> Meeting:
    """A meeting of `group` on `day` 07:30-09:00 UTC (08:30 in Copenhagen), closed by default."""
    start = datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC)
    kwargs = {"title": title} if title else {}
    meeting = create_meeting(group=group, starts_at=start, ends_at=start + timedelta(minutes=90), **kwargs)
    if closed:
        meeting.closed_at = start + timedelta(hours=3)
        db.session.commit()
    return meeting


def check_in(meeting: Meeting, *members) -> None:
    for member in members:
        db.session.add(CheckIn(meeting_id=meeting.id, member_id=member.id))
    db.session.commit()


def seat(meeting: Meeting, rounds: list[list[list]]) -> SeatingPlan:
    """Save a seating plan; tables hold members or ready keys ("g3", "v7")."""
    plan = SeatingPlan(
        meeting_id=meeting.id,
        round_count=len(rounds),
        rounds=[[[p if isinstance(p, str) else f"m{p.id}" for p in table] for table in r] for r in rounds],
    )
    db.session.add(plan)
    db.session.commit()
    return plan


def encounters(meeting: Meeting, rounds: list[list[list]], day: date | None = None) -> None:
    """Write the Encounter rows the rounds imply (members only), as the receiver would."""
    day = day or meeting.starts_at.date()
    for number, tables in enumerate(rounds, start=1):
        for table_no, table in enumerate(tables, start=1):
            for x, y in combinations(sorted(m.id for m in table), 2):
                db.session.add(Encounter(meeting_id=meeting.id, group_id=meeting.group_id, round=number,
                                         table_no=table_no, member_a_id=x, member_b_id=y, met_on=day))
    db.session.commit()


def one_to_one(proposer, partner, day: date, status: str = OneToOneStatus.CONFIRMED.value,
               **kwargs) -> OneToOne:
    row = OneToOne(proposer_id=proposer.id, partner_id=partner.id, met_on=day, status=status, **kwargs)
    db.session.add(row)
    db.session.commit()
    return row


def stored_encounters(meeting_id: int) -> set[tuple[int, int, int]]:
    """{(round, a, b)} recorded for the meeting."""
    rows = db.session.query(Encounter).filter_by(meeting_id=meeting_id).all()
    return {(row.round, row.member_a_id, row.member_b_id) for row in rows}


@dataclass
class Net:
    target: Member  # whose network is looked at (in groups A and B)
    xena: Member  # met the target, in group A
    yann: Member  # met the target, in group B only
    zoe: Member  # in group A, never met the target
    member: Member  # a member of group A
    organizer: Member  # organizer of group A
    admin: Member
    stranger: Member  # in group C only

    def person(self, role: str) -> Member:
        return getattr(self, role)


def build_net() -> Net:
    """Groups A, B, C: Tina (A and B) sat with Xena (A) last month and with Yann (B) twice the week
    before; Zoe (A) was at Tina's meeting without sharing a table; a member and an organizer of A,
    an admin and a stranger (C)."""
    a, b, c = create_group(name="A"), create_group(name="B"), create_group(name="C")
    target = create_member(groups=[a, b], name="Tina Target", industry="Byggeri", title="Tømrermester")
    xena = create_member(groups=[a], name="Xena X", industry="Arkitektur", title="Arkitekt")
    yann = create_member(groups=[b], name="Yann Y")
    zoe = create_member(groups=[a], name="Zoe Z", industry="Ejendomshandel", title="Ejendomsmægler")
    member = create_member(groups=[a], name="Mads Member")
    organizer = create_organizer(a, name="Olga Organizer")
    admin = create_admin(name="Anna Admin")
    stranger = create_member(groups=[c], name="Sam Stranger")
    last_month = local_today() - timedelta(days=30)
    meeting = past_meeting(a, last_month)
    check_in(meeting, target, xena, zoe)
    encounters(meeting, [[[target, xena]]])
    other = past_meeting(b, last_month - timedelta(days=7))
    check_in(other, target, yann)
    encounters(other, [[[target, yann]], [[target, yann]]])
    return Net(target, xena, yann, zoe, member, organizer, admin, stranger)
