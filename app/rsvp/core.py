"""The seat rules of a meeting, as plain data: who is going, who waits, who moves up.

No Flask and no database: `app.rsvp.services` loads a meeting's seat holders into a `Book`, asks it
what happens, and writes the answer back, all under the meeting's row lock.

The rules:

- A seat holder (a member's answer, a guest, a substitute) takes one seat. Each has a place in line,
  `seq`: the order in which they asked (smaller first).
- A new sign-up takes a seat if one is free, else it joins the end of the waitlist.
- "The member first": a member's guests are separate seat holders that ask right after the member,
  so when fewer seats are free than the party needs, the member gets a seat first and the guests
  take what is left and wait for the rest, in line behind the member.
- When a seat frees up (someone leaves, the capacity grows), the waiting are promoted in line order
  while seats are free. Every seat holder needs exactly one seat, so the first in line always fits.
- Organizers may put someone in a seat above the capacity on purpose (`forced`). Lowering the
  capacity below the number going moves nobody: the book reports how many are over (`over_by`) and
  the organizer chooses who moves to the waitlist.
- Someone moved to the waitlist by an organizer goes to the front of the line.
- `capacity` None means no limit: nobody ever waits.

In "expected unless afbud" groups, members who have not answered are expected and hold a seat:
they count in `expected`, a number of seats taken by no seat holder in the book.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace

GOING = "going"
WAITLISTED = "waitlisted"
OUT = "out"  # declined (a member) or cancelled (a guest): holds no seat and no place in line

STATUSES = (GOING, WAITLISTED, OUT)


@dataclass(frozen=True)
class Holder:
    key: Hashable
    status: str
    seq: int
    forced: bool = False


@dataclass(frozen=True)
class Move:
    """One seat holder's change, for the caller to write back (and to tell people about)."""

    key: Hashable
    old: str | None  # None: new in the book
    new: str
    seq: int
    forced: bool = False

    @property
    def promoted(self) -> bool:
        return self.old == WAITLISTED and self.new == GOING


class SeatError(ValueError):
    """An operation the rules do not allow (unknown holder, a holder added twice, a bad capacity)."""


class Book:
    def __init__(self, capacity: int | None, holders: Iterable[Holder] = (), *, expected: int = 0):
        if capacity is not None and capacity < 0:
            raise SeatError("capacity must be None or at least 0")
        if expected < 0:
            raise SeatError("expected must be at least 0")
        self.capacity = capacity
        self.expected = expected
        self.holders: dict[Hashable, Holder] = {}
        for holder in holders:
            if holder.status not in STATUSES:
                raise SeatError(f"unknown status {holder.status!r}")
            if holder.key in self.holders:
                raise SeatError(f"{holder.key!r} twice")
            self.holders[holder.key] = holder

    # --- reading -------------------------------------------------------------------------------

    @property
    def going(self) -> int:
        """Seats taken: seat holders going plus the expected members."""
        return self.expected + sum(1 for h in self.holders.values() if h.status == GOING)

    @property
    def free(self) -> int | None:
        """Free seats (never negative); None without a capacity."""
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.going)

    @property
    def over_by(self) -> int:
        """How many more are going than there are seats (after a forced seat or a lower capacity)."""
        if self.capacity is None:
            return 0
        return max(0, self.going - self.capacity)

    def waiting(self) -> list[Holder]:
        """The waitlist in line order."""
        return sorted((h for h in self.holders.values() if h.status == WAITLISTED),
                      key=lambda h: (h.seq, str(h.key)))

    def positions(self) -> dict[Hashable, int]:
        """{key: place on the waitlist}, counting from 1."""
        return {holder.key: place for place, holder in enumerate(self.waiting(), start=1)}

    def status_of(self, key: Hashable) -> str | None:
        holder = self.holders.get(key)
        return holder.status if holder else None

    def next_seq(self) -> int:
        return max((h.seq for h in self.holders.values()), default=0) + 1

    # --- changing ------------------------------------------------------------------------------

    def join(self, key: Hashable, *, force: bool = False) -> Move:
        """`key` asks for a seat (new, or back after leaving): a free seat, else the end of the line.
        With `force` (an organizer) it gets a seat even when none is free. Someone already going or
        waiting keeps their place."""
        current = self.holders.get(key)
        if current is not None and current.status != OUT:
            if force and current.status == WAITLISTED:
                return self.promote(key, force=True)
            return Move(key, current.status, current.status, current.seq, current.forced)
        seq = self.next_seq()
        fits = self.capacity is None or self.going < self.capacity
        status = GOING if fits or force else WAITLISTED
        forced = force and not fits
        return self._set(Holder(key, status, seq, forced), old=current.status if current else None)

    def leave(self, key: Hashable, *, fill: bool = True) -> list[Move]:
        """`key` gives up their seat or place in line; the waitlist moves up into a freed seat
        (unless `fill` is false: several leave at once and `fill()` follows).
        Returns the holder's own move first, then the promotions."""
        current = self._get(key)
        if current.status == OUT:
            return [Move(key, OUT, OUT, current.seq)]
        own = self._set(replace(current, status=OUT, forced=False), old=current.status)
        return [own, *self.fill()] if fill else [own]

    def take_over(self, old_key: Hashable, new_key: Hashable) -> list[Move]:
        """A substitute (`new_key`) takes `old_key`'s seat or place in line; `old_key` leaves.
        When `old_key` held neither, the substitute joins like a new sign-up."""
        current = self._get(old_key)
        if new_key in self.holders and self.holders[new_key].status != OUT:
            raise SeatError(f"{new_key!r} holds a seat already")
        if current.status == OUT:
            return [Move(old_key, OUT, OUT, current.seq), self.join(new_key)]
        substitute = Holder(new_key, current.status, current.seq, current.forced)
        own = self._set(replace(current, status=OUT, forced=False), old=current.status)
        return [own, self._set(substitute, old=None)]

    def expected_leaves(self) -> list[Move]:
        """An expected member (not in the book) sends afbud: one expected seat is freed."""
        if self.expected <= 0:
            raise SeatError("nobody is expected")
        self.expected -= 1
        return self.fill()

    def expected_confirms(self, key: Hashable) -> Move:
        """An expected member says yes: they keep the seat they held, now as a seat holder."""
        if self.expected <= 0:
            raise SeatError("nobody is expected")
        if key in self.holders and self.holders[key].status != OUT:
            raise SeatError(f"{key!r} holds a seat already")
        self.expected -= 1
        return self._set(Holder(key, GOING, self.next_seq()), old=self.status_of(key))

    def set_capacity(self, capacity: int | None) -> list[Move]:
        """A new capacity. More seats promote the waiting; fewer move nobody (see `over_by`)."""
        if capacity is not None and capacity < 0:
            raise SeatError("capacity must be None or at least 0")
        self.capacity = capacity
        return self.fill()

    def fill(self) -> list[Move]:
        """Promote the waiting, in line order, into the free seats."""
        moves = []
        for holder in self.waiting():
            if self.capacity is not None and self.going >= self.capacity:
                break
            moves.append(self._set(replace(holder, status=GOING, forced=False), old=WAITLISTED))
        return moves

    def promote(self, key: Hashable, *, force: bool = False) -> Move:
        """An organizer gives a waiting person a seat, out of line. Without `force` only into a free
        seat; with it above the capacity (marked forced)."""
        current = self._get(key)
        if current.status == GOING:
            return Move(key, GOING, GOING, current.seq, current.forced)
        fits = self.capacity is None or self.going < self.capacity
        if not fits and not force:
            raise SeatError("no free seat")
        return self._set(replace(current, status=GOING, forced=not fits), old=current.status)

    def to_waitlist(self, key: Hashable) -> list[Move]:
        """An organizer moves someone going to the front of the waitlist (a freed seat under the
        capacity then goes to the first in line, which is them unless the seat was over capacity)."""
        current = self._get(key)
        if current.status != GOING:
            raise SeatError(f"{key!r} is not going")
        front = min((h.seq for h in self.waiting()), default=current.seq + 1)
        seq = min(current.seq, front - 1)
        own = self._set(replace(current, status=WAITLISTED, seq=seq, forced=False), old=GOING)
        return [own, *self.fill()]

    def move_in_line(self, key: Hashable, place: int) -> list[Move]:
        """An organizer moves a waiting person to `place` (1 = first) in the line; the others keep
        their order. Returns the changed places (every holder whose seq changed)."""
        current = self._get(key)
        if current.status != WAITLISTED:
            raise SeatError(f"{key!r} is not waiting")
        line = [h for h in self.waiting() if h.key != key]
        place = max(1, min(place, len(line) + 1))
        line.insert(place - 1, current)
        seqs = sorted(h.seq for h in line)
        moves = []
        for holder, seq in zip(line, seqs, strict=True):
            if holder.seq != seq:
                moves.append(self._set(replace(holder, seq=seq), old=WAITLISTED))
        return moves

    # --- internals -----------------------------------------------------------------------------

    def _get(self, key: Hashable) -> Holder:
        try:
            return self.holders[key]
        except KeyError:
            raise SeatError(f"unknown {key!r}") from None

    def _set(self, holder: Holder, *, old: str | None) -> Move:
        self.holders[holder.key] = holder
        return Move(holder.key, old, holder.status, holder.seq, holder.forced)


__all__ = ["GOING", "OUT", "STATUSES", "WAITLISTED", "Book", "Holder", "Move", "SeatError"]
