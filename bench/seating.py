"""The seating planner (app/seating/planner.py), pure: no app, no database.

(a) Social golfer instances (the seating guide's table and more): for each g-s, the most rounds
    (from the best known down) for which every seed found a plan without any repeated pair within
    the time limit, the time it took (median and worst over the seeds), and the search's
    iterations per second.
(b) A realistic meeting: a group of 80 members with two years of history (24 monthly meetings,
    random attendance of about 60 %, random tables of 5 for 2-3 rounds; ties turned into costs by
    `app.connections.strength`), 60 attendees today at tables of 5 for 3 rounds. Repeats (pairs
    who met before, or twice today) and the history cost of the planner's plan, against the
    lower bound and against a random seating and a greedy round-by-round seating (the planner's
    start, most constrained first) computed in the same run.
(c) Re-planning at the door from the planned meeting of (b): one late arrival, one cancellation;
    the time allowed, people moved, repeats.

`python -m bench.seating [--seconds 20] [--seeds 3] [--quick]` prints the tables.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from itertools import combinations

from app.connections.strength import MEETING, TABLE, Tie, have_met, seating_cost, strength
from app.seating import planner
from app.seating.planner import Problem, evaluate, plan_tables, table_sizes_for

# g, s, best known rounds without a repeat (the guide's table first, then more)
GOLFERS = [
    (4, 3, 4), (5, 3, 7), (6, 3, 8), (4, 4, 5), (5, 4, 5), (8, 4, 10), (6, 6, 3),
    (5, 5, 6), (7, 3, 9), (6, 4, 6), (7, 4, 7), (10, 3, 13), (10, 5, 7),
]

# Where a construction applies (affine planes, partial spreads; 8-4-10 has none here).
CONSTRUCTED = [(4, 4, 5), (5, 5, 6), (8, 4, 10), (7, 7, 8), (16, 4, 21)]


def golfer_row(g: int, s: int, best: int, *, seconds: float, seeds: int,
               construct: bool = False) -> dict:
    row = {"instance": f"{g}-{s}", "best_known": best, "reached": 0, "times": [],
           "it_per_s": 0.0, "missed": []}
    problem = planner.golfer(g, s)
    iterations = spent = 0.0
    for rounds in range(best, 0, -1):
        times, repeats = [], []
        for seed in range(seeds):
            plan = plan_tables(problem, rounds, seed=1000 + seed, seconds=seconds,
                               construct=construct)
            repeats.append(plan.quality.repeats)
            times.append(plan.seconds)
            iterations += plan.iterations
            spent += plan.seconds
        row["it_per_s"] = iterations / spent if spent else 0.0
        if all(r == 0 for r in repeats):
            row.update(reached=rounds, times=times)
            return row
        row["missed"].append((rounds, repeats))
    return row


def golfer_table(rows: list[dict], seconds: float, title: str) -> str:
    lines = [f"{title}, {len(rows[0]['times']) or '?'} seeds, {seconds:g} s limit each",
             f"{'g-s':6} {'best known':>10} {'reached':>8} {'median s':>9} {'worst s':>8} "
             f"{'it/s':>9}  not reached (repeats per seed)",
             "(it/s over every run of the row; few iterations where a plan came at once)"]
    for row in rows:
        times = row["times"] or [0.0]
        missed = "; ".join(f"{row['instance']}-{rounds}: {repeats}"
                           for rounds, repeats in row["missed"])
        lines.append(f"{row['instance']:6} {row['best_known']:>10} {row['reached']:>8} "
                     f"{statistics.median(times):9.2f} {max(times):8.2f} {row['it_per_s']:9.0f}  {missed}")
    return "\n".join(lines)


# --- (b) a realistic meeting ---------------------------------------------------------------------

def history(members: int = 80, meetings: int = 24, seed: int = 7):
    """Pair ties from two years of monthly meetings with random attendance and random tables."""
    rng = random.Random(seed)
    today = date(2026, 11, 30)
    ties: dict[tuple[str, str], list[Tie]] = {}
    keys = [f"m{i:02d}" for i in range(members)]
    for m in range(meetings):
        day = today - timedelta(days=30 * (meetings - m))
        here = [k for k in keys if rng.random() < 0.6]
        rng.shuffle(here)
        rounds = rng.choice((2, 3))
        sizes = table_sizes_for(len(here), size=5)
        at_table: set[tuple[str, str]] = set()
        for _ in range(rounds):
            rng.shuffle(here)
            start = 0
            for size in sizes:
                for a, b in combinations(sorted(here[start:start + size]), 2):
                    ties.setdefault((a, b), []).append(Tie(TABLE, day))
                    at_table.add((a, b))
                start += size
        for a, b in combinations(sorted(here), 2):
            if (a, b) not in at_table:
                ties.setdefault((a, b), []).append(Tie(MEETING, day))
    return keys, ties, today


def realistic_problem(seed: int = 7, attendees: int = 60, rounds: int = 3):
    keys, ties, today = history(seed=seed)
    rng = random.Random(seed + 1)
    here = tuple(sorted(rng.sample(keys, attendees)))
    present = set(here)
    costs, met = {}, set()
    for (a, b), pair_ties in ties.items():
        if a in present and b in present:
            costs[(a, b)] = seating_cost(strength(pair_ties, today))
            if have_met(pair_ties):
                met.add((a, b))
    sizes = table_sizes_for(attendees, size=5)
    return Problem(here, (sizes,), pair_cost=costs, met=frozenset(met)), rounds


def history_cost(problem: Problem, rounds) -> float:
    return sum(problem.pair_cost.get(planner.pair(a, b), 0.0)
               for tables in rounds for table in tables for a, b in combinations(table, 2))


def random_plan(problem: Problem, rounds: int, rng: random.Random):
    sizes = problem.table_sizes[0]
    plan = []
    for _ in range(rounds):
        people = list(problem.people)
        rng.shuffle(people)
        tables, start = [], 0
        for size in sizes:
            tables.append(people[start:start + size])
            start += size
        plan.append(tables)
    return plan


def realistic(seconds: float, seeds: int) -> tuple[str, list]:
    problem, rounds = realistic_problem()
    lines = [f"(b) 60 of 80 members, tables of 5, {rounds} rounds, two years of history "
             f"({len(problem.met)} of {60 * 59 // 2} pairs have met)",
             f"{'seating':34} {'repeats':>8} {'in meeting':>10} {'history cost':>13} {'x bound':>8}"]
    bound = planner.lower_bound(problem, rounds)
    rng = random.Random(3)
    randoms = [evaluate(problem, plan) for plan in (random_plan(problem, rounds, rng) for _ in range(20))]
    costs = [history_cost(problem, plan) for plan in (random_plan(problem, rounds, rng) for _ in range(20))]

    def line(name, repeats, in_meeting, cost):
        ratio = f"{repeats / bound:8.2f}" if bound else f"{'-':>8}"
        lines.append(f"{name:34} {repeats:8.1f} {in_meeting:10.1f} {cost:13.1f} {ratio}")

    line("lower bound", bound, 0, 0)
    line("random (mean of 20)", statistics.mean(q.repeats for q in randoms),
         statistics.mean(q.repeats_in_meeting for q in randoms), statistics.mean(costs))
    greedy = plan_tables(problem, rounds, seed=0, max_iterations=0, seconds=60)
    line("greedy round by round", greedy.quality.repeats, greedy.quality.repeats_in_meeting,
         history_cost(problem, greedy.rounds))
    plans = []
    for seed in range(seeds):
        plan = plan_tables(problem, rounds, seed=seed, seconds=seconds)
        plans.append(plan)
        line(f"planner, {seconds:g} s, seed {seed} ({plan.iterations / plan.seconds:,.0f} it/s)",
             plan.quality.repeats, plan.quality.repeats_in_meeting,
             history_cost(problem, plan.rounds))
    return "\n".join(lines), [problem, rounds, plans[0]]


def replan(problem: Problem, rounds: int, published, budgets=(0.25, 1.0, 3.0)) -> str:
    previous = tuple(tuple(tuple(t) for t in tables) for tables in published.rounds)
    tables = len(problem.table_sizes[0])
    late = Problem(problem.people + ("late",), (table_sizes_for(len(problem.people) + 1, tables=tables),),
                   pair_cost=problem.pair_cost, met=problem.met, previous=previous)
    gone = published.rounds[0][0][0]
    cancelled_people = tuple(p for p in problem.people if p != gone)
    cancelled = Problem(cancelled_people, (table_sizes_for(len(cancelled_people), tables=tables),),
                        pair_cost=problem.pair_cost, met=problem.met, previous=previous)
    lines = ["(c) re-plan from the published plan of (b)",
             f"{'change':22} {'seconds':>8} {'moved':>6} {'repeats':>8} {'before':>7}"]
    for name, changed in (("one late arrival", late), ("one cancellation", cancelled)):
        for budget in budgets:
            began = time.perf_counter()
            plan = plan_tables(changed, rounds, seed=1, seconds=budget)
            took = time.perf_counter() - began
            lines.append(f"{name:22} {took:8.2f} {plan.quality.moved:6d} {plan.quality.repeats:8d} "
                         f"{published.quality.repeats:7d}")
    return "\n".join(lines)


def run(*, seconds: float = 20.0, seeds: int = 3, quick: bool = False) -> str:
    plan_tables(planner.golfer(4, 3), 2, max_iterations=10)  # compile (or load) the kernel first
    instances = GOLFERS[:7] if quick else GOLFERS
    rows = [golfer_row(g, s, best, seconds=seconds, seeds=seeds) for g, s, best in instances]
    out = [golfer_table(rows, seconds, "(a) social golfer instances, the search alone")]
    built = [golfer_row(g, s, best, seconds=seconds, seeds=seeds, construct=True)
             for g, s, best in CONSTRUCTED]
    out.append(golfer_table(built, seconds, "(a') where a construction seeds the search"))
    text, (problem, rounds, published) = realistic(3.0, seeds)
    out.append(text)
    out.append(replan(problem, rounds, published))
    return "\n\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="the guide's table only")
    args = parser.parse_args(argv)
    print(run(seconds=args.seconds, seeds=args.seeds, quick=args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
