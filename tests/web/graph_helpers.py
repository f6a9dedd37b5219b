"""A small group with a hand-made history, for the network page and stats tests.

Group "Kaffeklub Grafen" (members only): organizer Olga and members Anne, Bo, Carla, Dan, Eva, Finn.
Today is 1 March 2026.

- Meeting 1 (14 January 2026, closed): Anne, Bo, Carla, Dan and Eva checked in.
  Round 1: [Anne, Bo, Carla], [Dan, Eva]; round 2: [Anne, Dan], [Bo, Eva], [Carla].
  Pairs: AB AC BC DE AD BE: all six new.
- A confirmed 1-to-1 between Bo and Finn on 1 February 2026.
- Meeting 2 (18 February 2026, closed): the same five checked in.
  Round 1: [Anne, Bo, Eva], [Carla, Dan]. Pairs: AB AE BE CD; new: AE and CD.
- Meeting 3 (18 March 2026): not yet held.

So 9 of the 21 pairs of the 7 members have met; Olga has met no one; Eva (joined 20 December 2025)
and Finn (joined 20 January 2026) are newcomers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import CheckIn, Encounter, Group, Meeting, Member, OneToOne
from tests.factories import create_group, create_meeting, create_member, create_organizer

TODAY = date(2026, 3, 1)
NAMES = ("Anne Andersen", "Bo Bech", "Carla Carlsen", "Dan Dahl", "Eva Enevoldsen", "Finn Frandsen")


@dataclass
class GraphWorld:
    group: Group
    other_group: Group
    organizer: Member
    people: dict[str, Member]  # by first letter: "A" ... "F"
    meetings: list[Meeting]
    outsider: Member

    def __getitem__(self, letter: str) -> Member:
        return self.people[letter]


def _pair(a: Member, b: Member) -> tuple[int, int]:
    return (a.id, b.id) if a.id < b.id else (b.id, a.id)


def add_round(meeting: Meeting, number: int, tables: list[list[Member]]) -> None:
    """Encounter rows for one round of a meeting (every pair at each table)."""
    local_day = meeting.starts_at.astimezone(ZoneInfo(meeting.group.timezone)).date()
    for table_no, table in enumerate(tables, start=1):
        for i, first in enumerate(table):
            for second in table[i + 1:]:
                a, b = _pair(first, second)
                db.session.add(Encounter(meeting_id=meeting.id, group_id=meeting.group_id, round=number,
                                         table_no=table_no, member_a_id=a, member_b_id=b, met_on=local_day))


def build_graph_world() -> GraphWorld:
    group = create_group(name="Kaffeklub Grafen", slug="kaffeklub-grafen", is_public=False)
    other = create_group(name="Kaffeklub Anden", slug="kaffeklub-anden", is_public=False)
    organizer = create_organizer(group, name="Olga Organizer", industry="Netværk")
    people = {name[0]: create_member(name=name, groups=[group], industry="Byggeri") for name in NAMES}
    outsider = create_member(name="Otto Outsider", groups=[other])
    joined = {letter: datetime(2025, 1, 1, 9, tzinfo=UTC) for letter in "ABCD"}
    joined["E"] = datetime(2025, 12, 20, 9, tzinfo=UTC)
    joined["F"] = datetime(2026, 1, 20, 9, tzinfo=UTC)
    for letter, member in people.items():
        member.membership_in(group).joined_at = joined[letter]
    organizer.membership_in(group).joined_at = datetime(2024, 6, 1, 9, tzinfo=UTC)

    def meeting_on(day: date, closed: bool) -> Meeting:
        start = datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC)
        meeting = create_meeting(group=group, starts_at=start, title=f"Morgenmøde {day:%d/%m}")
        if closed:
            meeting.closed_at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        return meeting

    m1, m2, m3 = meeting_on(date(2026, 1, 14), True), meeting_on(date(2026, 2, 18), True), \
        meeting_on(date(2026, 3, 18), False)
    A, B, C, D, E, F = (people[x] for x in "ABCDEF")  # noqa: N806
    for meeting in (m1, m2):
        for member in (A, B, C, D, E):
            db.session.add(CheckIn(meeting_id=meeting.id, member_id=member.id))
    add_round(m1, 1, [[A, B, C], [D, E]])
    add_round(m1, 2, [[A, D], [B, E], [C]])
    add_round(m2, 1, [[A, B, E], [C, D]])
    db.session.add(OneToOne(proposer_id=B.id, partner_id=F.id, met_on=date(2026, 2, 1), status="confirmed"))
    # A proposed (unconfirmed) 1-to-1 is not a tie.
    db.session.add(OneToOne(proposer_id=organizer.id, partner_id=A.id, met_on=date(2026, 2, 2)))
    db.session.commit()
    return GraphWorld(group=group, other_group=other, organizer=organizer, people=people,
                      meetings=[m1, m2, m3], outsider=outsider)

