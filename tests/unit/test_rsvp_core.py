"""app.rsvp.core: the seat rules as plain data.

Unit tests for each rule, then property tests (hypothesis): any sequence of joins, leaves,
substitutes, expected members' answers, capacity changes and organizer moves is replayed against
`Book` and against a small reference model written as lists (the line is a Python list, the seats
a dict). After every step both must agree, and the invariants must hold:

- going exceeds the capacity only by what organizers did: a forced seat adds at most one seat
  over, a lowered capacity leaves everyone going (over_by is exactly the difference), and nothing
  else ever raises over_by;
- the waitlist is in arrival order, changed only by organizer moves;
- nobody disappears (every key ever added is in the book with a valid status);
- promotions happen exactly when a seat frees up, and go to the first in line;
- nobody waits while a seat is free;
- positions() numbers the line 1..n;
- an operation the rules refuse (SeatError) changes nothing.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.rsvp.core import GOING, OUT, STATUSES, WAITLISTED, Book, Holder, SeatError


def keys_of(holders) -> list:
    return [h.key for h in holders]


# --- unit tests -----------------------------------------------------------------------------------


def test_join_takes_free_seats_then_the_waitlist_in_arrival_order():
    book = Book(2)
    assert [book.join(k).new for k in "abcd"] == [GOING, GOING, WAITLISTED, WAITLISTED]
    assert keys_of(book.waiting()) == ["c", "d"]
    assert book.positions() == {"c": 1, "d": 2}
    assert book.going == 2 and book.free == 0 and book.over_by == 0


def test_join_again_keeps_place():
    book = Book(1)
    book.join("a")
    book.join("b")
    move = book.join("b")
    assert (move.old, move.new) == (WAITLISTED, WAITLISTED)
    assert book.positions() == {"b": 1}


def test_no_capacity_nobody_waits():
    book = Book(None)
    for key in range(50):
        assert book.join(key).new == GOING
    assert book.free is None and book.over_by == 0 and book.waiting() == []


def test_leave_promotes_first_in_line():
    book = Book(1)
    for key in "abc":
        book.join(key)
    own, *promoted = book.leave("a")
    assert (own.key, own.old, own.new) == ("a", GOING, OUT)
    assert [(m.key, m.promoted) for m in promoted] == [("b", True)]
    assert book.positions() == {"c": 1}


def test_leaving_the_waitlist_promotes_nobody():
    book = Book(1)
    for key in "abc":
        book.join(key)
    assert [m.key for m in book.leave("b")] == ["b"]
    assert book.status_of("a") == GOING and book.positions() == {"c": 1}


def test_leave_twice_is_harmless():
    book = Book(1)
    book.join("a")
    book.leave("a")
    assert book.leave("a") == [book.leave("a")[0]]
    assert book.status_of("a") == OUT


def test_rejoin_goes_to_the_end_of_the_line():
    book = Book(1)
    for key in "abc":
        book.join(key)
    book.leave("b")
    book.join("b")
    assert keys_of(book.waiting()) == ["c", "b"]


def test_member_first_party_when_seats_are_short():
    """A member and two guests ask for the last seat: the member gets it, the guests wait behind."""
    book = Book(3)
    book.join("x")
    book.join("y")
    assert book.join(("m", 1)).new == GOING
    assert book.join(("g", 1)).new == WAITLISTED
    assert book.join(("g", 2)).new == WAITLISTED
    assert keys_of(book.waiting()) == [("g", 1), ("g", 2)]


def test_take_over_keeps_seat_and_place():
    book = Book(1)
    book.join("a")
    book.join("b")
    book.join("c")
    moves = book.take_over("a", "sa")
    assert [(m.key, m.old, m.new) for m in moves] == [("a", GOING, OUT), ("sa", None, GOING)]
    book.take_over("b", "sb")
    assert keys_of(book.waiting()) == ["sb", "c"]
    assert book.going == 1


def test_take_over_from_nobody_joins_and_twice_is_refused():
    book = Book(1)
    book.join("a")
    book.join("b")
    book.leave("b")
    moves = book.take_over("b", "sb")
    assert moves[-1].new == WAITLISTED
    with pytest.raises(SeatError):
        book.take_over("a", "sb")
    with pytest.raises(SeatError):
        book.take_over("nobody", "z")


def test_expected_seats_count_and_free_up():
    book = Book(3, expected=3)
    assert book.join("guest").new == WAITLISTED
    assert [m.key for m in book.expected_leaves()] == ["guest"]
    assert book.status_of("guest") == GOING and book.expected == 2
    move = book.expected_confirms("e1")
    assert (move.new, book.expected, book.going) == (GOING, 1, 3)
    book.expected_leaves()
    with pytest.raises(SeatError):
        book.expected_leaves()
    with pytest.raises(SeatError):
        book.expected_confirms("e2")


def test_lower_capacity_moves_nobody_and_reports_over_by():
    book = Book(4)
    for key in "abcd":
        book.join(key)
    assert book.set_capacity(2) == []
    assert book.going == 4 and book.over_by == 2 and book.free == 0
    assert book.join("e").new == WAITLISTED
    book.leave("a")  # still over capacity: nobody moves up
    assert book.over_by == 1 and book.positions() == {"e": 1}
    book.leave("b")
    book.leave("c")  # now a seat is free again: the first in line gets it
    assert book.status_of("e") == GOING and book.going == 2


def test_raise_capacity_promotes_in_line_order():
    book = Book(1)
    for key in "abcd":
        book.join(key)
    moves = book.set_capacity(3)
    assert [m.key for m in moves] == ["b", "c"] and all(m.promoted for m in moves)
    assert [m.key for m in book.set_capacity(None)] == ["d"]


def test_forced_seat_over_capacity():
    book = Book(1)
    book.join("a")
    move = book.join("b", force=True)
    assert (move.new, move.forced) == (GOING, True)
    assert book.over_by == 1
    book.join("c")
    promote = book.promote("c", force=True)
    assert promote.forced and book.over_by == 2
    with pytest.raises(SeatError):
        Book(1, [Holder("a", GOING, 1), Holder("b", WAITLISTED, 2)]).promote("b")


def test_forced_join_of_someone_waiting_promotes_them():
    book = Book(1)
    book.join("a")
    book.join("b")
    book.join("c")
    move = book.join("c", force=True)
    assert (move.old, move.new, move.forced) == (WAITLISTED, GOING, True)
    assert book.positions() == {"b": 1}


def test_to_waitlist_goes_to_the_front_when_over_capacity():
    book = Book(3)
    for key in "abc":
        book.join(key)
    book.join("d")
    book.set_capacity(2)
    moves = book.to_waitlist("c")
    assert [(m.key, m.new) for m in moves] == [("c", WAITLISTED)]
    assert keys_of(book.waiting()) == ["c", "d"]
    assert book.over_by == 0


def test_to_waitlist_with_a_free_seat_gives_it_straight_back():
    """Nobody waits while a seat is free: the person moved is first in line and gets the seat."""
    book = Book(3)
    book.join("a")
    moves = book.to_waitlist("a")
    assert [(m.key, m.new) for m in moves] == [("a", WAITLISTED), ("a", GOING)]
    assert book.status_of("a") == GOING and book.waiting() == []
    with pytest.raises(SeatError):
        book.to_waitlist("nobody")
    book.leave("a")
    with pytest.raises(SeatError):
        book.to_waitlist("a")


def test_move_in_line():
    book = Book(1)
    for key in "abcde":
        book.join(key)
    book.move_in_line("e", 1)
    assert keys_of(book.waiting()) == ["e", "b", "c", "d"]
    book.move_in_line("e", 99)
    assert keys_of(book.waiting()) == ["b", "c", "d", "e"]
    book.move_in_line("b", 0)
    assert keys_of(book.waiting()) == ["b", "c", "d", "e"]
    book.move_in_line("c", 3)
    assert keys_of(book.waiting()) == ["b", "d", "c", "e"]
    assert book.positions() == {"b": 1, "d": 2, "c": 3, "e": 4}
    with pytest.raises(SeatError):
        book.move_in_line("a", 1)


def test_bad_input_is_refused():
    with pytest.raises(SeatError):
        Book(-1)
    with pytest.raises(SeatError):
        Book(1, expected=-1)
    with pytest.raises(SeatError):
        Book(1, [Holder("a", "maybe", 1)])
    with pytest.raises(SeatError):
        Book(1, [Holder("a", GOING, 1), Holder("a", OUT, 2)])
    book = Book(1)
    with pytest.raises(SeatError):
        book.set_capacity(-1)
    with pytest.raises(SeatError):
        book.leave("nobody")
    with pytest.raises(SeatError):
        book.promote("nobody")


def test_book_loaded_from_rows_keeps_line_order_by_seq():
    book = Book(1, [Holder("late", WAITLISTED, 9), Holder("a", GOING, 1), Holder("early", WAITLISTED, 3)])
    assert keys_of(book.waiting()) == ["early", "late"]
    assert book.next_seq() == 10


# --- the reference model ---------------------------------------------------------------------------


class Model:
    """The rules again, written as plainly as possible: a dict of who is going and a list for the line."""

    def __init__(self, capacity, expected):
        self.capacity = capacity
        self.expected = expected
        self.going: set = set()
        self.line: list = []
        self.out: set = set()

    def count(self) -> int:
        return self.expected + len(self.going)

    def fits(self) -> bool:
        return self.capacity is None or self.count() < self.capacity

    def status(self, key):
        if key in self.going:
            return GOING
        if key in self.line:
            return WAITLISTED
        return OUT if key in self.out else None

    def fill(self) -> list:
        promoted = []
        while self.line and self.fits():
            key = self.line.pop(0)
            self.going.add(key)
            promoted.append(key)
        return promoted

    def join(self, key, force):
        if key in self.going:
            return []
        if key in self.line:
            if force:
                self.line.remove(key)
                self.going.add(key)
            return []
        self.out.discard(key)
        if self.fits() or force:
            self.going.add(key)
        else:
            self.line.append(key)
        return []

    def leave(self, key):
        if key in self.going:
            self.going.remove(key)
        elif key in self.line:
            self.line.remove(key)
        else:
            return []
        self.out.add(key)
        return self.fill()

    def take_over(self, old, new):
        if old in self.going:
            self.going.remove(old)
            self.going.add(new)
        elif old in self.line:
            self.line[self.line.index(old)] = new
        else:
            self.out.discard(new)
            return self.join(new, False)
        self.out.add(old)
        self.out.discard(new)
        return []

    def expected_leaves(self):
        self.expected -= 1
        return self.fill()

    def expected_confirms(self, key):
        self.expected -= 1
        self.out.discard(key)
        self.going.add(key)
        return []

    def set_capacity(self, capacity):
        self.capacity = capacity
        return self.fill()

    def promote(self, key, force):
        self.line.remove(key)
        self.going.add(key)
        return []

    def to_waitlist(self, key):
        self.going.remove(key)
        self.line.insert(0, key)
        return self.fill()

    def move(self, key, place):
        self.line.remove(key)
        place = max(1, min(place, len(self.line) + 1))
        self.line.insert(place - 1, key)
        return []


# --- the operations hypothesis draws ---------------------------------------------------------------

key_ids = st.integers(min_value=0, max_value=12)
capacities = st.sampled_from([1, 2, 2, 3, 0, 4, 6, None])  # small ones most: full meetings, long lines

operations = st.one_of(
    st.tuples(st.just("join"), key_ids, st.booleans()),
    # Plain sign-ups are the common case, and they make lines long enough to reorder.
    st.tuples(st.just("join"), key_ids, st.just(False)),
    st.tuples(st.just("join"), key_ids, st.just(False)),
    st.tuples(st.just("join"), key_ids, st.just(False)),
    st.tuples(st.just("leave"), key_ids),
    st.tuples(st.just("take_over"), key_ids),
    st.tuples(st.just("expected_leaves")),
    st.tuples(st.just("expected_confirms")),
    st.tuples(st.just("capacity"), capacities),
    st.tuples(st.just("promote"), key_ids, st.booleans()),
    st.tuples(st.just("to_waitlist"), key_ids),
    st.tuples(st.just("move"), key_ids, st.integers(min_value=-1, max_value=15)),
)


def snapshot(book: Book):
    return (book.capacity, book.expected, copy.deepcopy(book.holders))


def check_invariants(book: Book, model: Model, ever: set) -> None:
    # Book and model agree on every seat and the exact line.
    assert book.capacity == model.capacity and book.expected == model.expected
    assert keys_of(book.waiting()) == model.line
    for key in ever:
        assert book.status_of(key) == model.status(key), key
    assert book.going == model.count()
    # Nobody disappears; every status is a valid one.
    assert ever <= set(book.holders)
    assert all(h.status in STATUSES for h in book.holders.values())
    # positions() numbers the line 1..n in line order.
    positions = book.positions()
    assert sorted(positions.values()) == list(range(1, len(model.line) + 1))
    assert [positions[k] for k in model.line] == list(range(1, len(model.line) + 1))
    # Nobody waits while a seat is free.
    if book.waiting():
        assert book.capacity is not None and book.going >= book.capacity
        assert book.free == 0
    # Free seats and over_by are the two sides of the same difference.
    if book.capacity is None:
        assert book.free is None and book.over_by == 0
    else:
        assert book.free - book.over_by == book.capacity - book.going
    # A forced flag is only ever on someone going.
    assert all(h.status == GOING for h in book.holders.values() if h.forced)


def pick(keys: list, index: int):
    """The index-th of `keys` (wrapping), or None: operations aim at someone who is there."""
    return keys[index % len(keys)] if keys else None


def run(capacity, expected, ops) -> None:
    book = Book(capacity, expected=expected)
    model = Model(capacity, expected)
    ever: set = set()
    fresh = iter(range(1000, 10_000))
    for op in ops:
        name = op[0]
        before = snapshot(book)
        over_before, going_before = book.over_by, book.going
        model_line_before = list(model.line)
        forced_over = False  # this step gave a seat over the capacity on purpose
        lowered = False  # this step lowered the capacity
        try:
            if name == "join":
                _, key, force = op
                forced_over = force and not model.fits() and key not in model.going
                expected_promoted = model.join(key, force)
                moves = [book.join(key, force=force)]
                ever.add(key)
                assert moves[0].new == model.status(key)
                if moves[0].old != GOING:
                    assert moves[0].forced == forced_over
                moves = moves[1:]  # a forced join of someone waiting is the organizer's promotion
            elif name == "leave":
                key = pick(sorted(ever, key=repr), op[1]) if op[1] % 7 else ("nobody", op[1])
                if key not in ever:
                    with pytest.raises(SeatError):
                        book.leave(key)
                    assert snapshot(book) == before
                    continue
                expected_promoted = model.leave(key)
                moves = book.leave(key)
                assert moves[0].key == key and moves[0].new == OUT
            elif name == "take_over":
                old = pick(sorted(ever, key=repr), op[1])
                if old is None:
                    continue
                new = ("sub", next(fresh))
                expected_promoted = model.take_over(old, new)
                moves = book.take_over(old, new)
                ever.add(new)
            elif name == "expected_leaves":
                if model.expected == 0:
                    with pytest.raises(SeatError):
                        book.expected_leaves()
                    assert snapshot(book) == before
                    continue
                expected_promoted = model.expected_leaves()
                moves = book.expected_leaves()
            elif name == "expected_confirms":
                if model.expected == 0:
                    continue
                key = ("expected", next(fresh))
                expected_promoted = model.expected_confirms(key)
                moves = [book.expected_confirms(key)]
                ever.add(key)
            elif name == "capacity":
                new_capacity = op[1]
                lowered = new_capacity is not None and (model.capacity is None
                                                        or new_capacity < model.capacity)
                expected_promoted = model.set_capacity(new_capacity)
                moves = book.set_capacity(new_capacity)
            elif name == "promote":
                _, index, force = op
                key = pick(model.line, index)
                if key is None:
                    continue
                if not model.fits() and not force:
                    with pytest.raises(SeatError):
                        book.promote(key, force=False)
                    assert snapshot(book) == before
                    continue
                forced_over = not model.fits()
                expected_promoted = model.promote(key, force)
                moves = [book.promote(key, force=force)]
                assert moves[0].forced == forced_over and moves[0].promoted
                moves = moves[1:]  # the organizer's promotion out of line, not a freed seat's
            elif name == "to_waitlist":
                going = sorted((k for k in model.going), key=repr)
                key = pick(going, op[1]) if op[1] % 3 else pick(sorted(ever, key=repr), op[1])
                if key is None:
                    continue
                if model.status(key) != GOING:
                    if key in ever:
                        with pytest.raises(SeatError):
                            book.to_waitlist(key)
                        assert snapshot(book) == before
                    continue
                expected_promoted = model.to_waitlist(key)
                moves = book.to_waitlist(key)
                assert moves[0].key == key and moves[0].new == WAITLISTED
                moves = moves[1:]
            else:  # move in line
                _, index, place = op
                key = pick(model.line, index)
                if key is None:
                    continue
                expected_promoted = model.move(key, place)
                moves = book.move_in_line(key, place)
                assert all(m.new == WAITLISTED for m in moves)
                moves = []
        except SeatError as exc:  # pragma: no cover - a refusal the model did not expect
            raise AssertionError(f"{op}: {exc}") from exc

        # Promotions: exactly the first in line, and only into seats that were freed.
        promoted = [m.key for m in moves if m.promoted]
        assert promoted == expected_promoted, op
        assert promoted == model_line_before[:len(promoted)] or name == "to_waitlist"
        if name in ("join", "expected_confirms", "promote", "move", "take_over"):
            assert promoted == []

        # Going exceeds the capacity only by what organizers did, and exactly by that.
        if lowered:
            assert book.going == going_before  # nobody dropped
            assert book.over_by == max(0, going_before - book.capacity)
        elif forced_over:
            assert book.over_by <= over_before + 1 and book.going == going_before + 1
        else:
            assert book.over_by <= over_before, op
        if name != "capacity" and not forced_over:
            assert book.going <= max(going_before, book.capacity if book.capacity is not None else 10**9)

        check_invariants(book, model, ever)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(capacity=capacities, expected=st.integers(min_value=0, max_value=3),
       ops=st.lists(operations, min_size=10, max_size=60))
def test_any_sequence_keeps_the_rules(capacity, expected, ops):
    run(capacity, expected, ops)


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(st.one_of(
    st.tuples(st.just("join"), key_ids, st.just(False)),
    st.tuples(st.just("leave"), key_ids),
    st.tuples(st.just("take_over"), key_ids),
    st.tuples(st.just("capacity"), st.integers(min_value=1, max_value=6)),
), max_size=60))
def test_without_organizers_going_never_exceeds_capacity(ops):
    """Only members' own answers and capacity raises: never above the capacity, and the line is
    exactly the arrival order of those still waiting."""
    book = Book(3)
    arrivals: list = []
    fresh = iter(range(1000, 10_000))
    highest = 3
    for op in ops:
        if op[0] == "capacity" and op[1] < book.capacity:
            continue  # lowering is an organizer's move; this test is about members alone
        if op[0] == "join":
            if book.status_of(op[1]) in (None, OUT):
                arrivals.append(op[1])
            book.join(op[1])
        elif op[0] == "leave" and book.status_of(op[1]) is not None:
            book.leave(op[1])
        elif op[0] == "take_over" and book.status_of(op[1]) is not None:
            new = ("sub", next(fresh))
            if book.status_of(op[1]) != OUT:
                arrivals[len(arrivals) - 1 - arrivals[::-1].index(op[1])] = new
            else:
                arrivals.append(new)
            book.take_over(op[1], new)
        elif op[0] == "capacity":
            highest = max(highest, op[1])
            book.set_capacity(op[1])
        assert book.going <= book.capacity <= highest
        assert book.over_by == 0
        waiting = keys_of(book.waiting())
        # Arrival order: the waiting appear in the order of their (last) arrival.
        last_arrival = {key: index for index, key in enumerate(arrivals)}
        assert waiting == sorted(waiting, key=lambda k: last_arrival[k])
        if waiting:
            assert book.going == book.capacity
