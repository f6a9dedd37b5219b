"""Amounts as members type them (app.ledger.amounts, pure): the Danish ways in, whole kroner out,
and every refusal named by its reason; the same numbers written back read the same."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ledger.amounts import (
    FRACTION,
    NEGATIVE,
    NOT_A_NUMBER,
    TOO_LARGE,
    AmountError,
    format_dkk,
    parse_amount,
)
from app.models.social import MAX_AMOUNT_DKK

ACCEPTED = [
    ("12500", 12500), ("12.500", 12500), ("12 500", 12500), ("12 500 kr", 12500), ("12.500 kr.", 12500),
    ("12.500,-", 12500), ("12.500,00", 12500), ("DKK 12500", 12500), ("kr. 400", 400), ("12,500.00", 12500),
    ("1.250.000", 1_250_000), ("1,250,000", 1_250_000), ("0", 0), ("  7  ", 7), ("12\u00a0500", 12500),
    ("+300", 300), (12500, 12500), (12500.0, 12500), (0, 0), (MAX_AMOUNT_DKK, MAX_AMOUNT_DKK),
    (None, None), ("", None), ("   ", None),
]
REFUSED = [
    ("-5", NEGATIVE), ("\u22125", NEGATIVE), ("kr. -500", NEGATIVE), (-1, NEGATIVE), (-0.5, NEGATIVE),
    ("12,50", FRACTION), ("12.5", FRACTION), ("12,5", FRACTION), (12.5, FRACTION),
    (10**30, TOO_LARGE), (MAX_AMOUNT_DKK + 1, TOO_LARGE), ("1" * 60, TOO_LARGE), (math.inf, TOO_LARGE),
    ("1.000.000.001", TOO_LARGE),
    ("NaN", NOT_A_NUMBER), (math.nan, NOT_A_NUMBER), ("inf", NOT_A_NUMBER), ("1e5", NOT_A_NUMBER),
    ("tolv", NOT_A_NUMBER), ("1.2.3", NOT_A_NUMBER), ("12.5000", NOT_A_NUMBER),
    ("\u0661\u0662", NOT_A_NUMBER),
    (True, NOT_A_NUMBER), (False, NOT_A_NUMBER), ([1], NOT_A_NUMBER), ({"dkk": 1}, NOT_A_NUMBER),
    ("x" * 100_000, NOT_A_NUMBER),
]


@pytest.mark.parametrize(("typed", "kroner"), ACCEPTED)
def test_accepted(typed, kroner):
    assert parse_amount(typed, MAX_AMOUNT_DKK) == kroner


@pytest.mark.parametrize(("typed", "reason"), REFUSED)
def test_refused_with_the_reason(typed, reason):
    with pytest.raises(AmountError) as caught:
        parse_amount(typed, MAX_AMOUNT_DKK)
    assert caught.value.code == reason


@given(st.integers(0, MAX_AMOUNT_DKK))
def test_what_the_pages_write_reads_back(kroner):
    for locale in ("da", "en"):
        assert parse_amount(format_dkk(kroner, locale), MAX_AMOUNT_DKK) == kroner
    assert parse_amount(f"{kroner:,}".replace(",", " ") + " kr", MAX_AMOUNT_DKK) == kroner


@given(st.text(max_size=50))
def test_any_text_is_an_amount_or_a_named_refusal(text):
    try:
        value = parse_amount(text, MAX_AMOUNT_DKK)
    except AmountError as error:
        assert error.code in (NOT_A_NUMBER, NEGATIVE, FRACTION, TOO_LARGE)
    else:
        assert value is None or 0 <= value <= MAX_AMOUNT_DKK


def test_format():
    assert format_dkk(12500, "da") == "12.500 kr."
    assert format_dkk(12500, "en") == "DKK 12,500"
