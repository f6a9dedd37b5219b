"""The planner's local search, compiled by numba: swaps of two people at different tables of the
same round, over all rounds at once (Dotu & Van Hentenryck, "Scheduling social golfers locally",
CPAIOR 2005), generalised to weighted pair costs, table sizes that differ, constraints, hosts and
a previous plan.

Pure numpy arrays in, numpy arrays out; no Python objects inside the loop. All costs are int64
(the planner scales its float costs by `planner.SCALE`), so incremental sums are exact and the
same seed with the same number of iterations gives the same plan on every machine.

State (all arrays owned by the caller, so the search runs in chunks and resumes exactly where it
stopped: a time limit checked between chunks does not change what a given number of iterations
produces):

- `tab[r, i]`: person i's table in round r; `members[r, t, p]`: who sits at table t (p <
  `tsize[r, t]`); `pos[r, i]`: i's place in `members[r, tab[r, i]]`.
- `C[i, j]`: how many rounds i and j share a table in this plan.
- `W[i, j]`: the cost of each round i and j share a table (history, met-before, apart);
  `rep`: the extra cost of each further round together within this meeting; `T0[i, j]` (round
  0 only): minus the cost of splitting a group to be kept together.
- `nh[r, t]`, `nn[r, t]`: hosts and people needing a host at a table; `hostc` the cost of a table
  with someone needing a host and no host.
- `prevT[r, i]`: i's table in the previous plan (-1: none); `move` the cost of each change.
- `tabu[r, i, t]`: until which iteration moving i back to table t in round r is tabu.
- `state`: [cost, best cost, iteration, iteration of the last improvement, iterations since the
  last restart]; `best_tab` the best plan so far; `rng` the generator's state.
"""

from __future__ import annotations

import numpy as np
from numba import njit

COST = 0
BEST = 1
ITERATION = 2
IMPROVED = 3

# params: tabu tenure min and span, iterations without improvement before a perturbation,
# random swaps per perturbation.
TENURE_MIN = 0
TENURE_SPAN = 1
STALL = 2
PERTURB = 3


def seed_rng(seed: int) -> np.ndarray:
    """The generator's state from a seed (splitmix64, never zero)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 31
    return np.array([z or 0x2545F4914F6CDD1D], dtype=np.uint64)


@njit(cache=True)
def _next(rng):
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    return x * np.uint64(2685821657736338717)


@njit(cache=True)
def _below(rng, m):
    """A uniform integer in [0, m)."""
    return np.int64((_next(rng) >> np.uint64(11)) % np.uint64(m))


@njit(cache=True)
def _hp(nh, nn, hostc):
    if nn > 0 and nh == 0:
        return hostc
    return 0


@njit(cache=True)
def rebuild(R, T, tsize, tab, members, pos, C, is_host, needs, nh, nn):
    """members, pos, C, nh, nn from tab."""
    n = tab.shape[1]
    C[:, :] = 0
    nh[:, :] = 0
    nn[:, :] = 0
    fill = np.zeros(members.shape[1], dtype=np.int64)
    for r in range(R):
        fill[:] = 0
        for i in range(n):
            t = tab[r, i]
            members[r, t, fill[t]] = i
            pos[r, i] = fill[t]
            fill[t] += 1
            nh[r, t] += is_host[i]
            nn[r, t] += needs[i]
        for t in range(T[r]):
            for p in range(tsize[r, t]):
                i = members[r, t, p]
                for q in range(p + 1, tsize[r, t]):
                    j = members[r, t, q]
                    C[i, j] += 1
                    C[j, i] += 1


@njit(cache=True)
def full_cost(R, T, tsize, tab, members, C, W, T0, rep, nh, nn, hostc, prevT, move, tog_total):
    """The plan's cost from scratch (tog_total: the cost of every together-pair split)."""
    n = tab.shape[1]
    cost = tog_total
    for i in range(n):
        for j in range(i + 1, n):
            c = C[i, j]
            if c > 0:
                cost += W[i, j] * c
                if c > 1:
                    cost += rep * (c - 1)
    for t in range(T[0]):
        for p in range(tsize[0, t]):
            i = members[0, t, p]
            for q in range(p + 1, tsize[0, t]):
                cost += T0[i, members[0, t, q]]
    for r in range(R):
        for t in range(T[r]):
            cost += _hp(nh[r, t], nn[r, t], hostc)
        if move:
            for i in range(n):
                if prevT[r, i] >= 0 and prevT[r, i] != tab[r, i]:
                    cost += move
    return cost


@njit(cache=True)
def _delta(r, i, k, a, b, members, tsize, C, W, T0, rep, is_host, needs, nh, nn, hostc, prevT, move):
    """The change in cost if i (at table a) and k (at table b) swap in round r."""
    d = 0
    for p in range(tsize[r, a]):
        j = members[r, a, p]
        if j == i:
            continue
        d += W[k, j] - W[i, j]
        if C[i, j] >= 2:
            d -= rep
        if C[k, j] >= 1:
            d += rep
        if r == 0:
            d += T0[k, j] - T0[i, j]
    for p in range(tsize[r, b]):
        j = members[r, b, p]
        if j == k:
            continue
        d += W[i, j] - W[k, j]
        if C[k, j] >= 2:
            d -= rep
        if C[i, j] >= 1:
            d += rep
        if r == 0:
            d += T0[i, j] - T0[k, j]
    if hostc != 0:
        dh = is_host[k] - is_host[i]
        dn = needs[k] - needs[i]
        if dh != 0 or dn != 0:
            d += _hp(nh[r, a] + dh, nn[r, a] + dn, hostc) - _hp(nh[r, a], nn[r, a], hostc)
            d += _hp(nh[r, b] - dh, nn[r, b] - dn, hostc) - _hp(nh[r, b], nn[r, b], hostc)
    if move != 0:
        pi = prevT[r, i]
        pk = prevT[r, k]
        if pi >= 0:
            d += move * ((pi != b) - (pi != a))
        if pk >= 0:
            d += move * ((pk != a) - (pk != b))
    return d


@njit(cache=True)
def _apply(r, i, k, a, b, members, tsize, pos, tab, C, is_host, needs, nh, nn):
    for p in range(tsize[r, a]):
        j = members[r, a, p]
        if j == i:
            continue
        C[i, j] -= 1
        C[j, i] -= 1
        C[k, j] += 1
        C[j, k] += 1
    for p in range(tsize[r, b]):
        j = members[r, b, p]
        if j == k:
            continue
        C[k, j] -= 1
        C[j, k] -= 1
        C[i, j] += 1
        C[j, i] += 1
    pi = pos[r, i]
    pk = pos[r, k]
    members[r, a, pi] = k
    members[r, b, pk] = i
    pos[r, i] = pk
    pos[r, k] = pi
    tab[r, i] = b
    tab[r, k] = a
    dh = is_host[k] - is_host[i]
    dn = needs[k] - needs[i]
    nh[r, a] += dh
    nn[r, a] += dn
    nh[r, b] -= dh
    nn[r, b] -= dn


@njit(cache=True)
def _in_conflict(r, i, tab, members, tsize, C, W, T0, tog_any, nh, nn, hostc, prevT, move):
    """Does person i carry any cost in round r (a candidate to move)?"""
    t = tab[r, i]
    for p in range(tsize[r, t]):
        j = members[r, t, p]
        if j != i and (W[i, j] > 0 or C[i, j] >= 2):
            return True
    if hostc != 0 and nn[r, t] > 0 and nh[r, t] == 0:
        return True
    if move != 0 and prevT[r, i] >= 0 and prevT[r, i] != t:
        return True
    if r == 0 and tog_any[i]:
        for j in range(tab.shape[1]):
            if T0[i, j] < 0 and tab[0, j] != t:
                return True
    return False


@njit(cache=True)
def _random_swap(R, T, tsize, members, tab, rng):
    """A random pair of people at different tables of the same round (or -1s if none)."""
    n = tab.shape[1]
    for _ in range(100):
        r = _below(rng, R)
        if T[r] < 2:
            continue
        i = _below(rng, n)
        k = _below(rng, n)
        if tab[r, i] != tab[r, k]:
            return r, i, k
    return -1, -1, -1


@njit(cache=True)
def search(max_iter, target, R, T, tsize, members, pos, tab, C, W, T0, tog_any, tog_total, rep,
           is_host, needs, nh, nn, hostc, prevT, move, tabu, state, best_tab, rng, params,
           cand_r, cand_i):
    """Run up to max_iter iterations (fewer if the best cost reaches target). Returns the number
    of iterations run."""
    n = tab.shape[1]
    tmin = params[TENURE_MIN]
    tspan = params[TENURE_SPAN]
    stall = params[STALL]
    nperturb = params[PERTURB]
    done = 0
    big = np.int64(2) ** 62
    while done < max_iter and state[BEST] > target:
        it = state[ITERATION]
        nc = 0
        for r in range(R):
            if T[r] < 2:
                continue
            for i in range(n):
                if _in_conflict(r, i, tab, members, tsize, C, W, T0, tog_any, nh, nn, hostc, prevT, move):
                    cand_r[nc] = r
                    cand_i[nc] = i
                    nc += 1
        best_d = big
        nbest = 0
        br = -1
        bi = -1
        bk = -1
        cost = state[COST]
        for c in range(nc):
            r = cand_r[c]
            i = cand_i[c]
            a = tab[r, i]
            for b in range(T[r]):
                if b == a:
                    continue
                for p in range(tsize[r, b]):
                    k = members[r, b, p]
                    d = _delta(r, i, k, a, b, members, tsize, C, W, T0, rep, is_host, needs,
                               nh, nn, hostc, prevT, move)
                    if d > best_d:
                        continue
                    if (tabu[r, i, b] > it or tabu[r, k, a] > it) and cost + d >= state[BEST]:
                        continue
                    if d < best_d:
                        best_d = d
                        nbest = 1
                        br = r
                        bi = i
                        bk = k
                    else:
                        nbest += 1
                        if _below(rng, nbest) == 0:
                            br = r
                            bi = i
                            bk = k
        if nbest == 0:
            br, bi, bk = _random_swap(R, T, tsize, members, tab, rng)
            if br < 0:
                state[ITERATION] += 1
                done += 1
                break
            a = tab[br, bi]
            b = tab[br, bk]
            best_d = _delta(br, bi, bk, a, b, members, tsize, C, W, T0, rep, is_host, needs,
                            nh, nn, hostc, prevT, move)
        a = tab[br, bi]
        b = tab[br, bk]
        _apply(br, bi, bk, a, b, members, tsize, pos, tab, C, is_host, needs, nh, nn)
        state[COST] += best_d
        tabu[br, bi, a] = it + tmin + _below(rng, tspan)
        tabu[br, bk, b] = it + tmin + _below(rng, tspan)
        state[ITERATION] += 1
        done += 1
        if state[COST] < state[BEST]:
            state[BEST] = state[COST]
            best_tab[:, :] = tab
            state[IMPROVED] = state[ITERATION]
        elif state[ITERATION] - state[IMPROVED] > stall:
            # Stuck: back to the best plan, shaken by a few random swaps.
            tab[:, :] = best_tab
            rebuild(R, T, tsize, tab, members, pos, C, is_host, needs, nh, nn)
            for _ in range(nperturb):
                r, i, k = _random_swap(R, T, tsize, members, tab, rng)
                if r >= 0:
                    _apply(r, i, k, tab[r, i], tab[r, k], members, tsize, pos, tab, C, is_host,
                           needs, nh, nn)
            state[COST] = full_cost(R, T, tsize, tab, members, C, W, T0, rep, nh, nn, hostc,
                                    prevT, move, tog_total)
            tabu[:, :, :] = 0
            state[IMPROVED] = state[ITERATION]
    return done
