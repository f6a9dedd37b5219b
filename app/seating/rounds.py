"""Exact re-seating of one round (a large step for the local search): given every other round,
seat the round so that nobody at a table has met anyone else there, in this meeting or before,
if that is possible. A backtracking search over tables (the person with the fewest possible
table-mates first), bounded by a node limit. Used on plain problems (pair costs only) when the
tabu search is stuck with a few repeats: the repeats of one round vanish at once if the round
can be seated perfectly.
"""

from __future__ import annotations

import numpy as np


class _Budget(Exception):
    pass


def perfect_round(free: np.ndarray, sizes: list[int], nodes: int = 20000,
                  rng: np.random.Generator | None = None) -> list[list[int]] | None:
    """Tables (lists of people) of the given sizes where every two people at a table are `free`
    (a symmetric boolean matrix: may sit together), or None if none was found within `nodes`
    steps."""
    n = free.shape[0]
    adj = [0] * n
    for i in range(n):
        mask = 0
        for j in np.flatnonzero(free[i]):
            if j != i:
                mask |= 1 << int(j)
        adj[i] = mask
    order = list(range(n))
    if rng is not None:
        rng.shuffle(order)
    left = [nodes]
    tables: list[list[int]] = []
    sizes = sorted(sizes, reverse=True)

    def cliques(cand: int, need: int, chosen: list[int]):
        if need == 0:
            yield chosen
            return
        while cand:
            left[0] -= 1
            if left[0] < 0:
                raise _Budget
            if bin(cand).count("1") < need:
                return
            low = cand & -cand
            j = low.bit_length() - 1
            cand ^= low
            yield from cliques(cand & adj[j], need - 1, [*chosen, j])

    def solve(unseated: int, remaining: list[int]) -> bool:
        if not remaining:
            return unseated == 0
        # the unseated person with the fewest possible table-mates
        best, best_count = -1, n + 1
        for i in order:
            if unseated >> i & 1:
                count = bin(adj[i] & unseated).count("1")
                if count < best_count:
                    best, best_count = i, count
        size = remaining[0]
        if best_count < size - 1:
            return False
        for mates in cliques(adj[best] & unseated, size - 1, []):
            table = [best, *mates]
            mask = 0
            for p in table:
                mask |= 1 << p
            tables.append(table)
            if solve(unseated & ~mask, remaining[1:]):
                return True
            tables.pop()
        return False

    try:
        if solve((1 << n) - 1, sizes):
            return tables
    except _Budget:
        return None
    return None
