"""Perfect social golfer plans by construction, used as the search's start where they apply.

An affine plane of order q (q a prime or 4, 8, 9) seats q*q people at q tables of q for up to
q + 1 rounds with nobody meeting twice: person (x, y) sits in round m < q at table y - m*x, and in
round q at table x (the lines of each parallel class). This gives 4-4-5 and 5-5-6 (and 2-2-3,
3-3-4, 7-7-8, 8-8-9, 9-9-10) at once; the local search finds the other instances on its own.
It applies only to a plain golfer problem: no history, constraints, hosts or previous plan, the
same q tables of q every round.
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


def golfer_start(problem, sizes: list[tuple[int, ...]], seed: int) -> np.ndarray | None:
    """A perfect start for a plain golfer problem where a construction applies, with the people
    shuffled by the seed (so seeds give different plans), else None."""
    if (problem.pair_cost or problem.met or problem.apart or problem.together or problem.hosts
            or problem.needs_host or problem.previous):
        return None
    first = sizes[0]
    q = len(first)
    if any(s != first for s in sizes) or any(x != q for x in first):
        return None
    tab = affine_plane(q, len(sizes))
    if tab is None:
        return None
    order = np.random.default_rng(seed).permutation(q * q)
    return tab[:, order]
