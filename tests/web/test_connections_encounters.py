"""The meeting_closed receiver: encounters from the seating plan and the check-ins."""

from __future__ import annotations

from datetime import date

from app import events
from app.connections.encounters import plan_pairs
from app.extensions import db
from app.models import Encounter
from tests.factories import create_group, create_member, create_organizer
from tests.web.connections_helpers import check_in, past_meeting, seat, stored_encounters


def _close(meeting):
    events.meeting_closed.send(meeting, actor=None)
    db.session.commit()


def test_two_rounds_give_exactly_the_table_pairs(app):
    group = create_group()
    a, b, c, d, e = (create_member(groups=[group]) for _ in range(5))
    meeting = past_meeting(group, date(2026, 3, 12))
    seat(meeting, [[[a, b, "g7"], [c, d, e]], [[a, c, "v3"], [b, d], [e]]])
    _close(meeting)

    def p(r, x, y):
        return (r, min(x.id, y.id), max(x.id, y.id))

    assert stored_encounters(meeting.id) == {
        p(1, a, b), p(1, c, d), p(1, c, e), p(1, d, e),
        p(2, a, c), p(2, b, d),
    }
    rows = db.session.query(Encounter).filter_by(meeting_id=meeting.id).all()
    assert {row.met_on for row in rows} == {date(2026, 3, 12)}
    assert {row.group_id for row in rows} == {group.id}
    b_d = {b.id, d.id}
    assert {(r.round, r.table_no) for r in rows if {r.member_a_id, r.member_b_id} == b_d} == {(2, 2)}


def test_only_checked_in_members_when_there_are_check_ins(app):
    group = create_group()
    a, b, c, d = (create_member(groups=[group]) for _ in range(4))
    meeting = past_meeting(group, date(2026, 3, 12))
    seat(meeting, [[[a, b, c, d]]])
    check_in(meeting, a, b, d)
    _close(meeting)
    assert {(x, y) for _, x, y in stored_encounters(meeting.id)} == {
        tuple(sorted(pair)) for pair in [(a.id, b.id), (a.id, d.id), (b.id, d.id)]}


def test_idempotent_and_follows_corrections(app):
    group = create_group()
    a, b, c = (create_member(groups=[group]) for _ in range(3))
    meeting = past_meeting(group, date(2026, 3, 12))
    seat(meeting, [[[a, b, c]]])
    check_in(meeting, a, b)
    _close(meeting)
    first = stored_encounters(meeting.id)
    _close(meeting)
    assert stored_encounters(meeting.id) == first and len(first) == 1
    assert db.session.query(Encounter).count() == 1
    check_in(meeting, c)  # attendance corrected after the close
    _close(meeting)
    assert len(stored_encounters(meeting.id)) == 3


def test_no_plan_cancelled_and_other_meetings_untouched(app):
    group = create_group()
    a, b = (create_member(groups=[group]) for _ in range(2))
    other = past_meeting(group, date(2026, 2, 12))
    seat(other, [[[a, b]]])
    _close(other)
    no_plan = past_meeting(group, date(2026, 3, 12))
    _close(no_plan)
    assert stored_encounters(no_plan.id) == set()
    cancelled = past_meeting(group, date(2026, 4, 12))
    seat(cancelled, [[[a, b]]])
    cancelled.status = "cancelled"
    db.session.commit()
    _close(cancelled)
    assert stored_encounters(cancelled.id) == set()
    assert len(stored_encounters(other.id)) == 1


def test_plan_pairs_skips_junk_and_deleted_members(app):
    assert plan_pairs("nope") == []
    junk = [[["m1", "m2", "m2", None, 3, "x9", "m", "m" + "9" * 40]], "junk", [["m2", "m1"], ["m1", "m3"]]]
    assert plan_pairs(junk) == [(1, 1, 1, 2), (3, 1, 1, 2)]
    group = create_group()
    a = create_member(groups=[group])
    meeting = past_meeting(group, date(2026, 3, 12))
    seat(meeting, [[[a, "m999999", "g1"]]])
    _close(meeting)
    assert stored_encounters(meeting.id) == set()


def test_closing_and_correcting_through_the_check_in_service(app):
    from app.checkin import services as checkin

    group = create_group()
    organizer = create_organizer(group)
    a, b, c = (create_member(groups=[group]) for _ in range(3))
    meeting = past_meeting(group, date(2026, 3, 12), closed=False)
    seat(meeting, [[[a, b, c]], [[a, c], [b]]])
    check_in(meeting, a, b)
    assert checkin.close_meeting(organizer, meeting.id) is True
    assert {(r, x, y) for r, x, y in stored_encounters(meeting.id)} == {(1, *sorted((a.id, b.id)))}
    checkin.correct(organizer, meeting.id, f"m{c.id}", came=True)  # c came after all
    assert len(stored_encounters(meeting.id)) == 4  # a-b, a-c, b-c in round 1; a-c in round 2
    checkin.correct(organizer, meeting.id, f"m{b.id}", came=False)  # b did not
    assert {(r, x, y) for r, x, y in stored_encounters(meeting.id)} == {
        (1, *sorted((a.id, c.id))), (2, *sorted((a.id, c.id)))}
