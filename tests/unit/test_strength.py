"""The relationship strength function (app.connections.strength): the documented numbers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.connections.strength import (
    BUSINESS,
    HALF_LIFE_DAYS,
    HELP,
    MEETING,
    ONE_TO_ONE,
    REFERRAL,
    REFERRAL_WON,
    TABLE,
    WEIGHTS,
    Tie,
    decay,
    have_met,
    level,
    seating_cost,
    strength,
)

TODAY = date(2026, 6, 1)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def test_the_documented_weights_and_half_life():
    assert WEIGHTS == {TABLE: 1.0, ONE_TO_ONE: 2.0, MEETING: 0.2, REFERRAL: 1.0, REFERRAL_WON: 3.0,
                       HELP: 1.0, BUSINESS: 2.0}
    assert HALF_LIFE_DAYS == 365.0


@pytest.mark.parametrize("days,share", [(0, 1.0), (365, 0.5), (730, 0.25), (1095, 0.125), (-30, 1.0)])
def test_decay_halves_every_year(days, share):
    assert decay(days) == pytest.approx(share)


def test_examples_from_the_docs():
    assert strength([Tie(TABLE, TODAY)], TODAY) == pytest.approx(1.0)
    assert strength([Tie(TABLE, ago(365))], TODAY) == pytest.approx(0.5)
    assert strength([Tie(TABLE, ago(730))], TODAY) == pytest.approx(0.25)
    assert strength([Tie(ONE_TO_ONE, TODAY)], TODAY) == pytest.approx(2.0)
    assert strength([Tie(MEETING, TODAY)], TODAY) == pytest.approx(0.2)
    # two rounds at one table last month and a 1-to-1 half a year ago
    ties = [Tie(TABLE, ago(30)), Tie(TABLE, ago(30)), Tie(ONE_TO_ONE, ago(182))]
    expected = 2 * 0.5 ** (30 / 365) + 2 * 0.5 ** (182 / 365)
    assert strength(ties, TODAY) == pytest.approx(expected)
    assert strength(ties, TODAY) == pytest.approx(3.305, abs=1e-3)  # "strong"


def test_future_ties_count_as_today_and_unknown_kinds_as_nothing():
    assert strength([Tie(TABLE, TODAY + timedelta(days=10))], TODAY) == pytest.approx(1.0)
    assert strength([Tie("referral-later", TODAY)], TODAY) == 0.0
    assert strength([], TODAY) == 0.0


def test_strength_only_falls_as_time_passes():
    ties = [Tie(TABLE, ago(100)), Tie(ONE_TO_ONE, ago(10)), Tie(MEETING, ago(3))]
    values = [strength(ties, TODAY + timedelta(days=d)) for d in range(0, 2000, 50)]
    assert values == sorted(values, reverse=True)
    assert values[-1] > 0


def test_have_met_and_levels():
    assert have_met([Tie(TABLE, TODAY)]) and have_met([Tie(ONE_TO_ONE, TODAY)])
    assert not have_met([Tie(MEETING, TODAY)]) and not have_met([])
    assert level(0.0, met=False) == "none"
    assert level(0.05) == "faint" and level(0.3) == "acquainted" and level(1.0) == "known"
    assert level(2.99) == "known" and level(3.0) == "strong"
    # a table two years ago: still "acquainted"? 0.25 is below 0.3, so "faint"
    assert level(strength([Tie(TABLE, ago(730))], TODAY)) == "faint"


def test_seating_cost_spreads_repeats():
    assert seating_cost(0) == 0
    assert seating_cost(1.0) == pytest.approx(2.0)
    assert seating_cost(0.5) == pytest.approx(0.75)
    # two pairs of strength 1 cost less together than one pair of strength 2
    assert 2 * seating_cost(1.0) < seating_cost(2.0)
