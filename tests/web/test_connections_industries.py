"""Complementary industries (app.connections.industries): pure, Danish and English, any case."""

from __future__ import annotations

import pytest

from app.connections.industries import COMPLEMENTS, TRADES, complementary, describe, trades


@pytest.mark.parametrize("text,expected", [
    ("Byggeri Tømrermester", {"carpenter"}), ("TØMRER", {"carpenter"}), ("Murer", {"bricklayer"}),
    ("Ejendomshandel Ejendomsmægler", {"real_estate"}), ("Arkitektur Arkitekt MAA", {"architect"}),
    ("Revisor", {"accountant"}), ("Advokat", {"lawyer"}), ("bank", {"bank"}),
    ("IT og software IT-konsulent", {"it"}), ("Byggeri VVS-installatør", {"plumber"}),
    ("Estate agent", {"real_estate"}), ("Chartered accountant", {"accountant"}),
    ("Kredit", set()), ("", set()), ("Bitcoin", set()), ("hr-konsulent", {"hr"}),
])
def test_trades(text, expected):
    assert trades(text) == frozenset(expected)


@pytest.mark.parametrize("a,b", [
    ("tømrer", "murer"), ("Tømrer", "EJENDOMSMÆGLER"), ("tømrermester", "arkitekt"),
    ("revisor", "advokat"), ("Revisor", "Bank"), ("Carpenter", "Architect"),
])
def test_complementary_both_ways(a, b):
    assert complementary(a, b) is not None
    assert complementary(b, a) is not None


@pytest.mark.parametrize("a,b", [("tømrer", "tømrer"), ("revisor", "revisor"), ("tømrer", "revisor"),
                                 ("", "murer"), ("fysioterapeut", "advokat")])
def test_not_complementary(a, b):
    assert complementary(a, b) is None


def test_the_mapping_names_only_known_trades():
    for pair in COMPLEMENTS:
        assert len(pair) == 2 and pair <= set(TRADES)
    assert describe("Byggeri", "Tømrermester") == "Byggeri Tømrermester"
    assert describe("", "") == ""
