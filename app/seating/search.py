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

COST = 0  # of the current plan, with the penalties
BEST = 1  # of the best plan, without
ITERATION = 2
IMPROVED = 3  # iteration of the last new best or penalty update
TRUE = 4  # of the current plan, without the penalties
AUGBEST = 5  # the best cost with the penalties since they last changed (aspiration)

# params: tabu tenure min and span, iterations without improvement before a perturbation,
# random swaps per perturbation.
TENURE_MIN = 0
TENURE_SPAN = 1
STALL = 2
PERTURB = 3
RESTORE = 4
PENALTY = 5
PAIR_TABU = 6
NOISE = 7
PERTURB_TENURE = 8


def seed_rng(seed: int) -> np.ndarray:
    """The generator's state from a seed (splitmix64, never zero)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 31
    return np.array([z or 0x2545F4914F6CDD1D], dtype=np.uint64)


@njit(cache=True, inline="always")
def _next(rng):
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    return x * np.uint64(2685821657736338717)


@njit(cache=True, inline="always")
def _below(rng, m):
    """A uniform integer in [0, m)."""
    return np.int64((_next(rng) >> np.uint64(11)) % np.uint64(m))


@njit(cache=True, inline="always")
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
                    cost += rep[i, j] * (c - 1)
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


@njit(cache=True, inline="always")
def _addc(i, j, C, W, rep):
    """The cost of one more round together for i and j."""
    if C[i, j] >= 1:
        return W[i, j] + rep[i, j]
    return W[i, j]


@njit(cache=True, inline="always")
def _remc(i, j, C, W, rep):
    """The cost saved by one round fewer together for i and j."""
    if C[i, j] >= 2:
        return W[i, j] + rep[i, j]
    return W[i, j]


@njit(cache=True)
def scores(R, T, tsize, tab, members, C, W, T0, rep, A, L):
    """A[r, x, t]: the cost of seating x at table t in round r (with everyone at t but x);
    L[r, x]: the cost x saves by leaving their table in round r (in round 1 both include the
    together-groups' T0)."""
    n = tab.shape[1]
    A[:, :, :] = 0
    L[:, :] = 0
    for r in range(R):
        for x in range(n):
            tx = tab[r, x]
            for j in range(n):
                if j == x:
                    continue
                extra = T0[x, j] if r == 0 else 0
                A[r, x, tab[r, j]] += _addc(x, j, C, W, rep) + extra
                if tab[r, j] == tx:
                    L[r, x] += _remc(x, j, C, W, rep) + extra


@njit(cache=True, inline="always")
def _delta_pairs(r, i, k, a, b, C, W, T0, rep, A, L):
    """The change in pair costs if i (at table a) and k (at table b) swap in round r."""
    d = (A[r, i, b] - _addc(i, k, C, W, rep) - L[r, i]
         + A[r, k, a] - _addc(k, i, C, W, rep) - L[r, k])
    if r == 0:
        d -= T0[i, k] + T0[k, i]
    return d


@njit(cache=True, inline="always")
def _delta(r, i, k, a, b, C, W, T0, rep, A, L, is_host, needs, nh, nn, hostc, prevT, move):
    """The change in cost if i (at table a) and k (at table b) swap in round r. (No loops or calls
    with arrays here: numba then counts references on every call, ten times slower.)"""
    d = (A[r, i, b] - _addc(i, k, C, W, rep) - L[r, i]
         + A[r, k, a] - _addc(k, i, C, W, rep) - L[r, k])
    if r == 0:
        d -= T0[i, k] + T0[k, i]
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


@njit(cache=True, inline="always")
def _leave(r, x, t, members, tsize, C, W, T0, rep, A, L):
    """Take x's share out of the scores of table t in round r (x is leaving it)."""
    n = A.shape[1]
    for z in range(n):
        if z != x:
            A[r, z, t] -= _addc(z, x, C, W, rep) + (T0[z, x] if r == 0 else 0)
    for p in range(tsize[r, t]):
        z = members[r, t, p]
        if z != x:
            L[r, z] -= _remc(z, x, C, W, rep) + (T0[z, x] if r == 0 else 0)


@njit(cache=True, inline="always")
def _join(r, x, t, members, tsize, C, W, T0, rep, A, L):
    """Add x's share to the scores of table t in round r (x has just sat down there)."""
    n = A.shape[1]
    for z in range(n):
        if z != x:
            A[r, z, t] += _addc(z, x, C, W, rep) + (T0[z, x] if r == 0 else 0)
    for p in range(tsize[r, t]):
        z = members[r, t, p]
        if z != x:
            L[r, z] += _remc(z, x, C, W, rep) + (T0[z, x] if r == 0 else 0)


@njit(cache=True, inline="always")
def _count(x, y, step, R, r0, tab, C, W, rep, A, L):
    """C[x, y] += step, with the scores of every round updated (in round r0, x is between
    tables: only x's own row of A changes there)."""
    before = C[x, y]
    after = before + step
    dadd = rep[x, y] * ((after >= 1) - (before >= 1))
    drem = rep[x, y] * ((after >= 2) - (before >= 2))
    C[x, y] = after
    C[y, x] = after
    if dadd == 0 and drem == 0:
        return
    for r in range(R):
        tx = tab[r, x]
        ty = tab[r, y]
        if r == r0:
            A[r, x, ty] += dadd
            continue
        A[r, x, ty] += dadd
        A[r, y, tx] += dadd
        if tx == ty:
            L[r, x] += drem
            L[r, y] += drem


@njit(cache=True)
def _apply(R, r, i, k, a, b, members, tsize, pos, tab, C, W, T0, rep, A, L, is_host, needs, nh, nn):
    _leave(r, i, a, members, tsize, C, W, T0, rep, A, L)
    _leave(r, k, b, members, tsize, C, W, T0, rep, A, L)
    for p in range(tsize[r, a]):
        j = members[r, a, p]
        if j == i:
            continue
        _count(i, j, -1, R, r, tab, C, W, rep, A, L)
        _count(k, j, 1, R, r, tab, C, W, rep, A, L)
    for p in range(tsize[r, b]):
        j = members[r, b, p]
        if j == k:
            continue
        _count(k, j, -1, R, r, tab, C, W, rep, A, L)
        _count(i, j, 1, R, r, tab, C, W, rep, A, L)
    pi = pos[r, i]
    pk = pos[r, k]
    members[r, a, pi] = k
    members[r, b, pk] = i
    pos[r, i] = pk
    pos[r, k] = pi
    tab[r, i] = b
    tab[r, k] = a
    _join(r, i, b, members, tsize, C, W, T0, rep, A, L)
    _join(r, k, a, members, tsize, C, W, T0, rep, A, L)
    for x, t in ((i, b), (k, a)):
        total = 0
        for p in range(tsize[r, t]):
            z = members[r, t, p]
            if z != x:
                total += _remc(x, z, C, W, rep) + (T0[x, z] if r == 0 else 0)
        L[r, x] = total
    dh = is_host[k] - is_host[i]
    dn = needs[k] - needs[i]
    nh[r, a] += dh
    nn[r, a] += dn
    nh[r, b] -= dh
    nn[r, b] -= dn


@njit(cache=True, inline="always")
def _in_conflict(r, i, tab, L, tog_any, nh, nn, hostc, prevT, move):
    """Does person i carry any cost in round r (a candidate to move)? (Members of a together
    group always are in round 1: their L includes the group's negative T0.)"""
    if L[r, i] > 0:
        return True
    if r == 0 and tog_any[i]:
        return True
    t = tab[r, i]
    if hostc != 0 and nn[r, t] > 0 and nh[r, t] == 0:
        return True
    if move != 0 and prevT[r, i] >= 0 and prevT[r, i] != t:
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
def _choose_pairs(R, T, tsize, members, tab, C, W, T0, tog_any, rep, A, L, tabu, pair_tabu, state,
                  rng, cand_r, cand_i, noise):
    """The best non-tabu swap (ties at random) among those moving a person in conflict, when
    only pair costs count (no hosts, no previous plan): (count of best swaps, delta, round, i,
    k). A copy of `_choose` with the simpler delta, ten times faster (numba keeps the extra
    branches in the loop)."""
    n = tab.shape[1]
    it = state[ITERATION]
    nc = 0
    for r in range(R):
        if T[r] < 2:
            continue
        for i in range(n):
            if L[r, i] > 0 or (r == 0 and tog_any[i]):
                cand_r[nc] = r
                cand_i[nc] = i
                nc += 1
    best_d = np.int64(4611686018427387904)
    nbest = 0
    br = -1
    bi = -1
    bk = -1
    cost = state[COST]
    best = state[AUGBEST]
    c_from = 0
    c_to = nc
    if noise > 0 and nc > 0 and _below(rng, 1000) < noise:
        c_from = _below(rng, nc)
        c_to = c_from + 1
    for c in range(c_from, c_to):
        r = cand_r[c]
        i = cand_i[c]
        a = tab[r, i]
        for b in range(T[r]):
            if b == a:
                continue
            for p in range(tsize[r, b]):
                k = members[r, b, p]
                # _delta_pairs written out: numba's inlined calls run ten times slower here
                d = A[r, i, b] - L[r, i] + A[r, k, a] - L[r, k] - 2 * W[i, k]
                if C[i, k] >= 1:
                    d -= 2 * rep[i, k]
                if r == 0:
                    d -= T0[i, k] + T0[k, i]
                if d > best_d:
                    continue
                if pair_tabu:
                    is_tabu = tabu[r, i, k] > it
                else:
                    is_tabu = tabu[r, i, b] > it or tabu[r, k, a] > it
                if is_tabu and cost + d >= best:
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
    return nbest, best_d, br, bi, bk


@njit(cache=True)
def _choose(R, T, tsize, members, tab, C, W, T0, tog_any, rep, A, L, is_host, needs, nh, nn,
            hostc, prevT, move, tabu, pair_tabu, state, rng, cand_r, cand_i):
    """As `_choose_pairs`, with the hosts' and the previous plan's costs."""
    n = tab.shape[1]
    it = state[ITERATION]
    nc = 0
    for r in range(R):
        if T[r] < 2:
            continue
        for i in range(n):
            t = tab[r, i]
            if (L[r, i] > 0 or (r == 0 and tog_any[i])
                    or (hostc != 0 and nn[r, t] > 0 and nh[r, t] == 0)
                    or (move != 0 and prevT[r, i] >= 0 and prevT[r, i] != t)):
                cand_r[nc] = r
                cand_i[nc] = i
                nc += 1
    best_d = np.int64(4611686018427387904)
    nbest = 0
    br = -1
    bi = -1
    bk = -1
    cost = state[COST]
    best = state[AUGBEST]
    for c in range(nc):
        r = cand_r[c]
        i = cand_i[c]
        a = tab[r, i]
        for b in range(T[r]):
            if b == a:
                continue
            for p in range(tsize[r, b]):
                k = members[r, b, p]
                # _delta written out: numba's inlined calls run ten times slower here
                d = A[r, i, b] - L[r, i] + A[r, k, a] - L[r, k] - 2 * W[i, k]
                if C[i, k] >= 1:
                    d -= 2 * rep[i, k]
                if r == 0:
                    d -= T0[i, k] + T0[k, i]
                if hostc != 0:
                    dh = is_host[k] - is_host[i]
                    dn = needs[k] - needs[i]
                    if dh != 0 or dn != 0:
                        ha = nh[r, a]
                        na = nn[r, a]
                        hb = nh[r, b]
                        nb = nn[r, b]
                        if na > 0 and ha == 0:
                            d -= hostc
                        if na + dn > 0 and ha + dh == 0:
                            d += hostc
                        if nb > 0 and hb == 0:
                            d -= hostc
                        if nb - dn > 0 and hb - dh == 0:
                            d += hostc
                if move != 0:
                    pi = prevT[r, i]
                    pk = prevT[r, k]
                    if pi >= 0:
                        if pi == a:
                            d += move
                        elif pi == b:
                            d -= move
                    if pk >= 0:
                        if pk == b:
                            d += move
                        elif pk == a:
                            d -= move
                if d > best_d:
                    continue
                if pair_tabu:
                    is_tabu = tabu[r, i, k] > it
                else:
                    is_tabu = tabu[r, i, b] > it or tabu[r, k, a] > it
                if is_tabu and cost + d >= best:
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
    return nbest, best_d, br, bi, bk


@njit(cache=True)
def _penalty_delta(r, i, k, a, b, members, tsize, C, rep, rep0):
    """The change in the penalties alone if i (at a) and k (at b) swap in round r."""
    d = 0
    for p in range(tsize[r, a]):
        j = members[r, a, p]
        if j == i:
            continue
        if C[i, j] >= 2:
            d -= rep[i, j] - rep0
        if C[k, j] >= 1:
            d += rep[k, j] - rep0
    for p in range(tsize[r, b]):
        j = members[r, b, p]
        if j == k:
            continue
        if C[k, j] >= 2:
            d -= rep[k, j] - rep0
        if C[i, j] >= 1:
            d += rep[i, j] - rep0
    return d


@njit(cache=True)
def _penalty_cost(C, rep, rep0):
    n = C.shape[0]
    total = 0
    for i in range(n):
        for j in range(i + 1, n):
            if C[i, j] > 1:
                total += (rep[i, j] - rep0) * (C[i, j] - 1)
    return total


@njit(cache=True)
def search(max_iter, target, R, T, tsize, members, pos, tab, C, W, T0, tog_any, tog_total, rep,
           rep0, is_host, needs, nh, nn, hostc, prevT, move, A, L, tabu, state, best_tab, rng, params,
           cand_r, cand_i):
    """Run up to max_iter iterations (fewer if the best cost reaches target). Returns the number
    of iterations run. A and L must match the plan (`scores`)."""
    tmin = params[TENURE_MIN]
    tspan = params[TENURE_SPAN]
    stall = params[STALL]
    nperturb = params[PERTURB]
    n = tab.shape[1]
    done = 0
    plain = hostc == 0 and move == 0
    pair_tabu = params[PAIR_TABU] != 0
    while done < max_iter and state[BEST] > target:
        it = state[ITERATION]
        if plain:
            nbest, best_d, br, bi, bk = _choose_pairs(R, T, tsize, members, tab, C, W, T0, tog_any,
                                                      rep, A, L, tabu, pair_tabu, state, rng,
                                                      cand_r, cand_i, params[NOISE])
        else:
            nbest, best_d, br, bi, bk = _choose(R, T, tsize, members, tab, C, W, T0, tog_any, rep,
                                                A, L, is_host, needs, nh, nn, hostc, prevT, move,
                                                tabu, pair_tabu, state, rng, cand_r, cand_i)
        if nbest == 0:
            br, bi, bk = _random_swap(R, T, tsize, members, tab, rng)
            if br < 0:
                state[ITERATION] += 1
                done += 1
                break
            best_d = _delta(br, bi, bk, tab[br, bi], tab[br, bk], C, W, T0, rep, A, L, is_host,
                            needs, nh, nn, hostc, prevT, move)
        a = tab[br, bi]
        b = tab[br, bk]
        pd = _penalty_delta(br, bi, bk, a, b, members, tsize, C, rep, rep0)
        _apply(R, br, bi, bk, a, b, members, tsize, pos, tab, C, W, T0, rep, A, L, is_host,
               needs, nh, nn)
        state[COST] += best_d
        state[TRUE] += best_d - pd
        if state[COST] < state[AUGBEST]:
            state[AUGBEST] = state[COST]
        if pair_tabu:
            tabu[br, bi, bk] = it + tmin + _below(rng, tspan)
            tabu[br, bk, bi] = tabu[br, bi, bk]
        else:
            tabu[br, bi, a] = it + tmin + _below(rng, tspan)
            tabu[br, bk, b] = it + tmin + _below(rng, tspan)
        state[ITERATION] += 1
        done += 1
        if state[TRUE] < state[BEST]:
            state[BEST] = state[TRUE]
            best_tab[:, :] = tab
            state[IMPROVED] = state[ITERATION]
        elif state[ITERATION] - state[IMPROVED] > stall:
            # Stuck. Guided local search: the pairs that meet twice now cost more from now on;
            # then (optionally) back to the best plan, shaken by a few random swaps.
            if params[PENALTY] > 0:
                for x in range(n):
                    for y in range(x + 1, n):
                        if C[x, y] >= 2:
                            rep[x, y] += params[PENALTY]
                            rep[y, x] = rep[x, y]
            if params[RESTORE]:
                tab[:, :] = best_tab
                rebuild(R, T, tsize, tab, members, pos, C, is_host, needs, nh, nn)
            scores(R, T, tsize, tab, members, C, W, T0, rep, A, L)
            tabu[:, :, :] = 0
            now = state[ITERATION]
            for _ in range(nperturb):
                r, i, k = _random_swap(R, T, tsize, members, tab, rng)
                if r >= 0:
                    a = tab[r, i]
                    b = tab[r, k]
                    _apply(R, r, i, k, a, b, members, tsize, pos, tab, C, W, T0, rep, A, L,
                           is_host, needs, nh, nn)
                    # The shake is not undone at once: its moves back are tabu for a while.
                    hold = now + params[PERTURB_TENURE]
                    if pair_tabu:
                        tabu[r, i, k] = hold
                        tabu[r, k, i] = hold
                    else:
                        tabu[r, i, a] = hold
                        tabu[r, k, b] = hold
            state[COST] = full_cost(R, T, tsize, tab, members, C, W, T0, rep, nh, nn, hostc,
                                    prevT, move, tog_total)
            state[TRUE] = state[COST] - _penalty_cost(C, rep, rep0)
            # Aspiration only for a new best (with penalties: the best since they changed).
            state[AUGBEST] = state[COST] if params[PENALTY] > 0 else state[BEST]
            state[IMPROVED] = state[ITERATION]
    return done
