"""The seating service: plans generated from settings, the quality against hand-computed cases, an
edited plan checked, versions, manual moves, re-planning after a late arrival or a cancellation,
publishing, and the group's rules. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.models import Rsvp, SeatingRule
from app.seating import rules, services
from tests.factories import create_member
from tests.web.seating_helpers import build_room, going, key, met, plan_of


@pytest.fixture(autouse=True)
def quick(app):
    # Bounded by iterations, not time: the same seed gives the same plan however busy the machine is.
    app.config["SEATING_SECONDS"] = 60.0
    app.config["SEATING_MAX_ITERATIONS"] = 20000


def seated(rounds) -> list[list[str]]:
    return [sorted(k for table in round_ for k in table) for round_ in rounds]


def table_of(rounds, round_no: int, person: str) -> int:
    return next(i for i, table in enumerate(rounds[round_no]) if person in table)


def test_generate_seats_everyone_going_once_per_round(app):
    room = build_room(others=7, guest=True)
    outcome = services.generate(room.organizer, room.meeting.id, {"table_size": 3, "rounds": 2}, seed=5)
    plan = outcome.plan
    everyone = sorted([key(m) for m in room.going] + [f"g{room.guest.id}"])
    assert seated(plan.rounds) == [everyone, everyone]
    assert sorted(len(t) for t in plan.rounds[0]) == [2, 2, 3, 3]  # 10 people, none above 3
    assert plan.version == 1 and plan.published_at is None and plan.round_count == 2
    assert plan.settings["table_size"] == 3 and plan.settings["rounds"] == 2
    # The guest sits with the member who brought them in the first round.
    assert table_of(plan.rounds, 0, f"g{room.guest.id}") == table_of(plan.rounds, 0, key(room.member))
    q = plan.quality
    assert q["pairs"] == q["new_pairs"] + q["repeats"] and q["violations"] == 0
    assert q["people"] == 10 and q["lower_bound"] <= q["repeats"]


def test_quality_by_hand_four_people_two_tables(app):
    """A, B, C, D at two tables of two. A and B met twice before; C and D never."""
    room = build_room(others=2)
    a, b, c, d = room.going
    met(room, a, b, date(2025, 3, 1))
    met(room, a, b, date(2025, 6, 1))
    services.generate(room.organizer, room.meeting.id, {"tables": 2, "rounds": 2}, seed=1)
    version = plan_of(room.meeting).version
    A, B, C, D = (key(m) for m in (a, b, c, d))

    # Round 1: A-B (met before), C-D (new); round 2: A-C, B-D (new).
    plan = services.save(room.organizer, room.meeting.id, [[[A, B], [C, D]], [[A, C], [B, D]]],
                         version=version).plan
    q = plan.quality
    assert (q["pairs"], q["new_pairs"], q["repeats"], q["repeats_in_meeting"]) == (4, 3, 1, 0)
    assert q["lower_bound"] == 0 and q["violations"] == 0
    assert q["repeated"] == [{"a": min(A, B), "b": max(A, B), "times": 1, "last_met": "2025-06-01",
                              "met_count": 2}]

    # The same tables twice: A-B repeat twice (met before, then again today), C-D new then repeat.
    plan = services.save(room.organizer, room.meeting.id, [[[A, B], [C, D]], [[B, A], [D, C]]],
                         version=plan.version).plan
    q = plan.quality
    assert (q["pairs"], q["new_pairs"], q["repeats"], q["repeats_in_meeting"]) == (4, 1, 3, 2)
    by_pair = {(r["a"], r["b"]): r for r in q["repeated"]}
    assert by_pair[(min(C, D), max(C, D))] == {"a": min(C, D), "b": max(C, D), "times": 2, "last_met": None,
                                               "met_count": 0}
    assert by_pair[(min(A, B), max(A, B))]["times"] == 2


def test_lower_bound_by_hand(app):
    """Four people at tables of two over four rounds: each has three others to meet and four seats
    beside someone, so each sits with someone a second time: at least 4 / 2 = 2 repeats."""
    room = build_room(others=2)
    plan = services.generate(room.organizer, room.meeting.id, {"table_size": 2, "rounds": 4}, seed=3).plan
    assert plan.quality["lower_bound"] == 2
    assert plan.quality["repeats"] == 2  # the planner reaches it
    assert plan.quality["new_pairs"] == 6


def test_apart_rule_is_kept(app):
    room = build_room(others=4)
    a, b = room.others[0], room.others[1]
    rules.add_rule(room.organizer, room.group.slug, a.id, b.id, "apart", "Konkurrenter")
    for seed in range(3):
        plan = services.generate(room.organizer, room.meeting.id, {"tables": 2, "rounds": 3}, seed=seed).plan
        for round_ in plan.rounds:
            assert all(not (key(a) in table and key(b) in table) for table in round_)
        assert plan.quality["violations"] == 0


def test_together_rule_in_the_first_round(app):
    room = build_room(others=6)
    a, b = room.others[0], room.others[5]
    rules.add_rule(room.organizer, room.group.slug, b.id, a.id, "together", "")
    plan = services.generate(room.organizer, room.meeting.id, {"table_size": 4, "rounds": 2}, seed=2).plan
    assert table_of(plan.rounds, 0, key(a)) == table_of(plan.rounds, 0, key(b))


def test_hosts_option_is_saved_and_planned(app):
    room = build_room(others=6, guest=True)
    for other in room.others[:3]:
        met(room, room.organizer, other, date(2025, 1, 10))
    plan = services.generate(room.organizer, room.meeting.id, {"table_size": 3, "rounds": 1, "hosts": True},
                             seed=4).plan
    assert plan.settings["hosts"] is True and plan.quality["violations"] == 0
    # Nine people: two hosts, the organizer (three ties) first; everyone else is new to the group.
    hosts = plan.quality["hosts"]
    assert len(hosts) == 2 and key(room.organizer) in hosts
    assert next(h for h in hosts if h != key(room.organizer)) in {key(m) for m in room.others[:3]}
    assert table_of(plan.rounds, 0, hosts[0]) != table_of(plan.rounds, 0, hosts[1])
    without = services.generate(room.organizer, room.meeting.id, {"table_size": 3}, seed=4).plan
    assert without.quality["hosts"] == []


@pytest.mark.parametrize("edit, message", [
    (lambda r, A, B, C, D: [[[A, A], [C, D]], [[A, C], [B, D]]], "seated twice"),
    (lambda r, A, B, C, D: [[[A], [C, D]], [[A, C], [B, D]]], "has no seat"),
    (lambda r, A, B, C, D: [[[A, B], [C, D, "m999999"]], [[A, C], [B, D]]], "not among"),
    (lambda r, A, B, C, D: [[[A, B], [C, D, "x1"]], [[A, C], [B, D]]], "not among"),
    (lambda r, A, B, C, D: [[[A, B], [C, D, "m1\x00"]], [[A, C], [B, D]]], "not among"),
    (lambda r, A, B, C, D: [[[A, B], [C, D, "\ud800"]], [[A, C], [B, D]]], "not among"),
    (lambda r, A, B, C, D: [[[A, B], [], [C, D]], [[A, C], [B, D]]], "from 1 to"),
    (lambda r, A, B, C, D: [[[A, B, C, D]]] * 5, "from 1 to 4 rounds"),
    (lambda r, A, B, C, D: [], "from 1 to 4 rounds"),
    (lambda r, A, B, C, D: "A,B", "list of rounds"),
    (lambda r, A, B, C, D: [[A, B, C, D]], "list of rounds"),
    (lambda r, A, B, C, D: [[[A, B, 7, D]]], "list of rounds"),
    (lambda r, A, B, C, D: {"rounds": 1}, "list of rounds"),
])
def test_an_edited_plan_is_checked(app, english, edit, message):
    room = build_room(others=2)
    version = services.generate(room.organizer, room.meeting.id, {"tables": 2, "rounds": 2}).plan.version
    before = plan_of(room.meeting).rounds
    A, B, C, D = (key(m) for m in room.going)
    with pytest.raises(ValidationFailed) as caught:
        services.save(room.organizer, room.meeting.id, edit(room, A, B, C, D), version=version)
    assert any(message in m for m in caught.value.fields["rounds"]), caught.value.fields
    db.session.rollback()
    assert plan_of(room.meeting).rounds == before and plan_of(room.meeting).version == version


def test_a_save_from_an_older_version_is_refused(app):
    room = build_room(others=2)
    first = services.generate(room.organizer, room.meeting.id, {"tables": 2, "rounds": 1}).plan
    rounds = first.rounds
    services.publish(room.organizer, room.meeting.id, True, version=1)  # someone else: version 2
    with pytest.raises(Conflict):
        services.save(room.organizer, room.meeting.id, rounds, version=1)
    db.session.rollback()
    with pytest.raises(Conflict):
        services.move(room.organizer, room.meeting.id, 1, rounds[0][0][0], 2, version=1)
    db.session.rollback()
    with pytest.raises(Conflict):
        services.generate(room.organizer, room.meeting.id, {"tables": 2}, version=1)
    db.session.rollback()
    with pytest.raises(Conflict):
        services.replan(room.organizer, room.meeting.id, version=1)
    db.session.rollback()
    assert plan_of(room.meeting).version == 2
    assert services.save(room.organizer, room.meeting.id, rounds, version=2).plan.version == 3


def test_move_one_person_updates_the_quality(app):
    room = build_room(others=6)
    plan = services.generate(room.organizer, room.meeting.id, {"tables": 2, "rounds": 2}, seed=7).plan
    person = plan.rounds[1][0][0]
    before, version = dict(plan.quality), plan.version
    moved = services.move(room.organizer, room.meeting.id, 1 + 1, person, 2, version=plan.version).plan
    assert person in moved.rounds[1][1] and person not in moved.rounds[1][0]
    assert moved.rounds[0] == plan_of(room.meeting).rounds[0]
    assert moved.version == version + 1
    assert moved.quality["pairs"] == sum(len(t) * (len(t) - 1) // 2 for r in moved.rounds for t in r)
    assert moved.quality != before


@pytest.mark.parametrize("round_no, person, table", [
    (0, None, 1), (3, None, 1), ("1", None, 1), (True, None, 1), (1, None, 0), (1, None, 9), (1, None, "2"),
    (1, None, 10**30),
])
def test_bad_moves_are_refused(app, round_no, person, table):
    room = build_room(others=2)
    plan = services.generate(room.organizer, room.meeting.id, {"tables": 2, "rounds": 2}).plan
    with pytest.raises(ValidationFailed):
        services.move(room.organizer, room.meeting.id, round_no, person or plan.rounds[0][0][0], table,
                      version=plan.version)


def test_moving_someone_not_in_the_plan(app):
    room = build_room(others=2)
    plan = services.generate(room.organizer, room.meeting.id, {"tables": 2, "rounds": 1}).plan
    for stranger in ("m999", None, 5, "\x00"):
        with pytest.raises(NotFound):
            services.move(room.organizer, room.meeting.id, 1, stranger, 1, version=plan.version)
        db.session.rollback()


def test_replan_after_a_late_arrival_keeps_the_others_in_place(app):
    room = build_room(others=10)  # 12 people at 3 tables
    plan = services.generate(room.organizer, room.meeting.id, {"tables": 3, "rounds": 2}, seed=11).plan
    before = plan.rounds
    late = create_member(groups=[room.group], name="Lene Late")
    going(room.meeting, late)
    view = services.plan_for(room.organizer, room.meeting.id)
    assert [s.key for s in view.not_seated] == [key(late)]
    outcome = services.replan(room.organizer, room.meeting.id, version=plan.version)
    after = outcome.plan.rounds
    assert all(key(late) in [k for t in r for k in t] for r in after)
    assert outcome.moved == 0 == outcome.plan.quality["moved"]
    for r in range(2):
        for person in (k for t in before[r] for k in t):
            assert table_of(after, r, person) == table_of(before, r, person)


def test_replan_when_a_late_arrival_needs_a_new_table(app):
    room = build_room(others=10)  # 12 people at tables of 4; the 13th needs a fourth table
    plan = services.generate(room.organizer, room.meeting.id, {"table_size": 4, "rounds": 2}, seed=11).plan
    late = create_member(groups=[room.group], name="Lene Late")
    going(room.meeting, late)
    outcome = services.replan(room.organizer, room.meeting.id, version=plan.version)
    assert sorted(len(t) for t in outcome.plan.rounds[0]) == [3, 3, 3, 4]
    # Only those who fill the new table move (three a round at most, the late arrival not counted).
    assert 1 <= outcome.moved <= 6


def test_replan_after_a_cancellation(app):
    room = build_room(others=7)  # 9 people, tables of 3
    plan = services.generate(room.organizer, room.meeting.id, {"table_size": 3, "rounds": 2}, seed=2).plan
    gone = room.others[0]
    rsvp = db.session.query(Rsvp).filter_by(meeting_id=room.meeting.id, member_id=gone.id).one()
    rsvp.status = "declined"
    db.session.commit()
    view = services.plan_for(room.organizer, room.meeting.id)
    assert [s.key for s in view.gone] == [key(gone)]
    outcome = services.replan(room.organizer, room.meeting.id, version=plan.version)
    assert key(gone) not in [k for r in outcome.plan.rounds for t in r for k in t]
    assert outcome.moved <= 2  # 8 people at tables of 3: one table of 2 needs at most a move or two


def test_publish_and_my_tables(app):
    room = build_room(others=4)
    plan = services.generate(room.organizer, room.meeting.id, {"tables": 2, "rounds": 2}).plan
    mine = services.my_tables(room.member, room.meeting.id)
    assert mine.published is False and mine.tables == []
    services.publish(room.organizer, room.meeting.id, True, version=plan.version)
    mine = services.my_tables(room.member, room.meeting.id)
    assert mine.published and mine.in_plan and [t.round for t in mine.tables] == [1, 2]
    plan = plan_of(room.meeting)
    for t in mine.tables:
        table = plan.rounds[t.round - 1][t.table - 1]
        assert key(room.member) in table
        assert sorted(s.key for s in t.others) == sorted(k for k in table if k != key(room.member))
    services.publish(room.organizer, room.meeting.id, False, version=plan.version)
    assert services.my_tables(room.member, room.meeting.id).tables == []


@pytest.mark.parametrize("role", ["member", "outsider"])
def test_only_managers_change_the_plan(app, role):
    room = build_room(others=2)
    plan = services.generate(room.organizer, room.meeting.id, {"tables": 2}).plan
    user = room.person(role)
    error = PermissionDenied if role == "member" else NotFound
    for call in (lambda: services.plan_for(user, room.meeting.id),
                 lambda: services.generate(user, room.meeting.id, {"tables": 2}),
                 lambda: services.save(user, room.meeting.id, plan.rounds, version=plan.version),
                 lambda: services.move(user, room.meeting.id, 1, plan.rounds[0][0][0], 2, version=1),
                 lambda: services.replan(user, room.meeting.id, version=1),
                 lambda: services.publish(user, room.meeting.id, True, version=1)):
        with pytest.raises(error):
            call()
        db.session.rollback()
    assert plan_of(room.meeting).version == 1


def test_admin_manages(app):
    room = build_room(others=2)
    plan = services.generate(room.admin, room.meeting.id, {"tables": 2}).plan
    assert plan.created_by_id == room.admin.id


def test_cancelled_meeting_refuses_changes(app):
    room = build_room(others=2)
    plan = services.generate(room.organizer, room.meeting.id, {"tables": 2}).plan
    room.meeting.status = "cancelled"
    db.session.commit()
    with pytest.raises(Conflict):
        services.generate(room.organizer, room.meeting.id, {"tables": 2})
    db.session.rollback()
    with pytest.raises(Conflict):
        services.move(room.organizer, room.meeting.id, 1, plan.rounds[0][0][0], 2, version=plan.version)


def test_rules_crud_and_permissions(app):
    room = build_room(others=2)
    a, b = room.others
    rule = rules.add_rule(room.organizer, room.group.slug, str(b.id), str(a.id), "apart", "Konkurrenter")
    assert (rule.member_a_id, rule.member_b_id) == tuple(sorted((a.id, b.id)))
    again = rules.add_rule(room.organizer, room.group.slug, a.id, b.id, "together", "")
    assert again.id == rule.id and again.kind == "together"
    for bad in [(a.id, a.id, "apart", ""), (a.id, room.outsider.id, "apart", ""), (a.id, b.id, "near", ""),
                (a.id, b.id, "apart", "x\x00"), ("1\ud800", b.id, "apart", ""), (10**30, b.id, "apart", ""),
                (a.id, b.id, "apart", "x" * 501), (a.id, b.id, "apart", 5)]:
        with pytest.raises(ValidationFailed):
            rules.add_rule(room.organizer, room.group.slug, *bad)
        db.session.rollback()
    with pytest.raises(PermissionDenied):
        rules.add_rule(room.member, room.group.slug, a.id, b.id, "apart", "")
    with pytest.raises(NotFound):
        rules.rule_list(room.outsider, room.group.slug)
    rules.remove_rule(room.organizer, room.group.slug, rule.id)
    assert db.session.query(SeatingRule).count() == 0


def test_once_anyone_checked_in_only_the_checked_in_are_seated(app):
    from app.models import CheckIn

    room = build_room(others=4)
    here = [room.organizer, room.member, room.others[0]]
    for person in here:
        db.session.add(CheckIn(meeting_id=room.meeting.id, member_id=person.id))
    walk_in = CheckIn(meeting_id=room.meeting.id, name="Vera Visitor", company="Vera ApS",
                      brought_by_id=room.others[0].id, walk_in=True)
    db.session.add(walk_in)
    db.session.commit()
    plan = services.generate(room.organizer, room.meeting.id, {"table_size": 2, "rounds": 2}, seed=1).plan
    visitor = f"v{walk_in.id}"
    assert seated(plan.rounds)[0] == sorted([key(p) for p in here] + [visitor])
    # The walk-in sits with the member who brought them in the first round.
    assert table_of(plan.rounds, 0, visitor) == table_of(plan.rounds, 0, key(room.others[0]))
    view = services.plan_for(room.organizer, room.meeting.id)
    assert {s.name for s in view.people.values() if s.kind == "visitor"} == {"Vera Visitor"}
    assert view.not_seated == [] and view.gone == []


def test_a_plan_changed_after_the_close_resends_meeting_closed(app):
    """Who really sat where, corrected after the meeting: the encounters follow (meeting_closed again);
    before the close a change sends nothing."""
    from app import events
    from app.models import utcnow
    room = build_room(others=6)
    seen = []

    def receiver(meeting, actor=None, **_kw):
        seen.append((meeting.id, getattr(actor, "id", None)))

    with events.meeting_closed.connected_to(receiver):
        plan = services.generate(room.organizer, room.meeting.id, {"tables": 2, "rounds": 2}, seed=7).plan
        person = plan.rounds[1][0][0]
        plan = services.move(room.organizer, room.meeting.id, 2, person, 2, version=plan.version).plan
        assert seen == []
        room.meeting.closed_at = utcnow()
        room.meeting.closed_by_id = room.organizer.id
        db.session.commit()
        services.move(room.organizer, room.meeting.id, 2, person, 1, version=plan.version)
    assert seen == [(room.meeting.id, room.organizer.id)]
    assert person in plan_of(room.meeting).rounds[1][0]
