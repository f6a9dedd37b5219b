"""The pure seating planner: table sizes, quality, lower bound, constraints, determinism, zero
repeats where a perfect plan exists, re-planning. Iteration budgets, never seconds, so the
outcome does not depend on the machine."""

from __future__ import annotations

from itertools import combinations

import pytest

from app.seating import planner
from app.seating.constructions import affine_plane
from app.seating.planner import Problem, evaluate, lower_bound, plan_tables, table_sizes_for

BIG = 10.0**6  # seconds: iterations decide


def people(n: int) -> tuple[str, ...]:
    return tuple(f"p{i:02d}" for i in range(n))


def pairs_in(rounds) -> list[tuple[str, str]]:
    return [planner.pair(a, b) for tables in rounds for table in tables
            for a, b in combinations(table, 2)]


def check_shape(plan, problem: Problem, rounds: int) -> None:
    assert len(plan.rounds) == rounds
    sizes = planner._round_sizes(problem, rounds)
    for r, tables in enumerate(plan.rounds):
        assert [len(t) for t in tables] == list(sizes[r])
        assert sorted(p for t in tables for p in t) == sorted(problem.people)


# --- table sizes -------------------------------------------------------------------------------

def test_tables_of_five_for_23_people():
    assert table_sizes_for(23, size=5) == (5, 5, 5, 4, 4)


def test_sizes_by_number_of_tables_and_exact_fit():
    assert table_sizes_for(20, tables=3) == (7, 7, 6)
    assert table_sizes_for(20, size=5) == (5, 5, 5, 5)
    assert table_sizes_for(1, size=5) == (1,)
    assert table_sizes_for(0, size=5) == ()


def test_list_of_sizes_gives_up_seats_at_the_largest_tables():
    assert table_sizes_for(10, sizes=[4, 4, 4]) == (4, 3, 3)
    assert table_sizes_for(12, sizes=[6, 4, 2]) == (6, 4, 2)
    assert table_sizes_for(9, sizes=[8, 2]) == (7, 2)


@pytest.mark.parametrize("kwargs, message", [
    ({}, "exactly one"),
    ({"size": 5, "tables": 2}, "exactly one"),
    ({"size": 0}, "at least one person"),
    ({"tables": 0}, "at least one table"),
    ({"tables": 30}, "empty"),
    ({"sizes": [4, 4]}, "8 seats for 20 people"),
    ({"sizes": []}, "empty"),
    ({"sizes": [5, 0, 5]}, "at least one person"),
])
def test_impossible_settings_say_why(kwargs, message):
    with pytest.raises(ValueError, match=message):
        table_sizes_for(20, **kwargs)


def test_negative_people():
    with pytest.raises(ValueError, match="negative"):
        table_sizes_for(-1, size=4)


def test_problem_with_wrong_sizes_is_refused():
    with pytest.raises(ValueError, match="do not seat exactly"):
        plan_tables(Problem(people(5), ((3, 3),)), 1, max_iterations=10)
    with pytest.raises(ValueError, match="listed once"):
        plan_tables(Problem(("a", "a"), ((2,),)), 1, max_iterations=10)
    with pytest.raises(ValueError, match="2 rounds, not 3"):
        plan_tables(Problem(people(4), ((2, 2), (2, 2))), 3, max_iterations=10)


# --- evaluate and the lower bound ----------------------------------------------------------------

def test_evaluate_counts_new_pairs_repeats_and_violations():
    p = Problem(people=("a", "b", "c", "d"), table_sizes=((2, 2),),
                met=frozenset({("a", "b")}), apart=frozenset({("c", "d")}),
                together=(("a", "c"),))
    q = evaluate(p, [[["a", "b"], ["c", "d"]], [["a", "b"], ["c", "d"]]])
    assert q.pairs == 4
    assert q.repeats == 3  # a-b met before (twice), c-d again in round 2
    assert q.new_pairs == 1
    assert q.repeats_in_meeting == 2
    assert q.repeated == [("a", "b", 2), ("c", "d", 2)]
    assert q.violations == 2 + 1  # c-d apart in both rounds; a and c split in round 1
    assert q.as_dict()["repeated"] == [["a", "b", 2], ["c", "d", 2]]


def test_lower_bound_by_counting():
    # 4-3-5: each person has 10 table-mate slots and 11 others: no repeat is forced
    assert lower_bound(planner.golfer(4, 3), 5) == 0
    # 6 rounds: 12 slots for 11 others: one repeat a person, 12 people -> 6
    assert lower_bound(planner.golfer(4, 3), 6) == 6
    # Everyone has met everyone: every pair at a table is a repeat
    everyone = people(6)
    met = frozenset(planner.pair(a, b) for a, b in combinations(everyone, 2))
    assert lower_bound(Problem(everyone, ((3, 3),), met=met), 2) == 12


def test_lower_bound_by_pigeonholes():
    # 4 tables of 5: a later round's table of 5 has two people from one first-round table
    assert lower_bound(planner.golfer(4, 5), 3) == 2 * 4
    plan = plan_tables(planner.golfer(4, 5), 3, seed=1, seconds=BIG, max_iterations=20_000)
    assert plan.quality.repeats == 8  # the bound is reached
    assert lower_bound(planner.golfer(5, 5), 6) == 0


def test_moved_counts_people_at_another_table():
    before = (
        (("a", "b"), ("c", "d")),
    )
    p = Problem(people=("a", "b", "c", "d"), table_sizes=((2, 2),), previous=before)
    assert evaluate(p, [[["a", "b"], ["c", "d"]]]).moved == 0
    assert evaluate(p, [[["a", "c"], ["b", "d"]]]).moved == 2


# --- the planner ---------------------------------------------------------------------------------

def test_empty_and_single_table():
    plan = plan_tables(Problem((), ((),)), 2, max_iterations=10)
    assert plan.rounds == [[], []]
    plan = plan_tables(Problem(people(3), ((3,),)), 2, max_iterations=10)
    assert plan.quality.repeats_in_meeting == 3
    assert plan.quality.lower_bound == 3


def test_same_seed_and_iterations_give_the_same_plan():
    p = planner.golfer(6, 3)
    a = plan_tables(p, 6, seed=11, seconds=BIG, max_iterations=300)
    b = plan_tables(p, 6, seed=11, seconds=BIG, max_iterations=300)
    assert a.rounds == b.rounds
    assert a.iterations == b.iterations


@pytest.mark.parametrize("groups, size, rounds", [(4, 3, 4), (5, 3, 7), (4, 4, 5), (5, 4, 5),
                                                   (3, 3, 4), (6, 3, 6)])
def test_zero_repeats_where_a_perfect_plan_exists(groups, size, rounds):
    for seed in (1, 2):
        problem = planner.golfer(groups, size)
        plan = plan_tables(problem, rounds, seed=seed, seconds=BIG, max_iterations=300_000)
        check_shape(plan, problem, rounds)
        assert plan.quality.repeats == 0, (groups, size, rounds, seed)
        assert plan.cost == 0
        assert len(set(pairs_in(plan.rounds))) == len(pairs_in(plan.rounds))


def test_affine_plane_construction_is_perfect():
    for q in (2, 3, 4, 5, 7, 8, 9):
        tab = affine_plane(q, q + 1)
        met = set()
        for r in range(q + 1):
            for t in range(q):
                table = [int(i) for i in (tab[r] == t).nonzero()[0]]
                assert len(table) == q
                for pair_ in combinations(table, 2):
                    assert pair_ not in met
                    met.add(pair_)
        assert len(met) == q * q * (q * q - 1) // 2
    assert affine_plane(6, 3) is None


def test_apart_pairs_never_share_a_table():
    everyone = people(12)
    apart = frozenset(planner.pair(everyone[i], everyone[j]) for i, j in [(0, 1), (0, 2), (1, 2), (3, 4)])
    p = Problem(everyone, ((4, 4, 4),), apart=apart)
    plan = plan_tables(p, 3, seed=4, seconds=BIG, max_iterations=2000)
    check_shape(plan, p, 3)
    assert plan.quality.violations == 0
    assert not apart & set(pairs_in(plan.rounds))


def test_together_groups_share_a_table_in_round_one():
    everyone = people(24)
    groups = ((everyone[0], everyone[1]), (everyone[2], everyone[3], everyone[4]))
    p = Problem(everyone, ((4, 4, 4, 4, 4, 4),), together=groups)
    plan = plan_tables(p, 3, seed=5, seconds=BIG, max_iterations=2000)
    assert plan.quality.violations == 0
    where = {x: t for t, table in enumerate(plan.rounds[0]) for x in table}
    for group in groups:
        assert len({where[x] for x in group}) == 1
    # ... and after round one they do not sit together again (no repeat is needed here)
    assert plan.quality.repeats_in_meeting == 0


def test_history_repeats_fall_on_the_cheapest_pairs():
    everyone = people(8)
    met = frozenset(planner.pair(a, b) for a, b in combinations(everyone, 2))
    cost = {pair_: 5.0 for pair_ in met}
    cheap = [planner.pair(everyone[0], everyone[1]), planner.pair(everyone[2], everyone[3]),
             planner.pair(everyone[4], everyone[5]), planner.pair(everyone[6], everyone[7])]
    for pair_ in cheap:
        cost[pair_] = 0.1
    p = Problem(everyone, ((2, 2, 2, 2),), pair_cost=cost, met=met)
    plan = plan_tables(p, 1, seed=1, seconds=BIG, max_iterations=500)
    assert sorted(pairs_in(plan.rounds)) == sorted(cheap)


def test_every_table_with_a_newcomer_gets_a_host_when_possible():
    everyone = people(12)
    hosts = frozenset(everyone[:3])
    needs = frozenset(everyone[6:9])
    p = Problem(everyone, ((4, 4, 4),), hosts=hosts, needs_host=needs)
    plan = plan_tables(p, 2, seed=2, seconds=BIG, max_iterations=3000)
    for tables in plan.rounds:
        for table in tables:
            if needs & set(table):
                assert hosts & set(table)


def test_replan_keeps_people_in_place():
    everyone = people(30)
    first = plan_tables(Problem(everyone, ((5, 5, 5, 5, 5, 5),)), 3, seed=3, seconds=BIG,
                        max_iterations=5000)
    assert first.quality.repeats == 0
    # one late arrival, one cancellation
    gone = first.rounds[0][0][0]
    now = tuple(p for p in everyone if p != gone) + ("late",)
    previous = tuple(tuple(tuple(t) for t in tables) for tables in first.rounds)
    p = Problem(now, ((5, 5, 5, 5, 5, 5),), previous=previous)
    plan = plan_tables(p, 3, seed=3, seconds=BIG, max_iterations=5000)
    check_shape(plan, p, 3)
    assert plan.quality.repeats == 0
    assert plan.quality.moved <= 2
    kept = sum(1 for r, tables in enumerate(plan.rounds) for t, table in enumerate(tables)
               for x in table if x in first.rounds[r][t])
    assert kept >= 3 * 29 - 6


def test_lower_bound_reported_with_the_plan():
    plan = plan_tables(planner.golfer(4, 3), 6, seed=1, seconds=BIG, max_iterations=3000)
    assert plan.quality.lower_bound == 6
    assert plan.quality.repeats >= 6


def test_progress_is_reported():
    seen = []
    plan_tables(planner.golfer(4, 3), 4, seed=1, seconds=BIG, max_iterations=50,
                progress=seen.append)
    assert seen and seen[-1].repeats_in_meeting >= 0


def test_partial_spread_gives_8_4_9():
    from app.seating.constructions import spread_rounds

    tab = spread_rounds(5, 2, 9)
    met = set()
    for r in range(9):
        for t in range(8):
            table = [int(i) for i in (tab[r] == t).nonzero()[0]]
            assert len(table) == 4
            for pair_ in combinations(table, 2):
                assert pair_ not in met
                met.add(pair_)
    plan = plan_tables(planner.golfer(8, 4), 9, seed=3, seconds=BIG, max_iterations=10)
    assert plan.quality.repeats == 0 and plan.iterations == 0


def test_warm_up_compiles_both_paths():
    assert planner.warm_up() >= 0


def test_bound_follows_a_plan_moved_by_hand():
    p = planner.golfer(4, 3)
    plan = plan_tables(p, 2, seed=1, seconds=BIG, max_iterations=100)
    assert plan.quality.lower_bound == 0
    moved = [[list(t) for t in tables] for tables in plan.rounds]
    # everyone at one table in round 2: three from each first-round table, so 4 x 3 pairs again
    moved[1] = [[x for t in moved[1] for x in t], [], [], []]
    quality = evaluate(p, moved)
    assert quality.lower_bound == quality.repeats == 12
    moved[1] = [[x for t in plan.rounds[1] for x in t][:9], *plan.rounds[1][3:]]
    quality = evaluate(p, moved)
    assert quality.lower_bound <= quality.repeats
