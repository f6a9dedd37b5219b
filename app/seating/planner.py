"""The seating planner: seat people at tables over rounds so that they meet people they have not
met. Pure (no Flask, no database), deterministic for a seed, bounded in time.

A `Problem` names the people, the exact number seated at each table in each round, what seating
a pair together costs (their history), who have met before, and the constraints. `plan_tables`
returns a `Plan`: the rounds (round → table → person keys), its `Quality` and its cost.

How (docs/seating-planner.md has the details and the measured numbers):

1. A start: the construction where one applies (a perfect social golfer plan with no history and
   no constraints: affine planes, `constructions`), else the previous plan with newcomers added
   (re-planning), else greedy round by round, the most constrained people first.
2. Local search over all rounds at once (`search`, compiled by numba): swap two people at
   different tables of the same round, the best swap among those involving a person who carries
   a cost, with a tabu list and an aspiration criterion, back to the best plan with a few random
   swaps when stuck. It stops when the cost is zero, after `max_iterations` or after `seconds`.

The cost of a plan: for every pair at the same table in a round, the pair's history cost (from
`app.connections.strength.seating_cost`) plus `met_cost` if they have met before; a pair's
second and later rounds together within this meeting cost `REPEAT_COST` each, far more than any
history (capped at `MAX_PAIR_COST`), so repeats within a meeting happen only when unavoidable;
a pair to keep apart costs `APART_COST` per round together and a group to keep together
`TOGETHER_COST` per pair split in round 1 (both "hard": broken only when impossible); a table
with someone needing a host and no host costs `host_cost`; each person at another table than
in `previous` costs `move_weight` per round.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

PairKey = tuple[str, str]

# Costs are scaled to integers (exact incremental sums in the search).
SCALE = 1000
MAX_PAIR_COST = 1000.0
REPEAT_COST = 100_000.0
APART_COST = 1e9
TOGETHER_COST = 1e9
MAX_PEOPLE = 2000
# rounds x people x tables: the search's score arrays (8 bytes each, a few of them)
MAX_CELLS = 4_000_000


def pair(a: str, b: str) -> PairKey:
    return (a, b) if a < b else (b, a)


@dataclass(frozen=True)
class Problem:
    people: tuple[str, ...]
    # Per round: the exact number seated at each table (sum == len(people)). One entry is used for
    # every round.
    table_sizes: tuple[tuple[int, ...], ...]
    pair_cost: Mapping[PairKey, float] = field(default_factory=dict)
    met: frozenset[PairKey] = frozenset()
    apart: frozenset[PairKey] = frozenset()
    together: tuple[tuple[str, ...], ...] = ()
    hosts: frozenset[str] = frozenset()
    needs_host: frozenset[str] = frozenset()
    previous: tuple | None = None
    # Cost of each person (and round) at another table than in `previous`: a swap of two people
    # (40) is worth it to avoid a repeat (50 and up), not to shave history costs.
    move_weight: float = 20.0
    # Extra cost of seating a pair who have met before: above the history cost of nearly any pair,
    # so new pairs come first and the history decides which repeats.
    met_cost: float = 50.0
    # Cost of a table (in a round) with someone needing a host and no host: a little more than a
    # repeat.
    host_cost: float = 60.0


@dataclass
class Quality:
    pairs: int  # table pairs over all rounds (a pair counted once per round together)
    new_pairs: int  # of those: never met before and not earlier in this meeting
    repeats: int  # of those: met before, or together in an earlier round of this meeting
    repeats_in_meeting: int  # of those: together in an earlier round of this meeting
    lower_bound: int  # no plan has fewer repeats than this
    repeated: list[tuple[str, str, int]]  # (a, b, rounds together in this plan), repeated pairs
    violations: int  # apart pairs together (per round) + together groups split in round 1
    moved: int  # people (in `previous`) at another table than there in some round

    def as_dict(self) -> dict:
        return {
            "pairs": self.pairs, "new_pairs": self.new_pairs, "repeats": self.repeats,
            "repeats_in_meeting": self.repeats_in_meeting, "lower_bound": self.lower_bound,
            "repeated": [list(item) for item in self.repeated], "violations": self.violations,
            "moved": self.moved,
        }


@dataclass
class Plan:
    rounds: list[list[list[str]]]
    quality: Quality
    cost: float
    seconds: float
    iterations: int


class Progress(NamedTuple):
    seconds: float
    iterations: int
    cost: float  # best so far
    repeats_in_meeting: int  # of the best plan so far


# --- table sizes -----------------------------------------------------------------------------

def _even(people: int, tables: int) -> tuple[int, ...]:
    base, extra = divmod(people, tables)
    return tuple(base + 1 if t < extra else base for t in range(tables))


def table_sizes_for(people: int, *, tables: int | None = None, size: int | None = None,
                    sizes: Sequence[int] | None = None) -> tuple[int, ...]:
    """The number seated at each table, from exactly one of: how many tables (people spread
    evenly), "tables of `size`" (as few tables as hold everyone, spread evenly: 23 at tables of 5
    is 5, 5, 5, 4, 4), or a list of table sizes (the seats at each; when there are more seats
    than people, the largest tables give up seats first). ValueError says what is wrong."""
    given = sum(x is not None for x in (tables, size, sizes))
    if given != 1:
        raise ValueError("Give exactly one of: the number of tables, a table size, a list of sizes.")
    if people < 0:
        raise ValueError("The number of people cannot be negative.")
    if people == 0:
        return ()
    if tables is not None:
        if tables < 1:
            raise ValueError("There must be at least one table.")
        if tables > people:
            raise ValueError(f"{tables} tables for {people} people: some tables would be empty.")
        return _even(people, tables)
    if size is not None:
        if size < 1:
            raise ValueError("A table must seat at least one person.")
        return _even(people, -(-people // size))
    seats = [int(s) for s in sizes]  # type: ignore[union-attr]
    if not seats:
        raise ValueError("The list of table sizes is empty.")
    if any(s < 1 for s in seats):
        raise ValueError("Every table must seat at least one person.")
    if sum(seats) < people:
        raise ValueError(f"{sum(seats)} seats for {people} people: add tables or seats.")
    if len(seats) > people:
        raise ValueError(f"{len(seats)} tables for {people} people: some tables would be empty.")
    excess = sum(seats) - people
    while excess:
        largest = max(range(len(seats)), key=lambda t: (seats[t], t))
        seats[largest] -= 1
        excess -= 1
    return tuple(seats)


# --- quality ---------------------------------------------------------------------------------

def _round_sizes(problem: Problem, rounds: int) -> list[tuple[int, ...]]:
    sizes = list(problem.table_sizes)
    if len(sizes) == 1 and rounds > 1:
        sizes = sizes * rounds
    return sizes


def _normal(pairs) -> frozenset[PairKey]:
    """Pairs as (a, b) with a < b, whichever order they were given in."""
    return frozenset(pair(a, b) for a, b in pairs)


def lower_bound(problem: Problem, rounds: int | None = None) -> int:
    """Repeats no plan can avoid, the larger of two counts (each holds for any seating with these
    table sizes):

    - By acquaintances (the guide's bound): each person has (table size - 1) table-mates a round;
      at most the attendees they have not met yet can be new (each once), so the rest are
      repeats. Sum over people, halve (each repeat has two people), round up. The smallest table
      of a round counts.
    - By pigeonholes: a table of s people in a later round draws them from the first round's T
      tables; spread as evenly as possible, some share a first-round table when s > T, and each
      such pair is a repeat in that later round.
    """
    rounds = len(problem.table_sizes) if rounds is None else rounds
    sizes = _round_sizes(problem, rounds)[:rounds]
    n = len(problem.people)
    if not n or not sizes:
        return 0
    slots = sum(max(min(s) - 1, 0) for s in sizes if s)
    known = {p: 0 for p in problem.people}
    for a, b in _normal(problem.met):
        if a in known and b in known and a != b:
            known[a] += 1
            known[b] += 1
    total = sum(max(0, slots - (n - 1 - known[p])) for p in problem.people)
    by_acquaintance = (total + 1) // 2
    first = len(sizes[0])
    by_pigeonhole = 0
    for later in sizes[1:]:
        for s in later:
            q, extra = divmod(s, first)
            by_pigeonhole += extra * (q + 1) * q // 2 + (first - extra) * q * (q - 1) // 2
    return max(by_acquaintance, by_pigeonhole)


def _plan_bound(problem: Problem, rounds: Sequence[Sequence[Sequence[str]]]) -> int:
    """The lower bound for plans with this plan's table sizes (moved by hand, they may differ from
    the problem's)."""
    if not rounds:
        return 0
    sizes = tuple(tuple(len(table) for table in tables) for tables in rounds)
    if any(not s for s in sizes):
        return 0
    return lower_bound(replace(problem, table_sizes=sizes), len(rounds))


def evaluate(problem: Problem, rounds: Sequence[Sequence[Sequence[str]]]) -> Quality:
    """The quality of any plan (the planner's, or one moved by hand). Keys not among the
    problem's people count as people who have met nobody."""
    met = _normal(problem.met)
    apart = _normal(problem.apart)
    together_count: dict[PairKey, int] = {}
    pairs = new = repeats = in_meeting = violations = 0
    for tables in rounds:
        for table in tables:
            seated = list(table)
            for x in range(len(seated)):
                for y in range(x + 1, len(seated)):
                    key = pair(seated[x], seated[y])
                    before = together_count.get(key, 0)
                    together_count[key] = before + 1
                    pairs += 1
                    if before:
                        in_meeting += 1
                    if before or key in met:
                        repeats += 1
                    else:
                        new += 1
                    if key in apart:
                        violations += 1
    if rounds and problem.together:
        where = {p: t for t, table in enumerate(rounds[0]) for p in table}
        for group in problem.together:
            present = [where[p] for p in group if p in where]
            if len(set(present)) > 1:
                violations += 1
    repeated = sorted(
        (a, b, times) for (a, b), times in together_count.items()
        if times > 1 or (a, b) in met)
    moved = 0
    if problem.previous:
        before_at: dict[str, list[int]] = {}
        for r, tables in enumerate(problem.previous):
            for t, table in enumerate(tables):
                for p in table:
                    before_at.setdefault(p, [-1] * len(problem.previous))[r] = t
        now_at: dict[str, list[int]] = {}
        for r, tables in enumerate(rounds):
            for t, table in enumerate(tables):
                for p in table:
                    now_at.setdefault(p, [-1] * len(rounds))[r] = t
        for p, tables_before in before_at.items():
            now = now_at.get(p)
            if now is None:
                continue
            if any(r < len(now) and t >= 0 and now[r] != t for r, t in enumerate(tables_before)):
                moved += 1
    return Quality(
        pairs=pairs, new_pairs=new, repeats=repeats, repeats_in_meeting=in_meeting,
        lower_bound=_plan_bound(problem, rounds), repeated=repeated,
        violations=violations, moved=moved)


# --- arrays for the search ---------------------------------------------------------------------

@dataclass
class _Arrays:
    R: int
    n: int
    T: np.ndarray
    tsize: np.ndarray
    W: np.ndarray
    T0: np.ndarray
    tog_any: np.ndarray
    tog_total: int
    rep: int
    is_host: np.ndarray
    needs: np.ndarray
    hostc: int
    prevT: np.ndarray
    move: int


def _check(problem: Problem, rounds: int) -> list[tuple[int, ...]]:
    n = len(problem.people)
    if len(set(problem.people)) != n:
        raise ValueError("Every person must be listed once.")
    if n > MAX_PEOPLE:
        raise ValueError(f"At most {MAX_PEOPLE} people.")
    if rounds < 1:
        raise ValueError("There must be at least one round.")
    sizes = _round_sizes(problem, rounds)
    if len(sizes) != rounds:
        raise ValueError(f"Table sizes are given for {len(sizes)} rounds, not {rounds}.")
    for s in sizes:
        if any(x < 1 for x in s) or sum(s) != n:
            raise ValueError(f"Table sizes {list(s)} do not seat exactly {n} people.")
    if rounds * n * max(len(s) for s in sizes) > MAX_CELLS:
        raise ValueError(f"Too large to plan: {rounds} rounds of {n} people at "
                         f"{max(len(s) for s in sizes)} tables.")
    return sizes


def _arrays(problem: Problem, sizes: list[tuple[int, ...]]) -> _Arrays:
    people = problem.people
    n = len(people)
    R = len(sizes)
    index = {p: i for i, p in enumerate(people)}
    tmax = max(len(s) for s in sizes)
    T = np.array([len(s) for s in sizes], dtype=np.int64)
    tsize = np.zeros((R, tmax), dtype=np.int64)
    for r, s in enumerate(sizes):
        tsize[r, :len(s)] = s
    W = np.zeros((n, n), dtype=np.int64)
    for (a, b), value in problem.pair_cost.items():
        i, j = index.get(a), index.get(b)
        if i is None or j is None or i == j:
            continue
        v = int(round(min(max(float(value), 0.0), MAX_PAIR_COST) * SCALE))
        W[i, j] = W[j, i] = v
    met = int(round(problem.met_cost * SCALE))
    for a, b in _normal(problem.met):
        i, j = index.get(a), index.get(b)
        if i is not None and j is not None and i != j:
            W[i, j] += met
            W[j, i] = W[i, j]
    for a, b in problem.apart:
        i, j = index.get(a), index.get(b)
        if i is not None and j is not None and i != j:
            W[i, j] = W[j, i] = int(APART_COST * SCALE)
    T0 = np.zeros((n, n), dtype=np.int64)
    tog_any = np.zeros(n, dtype=np.bool_)
    tog = int(TOGETHER_COST * SCALE)
    for group in problem.together:
        members = sorted({index[p] for p in group if p in index})
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                if T0[i, j] == 0:
                    T0[i, j] = T0[j, i] = -tog
            tog_any[i] = len(members) > 1
    tog_total = int(-T0.sum() // 2)
    is_host = np.zeros(n, dtype=np.int64)
    needs = np.zeros(n, dtype=np.int64)
    for p in problem.hosts:
        if p in index:
            is_host[index[p]] = 1
    for p in problem.needs_host:
        if p in index:
            needs[index[p]] = 1
    hostc = int(round(problem.host_cost * SCALE)) if needs.any() else 0
    prevT = np.full((R, n), -1, dtype=np.int64)
    move = 0
    if problem.previous:
        move = int(round(problem.move_weight * SCALE))
        for r, tables in enumerate(problem.previous[:R]):
            for t, table in enumerate(tables):
                if t >= T[r]:
                    continue
                for p in table:
                    if p in index:
                        prevT[r, index[p]] = t
    return _Arrays(R=R, n=n, T=T, tsize=tsize, W=W, T0=T0, tog_any=tog_any, tog_total=tog_total,
                   rep=int(REPEAT_COST * SCALE), is_host=is_host, needs=needs, hostc=hostc,
                   prevT=prevT, move=move)


def _greedy(arr: _Arrays, order_rng: np.random.Generator, groups: list[list[int]],
            start: np.ndarray | None = None) -> np.ndarray:
    """Round by round, the most constrained people first, each at the free table where they add
    the least cost (ties at random). Groups to keep together go first in round 1, as a unit.
    With `start` (the previous plan, -1 for people not in it), people keep their table when it
    exists and has room."""
    R, n = arr.R, arr.n
    tab = np.full((R, n), -1, dtype=np.int64)
    C = np.zeros((n, n), dtype=np.int64)
    apart_big = arr.W >= int(APART_COST * SCALE)
    constrained = apart_big.sum(axis=1) * n * n + (arr.W > 0).sum(axis=1)
    in_group = np.zeros(n, dtype=bool)
    for g in groups:
        in_group[g] = True
    for r in range(R):
        T = int(arr.T[r])
        free = arr.tsize[r, :T].copy()
        Wr = arr.W + arr.rep * (C >= 1)
        if r == 0:
            Wr = Wr + arr.T0
        M = np.zeros((T, n), dtype=np.int64)  # cost of adding each person to each table
        hosts = np.zeros(T, dtype=np.int64)
        needs = np.zeros(T, dtype=np.int64)
        place = _Placer(r, tab, free, M, Wr, hosts, needs, arr)

        if start is not None:
            for i in range(n):
                t = start[r, i]
                if 0 <= t < T and free[t] > 0:
                    place(i, t)
        if r == 0:
            for g in sorted(groups, key=len, reverse=True):
                g = [i for i in g if tab[r, i] < 0]
                if not g:
                    continue
                extra = M[:, g].sum(axis=1).astype(float)
                extra[free < len(g)] = np.inf
                if np.isinf(extra).all():
                    continue  # too big for any table: seated one by one below
                t = int(_pick(extra, order_rng))
                for i in g:
                    place(i, t)
        left = [i for i in range(n) if tab[r, i] < 0]
        noise = order_rng.random(len(left))
        left = [i for _, i in sorted(
            zip(noise, left, strict=True),
            key=lambda x: (-int(constrained[x[1]]), -int(in_group[x[1]]), x[0]))]
        for i in left:
            extra = M[:, i].astype(float)
            if arr.hostc:
                if arr.needs[i] and not arr.is_host[i]:
                    extra += arr.hostc * (hosts == 0)
                if arr.is_host[i]:
                    extra -= arr.hostc * ((hosts == 0) & (needs > 0))
            if arr.move and arr.prevT[r, i] >= 0:
                extra += arr.move * (np.arange(T) != arr.prevT[r, i])
            extra[free <= 0] = np.inf
            place(i, int(_pick(extra, order_rng)))
        for t in range(T):
            seated = np.flatnonzero(tab[r] == t)
            C[np.ix_(seated, seated)] += 1
        np.fill_diagonal(C, 0)
    return tab


@dataclass
class _Placer:
    r: int
    tab: np.ndarray
    free: np.ndarray
    M: np.ndarray
    Wr: np.ndarray
    hosts: np.ndarray
    needs: np.ndarray
    arr: _Arrays

    def __call__(self, i: int, t: int) -> None:
        self.tab[self.r, i] = t
        self.free[t] -= 1
        self.M[t] += self.Wr[i]
        self.hosts[t] += self.arr.is_host[i]
        self.needs[t] += self.arr.needs[i]


def _random_start(arr: _Arrays, rng: np.random.Generator) -> np.ndarray:
    tab = np.zeros((arr.R, arr.n), dtype=np.int64)
    for r in range(arr.R):
        seats = np.repeat(np.arange(arr.T[r]), arr.tsize[r, :arr.T[r]])
        tab[r] = rng.permutation(seats)
    return tab


def _pick(values: np.ndarray, rng: np.random.Generator) -> int:
    best = np.flatnonzero(values == values.min())
    return int(best[rng.integers(len(best))]) if len(best) > 1 else int(best[0])


def _rounds_from(tab: np.ndarray, arr: _Arrays, people: Sequence[str]) -> list[list[list[str]]]:
    plan = []
    for r in range(arr.R):
        tables: list[list[str]] = [[] for _ in range(int(arr.T[r]))]
        for i in range(arr.n):
            tables[int(tab[r, i])].append(people[i])
        plan.append(tables)
    return plan


def _previous_start(problem: Problem, arr: _Arrays) -> np.ndarray:
    return arr.prevT.copy()


# Search parameters (tuned on the social golfer instances; see docs/seating-planner.md).
TENURE_MIN = 1
TENURE_SPAN = 3
STALL = 500
PERTURB = 2
RESTORE = 1
PENALTY = 0
RANDOM_START = False
PAIR_TABU = 0
NOISE = 0
PERTURB_TENURE = 50
LNS_EVERY = 0
PERFECT_NODES = 20000


def plan_tables(problem: Problem, rounds: int | None = None, *, seed: int = 0,
                seconds: float = 3.0, max_iterations: int | None = None,
                progress: Callable[[Progress], None] | None = None,
                construct: bool = True) -> Plan:
    """Plan `rounds` rounds (default: one per entry of `problem.table_sizes`). Stops when the
    cost reaches zero, after `max_iterations` iterations of the search (deterministic: the same
    seed and iterations give the same plan) or after `seconds` (including the start).
    `construct=False` leaves out the constructions (to measure the search alone)."""
    from app.seating import constructions, search

    began = time.perf_counter()
    rounds = len(problem.table_sizes) if rounds is None else rounds
    sizes = _check(problem, rounds)
    people = problem.people
    n = len(people)
    if n == 0:
        quality = evaluate(problem, [[] for _ in range(rounds)])
        return Plan(rounds=[[] for _ in range(rounds)], quality=quality, cost=0.0, seconds=0.0,
                    iterations=0)
    arr = _arrays(problem, sizes)
    index = {p: i for i, p in enumerate(people)}
    groups = [sorted({index[p] for p in g if p in index}) for g in problem.together]
    groups = [g for g in groups if len(g) > 1]
    order_rng = np.random.default_rng(seed)
    tab = None
    if construct and problem.previous is None:
        tab = constructions.golfer_start(problem, sizes, seed)
    if tab is None:
        start = _previous_start(problem, arr) if problem.previous else None
        tab = _random_start(arr, order_rng) if RANDOM_START else _greedy(arr, order_rng, groups, start)
    R = arr.R
    tmax = int(arr.tsize.max())
    members = np.full((R, int(arr.T.max()), tmax), -1, dtype=np.int64)
    pos = np.zeros((R, n), dtype=np.int64)
    C = np.zeros((n, n), dtype=np.int64)
    nh = np.zeros((R, int(arr.T.max())), dtype=np.int64)
    nn = np.zeros_like(nh)
    search.rebuild(R, arr.T, arr.tsize, tab, members, pos, C, arr.is_host, arr.needs, nh, nn)
    rep = np.full((n, n), arr.rep, dtype=np.int64)  # per pair: the guided search raises it
    cost = search.full_cost(R, arr.T, arr.tsize, tab, members, C, arr.W, arr.T0, rep, nh, nn,
                            arr.hostc, arr.prevT, arr.move, arr.tog_total)
    A = np.zeros((R, n, int(arr.T.max())), dtype=np.int64)
    L = np.zeros((R, n), dtype=np.int64)
    search.scores(R, arr.T, arr.tsize, tab, members, C, arr.W, arr.T0, rep, A, L)
    state = np.array([cost, cost, 0, 0, cost, cost], dtype=np.int64)
    best_tab = tab.copy()
    tabu = np.zeros((R, n, n if PAIR_TABU else int(arr.T.max())), dtype=np.int64)
    rng = search.seed_rng(seed)
    params = np.array([TENURE_MIN, TENURE_SPAN, STALL, PERTURB, RESTORE,
                       PENALTY * arr.rep, PAIR_TABU, NOISE, PERTURB_TENURE],
                      dtype=np.int64)
    cand_r = np.zeros(R * n, dtype=np.int64)
    cand_i = np.zeros(R * n, dtype=np.int64)
    target = 0
    chunk = 200
    last_report = began
    while state[search.BEST] > target:
        budget = chunk
        lns = LNS_EVERY and arr.hostc == 0 and arr.move == 0 and not groups
        if lns:  # a large step at fixed iterations, so the plan depends on iterations only
            budget = min(budget, LNS_EVERY - int(state[search.ITERATION]) % LNS_EVERY)
        if max_iterations is not None:
            budget = min(budget, max_iterations - int(state[search.ITERATION]))
            if budget <= 0:
                break
        t0 = time.perf_counter()
        if t0 - began >= seconds:
            break
        done = search.search(
            budget, target, R, arr.T, arr.tsize, members, pos, tab, C, arr.W, arr.T0,
            arr.tog_any, arr.tog_total, rep, arr.rep, arr.is_host, arr.needs, nh, nn, arr.hostc,
            arr.prevT, arr.move, A, L, tabu, state, best_tab, rng, params, cand_r, cand_i)
        if lns and state[search.ITERATION] % LNS_EVERY == 0 and state[search.BEST] > target:
            _large_step(arr, sizes, best_tab, tab, members, pos, C, nh, nn, A, L, rep, state,
                        np.random.default_rng([seed, int(state[search.ITERATION])]))
        t1 = time.perf_counter()
        if done == 0:
            break
        # Aim for chunks of about 20 ms so the time limit is kept closely.
        per = (t1 - t0) / done
        chunk = int(min(max(0.02 / max(per, 1e-9), 10), 1_000_000))
        if progress is not None and t1 - last_report >= 0.25:
            last_report = t1
            progress(Progress(t1 - began, int(state[search.ITERATION]),
                              state[search.BEST] / SCALE, _meeting_repeats(best_tab, arr)))
    plan_rounds = _rounds_from(best_tab, arr, people)
    elapsed = time.perf_counter() - began
    if progress is not None:
        progress(Progress(elapsed, int(state[search.ITERATION]), state[search.BEST] / SCALE,
                          _meeting_repeats(best_tab, arr)))
    return Plan(rounds=plan_rounds, quality=evaluate(problem, plan_rounds),
                cost=state[search.BEST] / SCALE, seconds=elapsed,
                iterations=int(state[search.ITERATION]))


def _large_step(arr: _Arrays, sizes, best_tab, tab, members, pos, C, nh, nn, A, L, rep, state,
                rng: np.random.Generator) -> bool:
    """Re-seat whole rounds of the best plan exactly (`rounds.perfect_round`): each round
    that carries a cost, if it can be seated with no pair at a table who met before or in another
    round. On success the search continues from the improved plan."""
    from app.seating import search
    from app.seating.rounds import perfect_round

    plan = best_tab.copy()
    together = np.zeros((arr.n, arr.n), dtype=np.int64)
    for r in range(arr.R):
        together += plan[r][:, None] == plan[r][None, :]
    np.fill_diagonal(together, 0)
    improved = False
    for r in rng.permutation(arr.R):
        same = plan[r][:, None] == plan[r][None, :]
        np.fill_diagonal(same, False)
        if not ((together[same] > 1).any() or (arr.W[same] > 0).any()):
            continue
        others = together - same
        free = (others == 0) & (arr.W == 0)
        tables = perfect_round(free, list(sizes[r]), nodes=PERFECT_NODES, rng=rng)
        if tables is None:
            continue
        by_size: dict[int, list[int]] = {}
        for t, size in enumerate(sizes[r]):
            by_size.setdefault(size, []).append(t)
        for table in tables:
            t = by_size[len(table)].pop()
            plan[r, table] = t
        same_new = plan[r][:, None] == plan[r][None, :]
        np.fill_diagonal(same_new, False)
        together = others + same_new
        improved = True
    if not improved:
        return False
    tab[:, :] = plan
    search.rebuild(arr.R, arr.T, arr.tsize, tab, members, pos, C, arr.is_host, arr.needs, nh, nn)
    rep[:, :] = arr.rep
    search.scores(arr.R, arr.T, arr.tsize, tab, members, C, arr.W, arr.T0, rep, A, L)
    cost = search.full_cost(arr.R, arr.T, arr.tsize, tab, members, C, arr.W, arr.T0, rep, nh, nn,
                            arr.hostc, arr.prevT, arr.move, arr.tog_total)
    state[search.COST] = state[search.TRUE] = state[search.AUGBEST] = cost
    if cost < state[search.BEST]:
        state[search.BEST] = cost
        best_tab[:, :] = tab
    state[search.IMPROVED] = state[search.ITERATION]
    return True


def _meeting_repeats(tab: np.ndarray, arr: _Arrays) -> int:
    """Pairs' second and later rounds together in a plan (fast, for progress reports)."""
    C = np.zeros((arr.n, arr.n), dtype=np.int64)
    for r in range(arr.R):
        same = tab[r][:, None] == tab[r][None, :]
        C += same
    np.fill_diagonal(C, 0)
    return int(np.maximum(C - 1, 0).sum() // 2)


def warm_up() -> float:
    """Compile (or load from numba's cache) the search kernel by planning a tiny problem, both
    code paths; returns the seconds it took. The first plan in a process otherwise pays for it
    inside its time limit: loading the cache takes about a second, compiling (a new checkout, a
    changed search.py, or no writable cache: set NUMBA_CACHE_DIR) 10-30 seconds."""
    began = time.perf_counter()
    plan_tables(golfer(2, 2), 2, seed=0, seconds=60.0, max_iterations=5)
    plan_tables(Problem(("a", "b", "c", "d"), ((2, 2),), hosts=frozenset({"a"}),
                        needs_host=frozenset({"b"}), previous=((("a", "c"), ("b", "d")),)),
                1, seed=0, seconds=60.0, max_iterations=5)
    return time.perf_counter() - began


def golfer(groups: int, size: int) -> Problem:
    """The social golfer problem: `groups` tables of `size`, people "0".."n-1", no history."""
    n = groups * size
    width = len(str(n - 1))
    return Problem(people=tuple(str(i).zfill(width) for i in range(n)),
                   table_sizes=((size,) * groups,))


__all__ = ["Plan", "Problem", "Progress", "Quality", "evaluate", "golfer", "lower_bound",
           "plan_tables", "table_sizes_for", "warm_up"]
