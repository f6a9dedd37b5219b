"""Relationship strength between two members: one documented function of their ties.

Pure (no Flask, no database): the network pages, the suggestions and the seating planner's cost
all call it, so "how well do these two know each other" has one answer everywhere.

A tie is something two members did together on a day: sat at the same table in a round of a
meeting (`table`), held a confirmed 1-to-1 (`one_to_one`), were at the same meeting without
sharing a table (`meeting`, the weaker tie), gave the other a referral (`referral`; `referral_won`
instead once the receiver marked it won), helped the other (`help`: advice, an introduction, a
solved request), or did business through the network that was thanked for without a referral
(`business`). Each tie counts its weight, halved for every `HALF_LIFE_DAYS` since it happened:

    strength = sum(WEIGHTS[kind] * 0.5 ** (age_in_days / HALF_LIFE_DAYS))

So a table shared today counts 1, one shared a year ago 0.5, two years ago 0.25; a 1-to-1 counts
twice a shared table; being at the same meeting a fifth; a referral as much as a shared table, and
three times as much once it was won; help as a shared table; thanked business twice. Ties in the
future count as today.

The seating planner turns a pair's strength h into the cost of seating them together again as
`seating_cost(h) = h + h**2`: repeats are spread over many pairs rather than piled on one, and
pairs who met long ago (small h) are the cheapest repeats.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

HALF_LIFE_DAYS = 365.0

TABLE = "table"
ONE_TO_ONE = "one_to_one"
MEETING = "meeting"
REFERRAL = "referral"
REFERRAL_WON = "referral_won"
HELP = "help"
BUSINESS = "business"

WEIGHTS: dict[str, float] = {
    TABLE: 1.0,
    ONE_TO_ONE: 2.0,
    MEETING: 0.2,
    REFERRAL: 1.0,
    REFERRAL_WON: 3.0,
    HELP: 1.0,
    BUSINESS: 2.0,
}

# The kinds of tie after which two members "have met" (know each other): a repeat when seated
# together again, never suggested as "mød dem næste gang".
MET_KINDS = frozenset({TABLE, ONE_TO_ONE})

# Words for a strength, strongest first: (lowest strength, level).
LEVELS: tuple[tuple[float, str], ...] = (
    (3.0, "strong"),  # know each other well
    (1.0, "known"),  # know each other
    (0.3, "acquainted"),  # have met
    (0.0, "faint"),  # met long ago, or only been at the same meetings
)


@dataclass(frozen=True, slots=True)
class Tie:
    kind: str
    on: date


def decay(age_days: float) -> float:
    """The share of a tie's weight left after `age_days` (1 today, 0.5 after HALF_LIFE_DAYS)."""
    return 0.5 ** (max(age_days, 0.0) / HALF_LIFE_DAYS)


def tie_value(tie: Tie, today: date) -> float:
    return WEIGHTS.get(tie.kind, 0.0) * decay((today - tie.on).days)


def strength(ties: Iterable[Tie], today: date) -> float:
    """How well two members know each other on `today`, from their ties (0: no tie at all)."""
    return sum(tie_value(tie, today) for tie in ties)


def have_met(ties: Iterable[Tie]) -> bool:
    return any(tie.kind in MET_KINDS for tie in ties)


def level(value: float, met: bool = True) -> str:
    """A word for a strength: "strong", "known", "acquainted", "faint", or "none" without any tie."""
    if value <= 0 and not met:
        return "none"
    for lowest, name in LEVELS:
        if value >= lowest:
            return name
    return "faint"


def seating_cost(h: float) -> float:
    """The planner's cost of seating a pair of strength `h` at the same table again."""
    return h + h * h
