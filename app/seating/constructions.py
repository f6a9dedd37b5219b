"""Perfect social golfer plans by construction, used as the search's start where they apply.

An affine plane of order q (q a prime or 4, 8, 9) seats q*q people at q tables of q for up to
q + 1 rounds with nobody meeting twice: person (x, y) sits in round m < q at table y - m*x, and in
round q at table x (the lines of each parallel class). This gives 4-4-5 and 5-5-6 (and 2-2-3,
3-3-4, 7-7-8, 8-8-9, 9-9-10) at once; the local search finds the other instances on its own.

A partial spread gives more: with 2^m people at tables of 2^k, people are the vectors of
GF(2)^m and a round is the cosets of a k-dimensional subspace; two people meet in the rounds whose
subspace holds their difference, so subspaces meeting only in 0 (a partial spread) make rounds
without a repeat. PG(4, 2) has 9 pairwise disjoint lines: 32 people at 8 tables of 4 for 9 rounds
(8-4-9; 10 rounds would need 10 such lines, which do not exist: 8-4-10 needs another
construction). A small backtracking search finds the subspaces.

They apply only to a plain golfer problem: no history, constraints, hosts or previous plan, the
same tables every round.
"""

from __future__ import annotations

import numpy as np

# GF(2^k) multiplication by the irreducible polynomial (x^2+x+1, x^3+x+1).
_POLY = {4: 0b111, 8: 0b1011}


def _field(q: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Addition and multiplication tables of the field of order q, or None."""
    if q in _POLY:
        add = np.array([[a ^ b for b in range(q)] for a in range(q)])
        mul = np.zeros((q, q), dtype=np.int64)
        for a in range(q):
            for b in range(q):
                r, x, y = 0, a, b
                while y:
                    if y & 1:
                        r ^= x
                    y >>= 1
                    x <<= 1
                    if x & q:
                        x ^= _POLY[q]
                mul[a, b] = r
        return add, mul
    if q == 9:  # GF(3)[i] / (i^2 + 1): a + b*i as 3*b + a
        def pack(a: int, b: int) -> int:
            return (a % 3) + 3 * (b % 3)
        add = np.zeros((9, 9), dtype=np.int64)
        mul = np.zeros((9, 9), dtype=np.int64)
        for u in range(9):
            for v in range(9):
                a, b, c, d = u % 3, u // 3, v % 3, v // 3
                add[u, v] = pack(a + c, b + d)
                mul[u, v] = pack(a * c - b * d, a * d + b * c)
        return add, mul
    if q >= 2 and all(q % d for d in range(2, int(q ** 0.5) + 1)):
        r = np.arange(q)
        return (r[:, None] + r[None, :]) % q, (r[:, None] * r[None, :]) % q
    return None


def affine_plane(q: int, rounds: int) -> np.ndarray | None:
    """tab[r, person]: the table of each person in each round (person = x*q + y), or None."""
    field = _field(q)
    if field is None or rounds > q + 1:
        return None
    add, mul = field
    neg = np.array([int(np.flatnonzero(add[a] == 0)[0]) for a in range(q)])
    tab = np.zeros((rounds, q * q), dtype=np.int64)
    for r in range(rounds):
        for x in range(q):
            for y in range(q):
                tab[r, x * q + y] = x if r == q else add[y, neg[mul[r, x]]]
    return tab


def _subspaces(m: int, k: int) -> list[int]:
    """Every k-dimensional subspace of GF(2)^m, as a bit mask of its nonzero vectors."""
    found: set[int] = set()
    vectors = range(1, 1 << m)

    def span(basis: list[int]) -> int:
        elems = {0}
        for b in basis:
            elems |= {e ^ b for e in elems}
        mask = 0
        for e in elems:
            if e:
                mask |= 1 << e
        return mask

    def extend(basis: list[int], start: int) -> None:
        if len(basis) == k:
            found.add(span(basis))
            return
        inside = span(basis) if basis else 0
        for v in vectors:
            if v >= start and not inside >> v & 1:
                extend([*basis, v], v + 1)

    if k == 1:
        return [1 << v for v in vectors]
    extend([], 1)
    return sorted(found)


def partial_spread(m: int, k: int, count: int, nodes: int = 200_000) -> list[int] | None:
    """`count` k-dimensional subspaces of GF(2)^m meeting pairwise only in 0, or None."""
    if m > 8 or k < 1 or k > m:
        return None
    spaces = _subspaces(m, k)
    chosen: list[int] = []
    left = [nodes]

    def search(start: int, used: int) -> bool:
        if len(chosen) == count:
            return True
        for index in range(start, len(spaces)):
            left[0] -= 1
            if left[0] < 0:
                return False
            space = spaces[index]
            if space & used:
                continue
            chosen.append(space)
            if search(index + 1, used | space):
                return True
            chosen.pop()
        return False

    return chosen if search(0, 0) else None


def spread_rounds(m: int, k: int, rounds: int) -> np.ndarray | None:
    """tab[r, person] for 2^m people at tables of 2^k, from a partial spread, or None."""
    spread = partial_spread(m, k, rounds)
    if spread is None:
        return None
    n = 1 << m
    tab = np.zeros((rounds, n), dtype=np.int64)
    for r, space in enumerate(spread):
        members = [0] + [v for v in range(1, n) if space >> v & 1]
        labels: dict[int, int] = {}
        for x in range(n):
            coset = min(x ^ u for u in members)
            tab[r, x] = labels.setdefault(coset, len(labels))
    return tab


def _power_of_two(x: int) -> int | None:
    return x.bit_length() - 1 if x > 1 and x & (x - 1) == 0 else None


def golfer_start(problem, sizes: list[tuple[int, ...]], seed: int) -> np.ndarray | None:
    """A perfect start for a plain golfer problem where a construction applies, with the people
    shuffled by the seed (so seeds give different plans), else None."""
    if (problem.pair_cost or problem.met or problem.apart or problem.together or problem.hosts
            or problem.needs_host or problem.previous):
        return None
    first = sizes[0]
    if any(s != first for s in sizes) or any(x != first[0] for x in first):
        return None
    g, s = len(first), first[0]
    tab = None
    if g == s:
        tab = affine_plane(s, len(sizes))
    m, k = _power_of_two(g * s), _power_of_two(s)
    if tab is None and m is not None and k is not None and m <= 6:
        tab = spread_rounds(m, k, len(sizes))
    if tab is None:
        return None
    order = np.random.default_rng(seed).permutation(g * s)
    return tab[:, order]
