"""app.connections.history: ties from encounters, confirmed 1-to-1s and co-attendance."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from app.connections import history
from app.connections.strength import MEETING, ONE_TO_ONE, TABLE, Tie
from app.extensions import db
from app.models import OneToOneStatus
from tests.factories import create_group, create_member
from tests.web.connections_helpers import check_in, encounters, one_to_one, past_meeting

TODAY = date(2026, 6, 1)


def _people(n, group):
    return [create_member(groups=[group], name=f"P{i}") for i in range(n)]


def test_one_table_tie_per_round_and_meeting_ties_for_the_rest(app):
    group = create_group()
    a, b, c, d = _people(4, group)
    meeting = past_meeting(group, date(2026, 3, 12))
    check_in(meeting, a, b, c, d)
    encounters(meeting, [[[a, b], [c, d]], [[a, b, c], [d]]])

    ties = history.pair_ties([a.id, b.id, c.id, d.id], today=TODAY)
    on = date(2026, 3, 12)
    assert ties[(a.id, b.id)] == [Tie(TABLE, on), Tie(TABLE, on)]
    assert ties[(c.id, d.id)] == [Tie(TABLE, on)]
    assert ties[(a.id, c.id)] == [Tie(TABLE, on)]
    assert ties[(b.id, c.id)] == [Tie(TABLE, on)]
    # a-d and b-d never shared a table but were both checked in: the weaker tie
    assert ties[(a.id, d.id)] == [Tie(MEETING, on)]
    assert ties[(b.id, d.id)] == [Tie(MEETING, on)]
    assert set(ties) == {(x, y) for x, y in [(a.id, b.id), (c.id, d.id), (a.id, c.id), (b.id, c.id),
                                             (a.id, d.id), (b.id, d.id)]}


def test_only_asked_members_and_only_closed_meetings(app):
    group = create_group()
    a, b, c = _people(3, group)
    open_meeting = past_meeting(group, date(2026, 4, 2), closed=False)
    check_in(open_meeting, a, b)
    closed = past_meeting(group, date(2026, 4, 9))
    check_in(closed, a, c)
    assert history.pair_ties([a.id, b.id], today=TODAY) == {}
    assert history.pair_ties([a.id, c.id], today=TODAY) == {(a.id, c.id): [Tie(MEETING, date(2026, 4, 9))]}
    assert history.pair_ties([a.id], today=TODAY) == {}
    assert history.pair_ties([], today=TODAY) == {}


def test_cancelled_meeting_gives_no_co_attendance(app):
    group = create_group()
    a, b = _people(2, group)
    meeting = past_meeting(group, date(2026, 4, 9))
    meeting.status = "cancelled"
    db.session.commit()
    check_in(meeting, a, b)
    assert history.pair_ties([a.id, b.id], today=TODAY) == {}


def test_one_to_one_counts_only_when_confirmed_and_happened(app):
    group = create_group()
    a, b, c, d = _people(4, group)
    one_to_one(b, a, date(2026, 5, 1))  # confirmed, proposer has the bigger id
    one_to_one(a, c, date(2026, 5, 2), status=OneToOneStatus.PROPOSED.value)
    one_to_one(a, d, date(2026, 5, 3), status=OneToOneStatus.DECLINED.value)
    one_to_one(c, d, date(2026, 5, 4), status=OneToOneStatus.CANCELLED.value)
    one_to_one(b, c, date(2026, 7, 1))  # confirmed but after today
    ties = history.pair_ties([a.id, b.id, c.id, d.id], today=TODAY)
    assert ties == {(a.id, b.id): [Tie(ONE_TO_ONE, date(2026, 5, 1))]}
    assert history.pair_ties([a.id, b.id, c.id, d.id], today=date(2026, 7, 1))[(b.id, c.id)] == [
        Tie(ONE_TO_ONE, date(2026, 7, 1))]


def test_member_ties_and_relations_agree_with_pair_ties(app):
    group = create_group()
    a, b, c, d = _people(4, group)
    m1 = past_meeting(group, date(2025, 3, 12))
    check_in(m1, a, b, c, d)
    encounters(m1, [[[a, b], [c, d]], [[a, c], [b, d]]])
    m2 = past_meeting(group, date(2026, 3, 12))
    check_in(m2, a, b, d)
    encounters(m2, [[[a, b, d]]])
    one_to_one(a, c, date(2026, 1, 20))

    everything = history.pair_ties([a.id, b.id, c.id, d.id], today=TODAY)
    mine = history.member_ties(a.id, today=TODAY)
    for other in (b, c, d):
        assert mine[other.id] == everything[history.ordered(a.id, other.id)]

    rel = history.relations(a.id, today=TODAY)
    assert rel[b.id].times_met == 2 and rel[b.id].tables == 2
    assert rel[b.id].last_met == date(2026, 3, 12) and rel[b.id].first_met == date(2025, 3, 12)
    assert rel[c.id].times_met == 2 and rel[c.id].one_to_ones == 1 and rel[c.id].last_met == date(2026, 1, 20)
    assert rel[d.id].times_met == 1 and rel[d.id].meetings == 1  # m1: no shared table
    assert history.relation(a.id, d.id, today=TODAY) == rel[d.id]
    empty = history.relation(b.id, b.id, today=TODAY)
    assert empty.level == "none" and not empty.met and empty.times_met == 0


def test_a_few_queries_whatever_the_number_of_members(app):
    group = create_group()
    people = _people(12, group)
    for month in range(1, 7):
        meeting = past_meeting(group, date(2026, month, 5))
        check_in(meeting, *people)
        encounters(meeting, [[people[i:i + 4] for i in range(0, 12, 4)]])
    ids = [p.id for p in people]
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        ties = history.pair_ties(ids, today=TODAY)
        history.member_ties(ids[0], today=TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 13  # 4 for all pairs, 3 for one member; each also reads referrals, help, thanks
    assert len(ties) == 66  # every pair was at least at the same meetings
