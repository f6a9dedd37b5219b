"""Complementary industries: trades whose customers often need each other, so their owners refer
work to each other. Pure (no Flask, no database); used by the suggestions on "Mit netværk".

A member's trade is read from their industry and title together (the demo data has "Byggeri" with
"Tømrermester"), lower-cased, in Danish or English. Each `TRADES` entry lists word beginnings
(stems): a trade matches when a word of the text starts with one of its stems; a stem of two or
three letters ("it", "hr", "vvs") must be the whole word or its part before a hyphen
("IT-konsulent", "VVS-installatør"), and a stem with a space is looked for in
the text as it is. `COMPLEMENTS` lists the pairs of trades that refer work to each other (both
ways). Two members are complementary when one of their trades complements one of the other's; the
same trade is never complementary (those are competitors).
"""

from __future__ import annotations

import re
from functools import lru_cache

TRADES: dict[str, tuple[str, ...]] = {
    "carpenter": ("tømrer", "snedker", "carpenter", "joiner"),
    "bricklayer": ("murer", "bricklay", "mason"),
    "electrician": ("elinstallatør", "el-installatør", "el-service", "elektriker", "electrician"),
    "plumber": ("vvs", "blikkenslager", "plumber", "plumbing"),
    "painter": ("maler", "painter"),
    "architect": ("arkitekt", "architect"),
    "real_estate": ("ejendomsmægler", "ejendomshandel", "ejendomme", "real estate", "estate agent",
                    "realtor"),
    "accountant": ("revisor", "revision", "bogholder", "bogføring", "regnskab", "accountant", "accounting",
                   "bookkeep"),
    "lawyer": ("advokat", "jurist", "lawyer", "solicitor", "legal"),
    "bank": ("bank", "erhvervsrådgiver", "pengeinstitut", "finansiering", "banking"),
    "insurance": ("forsikring", "insurance"),
    "it": ("it", "software", "udvikler", "developer", "webbureau", "hjemmeside"),
    "marketing": ("marketing", "reklame", "kommunikation", "grafisk", "fotograf", "photograph", "branding"),
    "print": ("tryk", "skilte", "printing"),
    "hr": ("hr", "rekruttering", "recruit", "coach"),
    "catering": ("catering", "restauration", "restaurant", "køkkenchef"),
    "cleaning": ("rengøring", "cleaning", "vinduespolering"),
    "health": ("sundhed", "fysioterapeut", "physio", "health"),
    "transport": ("transport", "logistik", "logistics", "vognmand"),
}

COMPLEMENTS: frozenset[frozenset[str]] = frozenset(frozenset(pair) for pair in (
    ("carpenter", "bricklayer"), ("carpenter", "real_estate"), ("carpenter", "architect"),
    ("carpenter", "electrician"), ("carpenter", "plumber"), ("carpenter", "painter"),
    ("bricklayer", "architect"), ("bricklayer", "real_estate"), ("bricklayer", "electrician"),
    ("bricklayer", "plumber"), ("bricklayer", "painter"),
    ("electrician", "plumber"), ("electrician", "architect"), ("electrician", "real_estate"),
    ("plumber", "architect"), ("plumber", "real_estate"),
    ("painter", "real_estate"), ("painter", "architect"),
    ("architect", "real_estate"), ("architect", "bank"),
    ("real_estate", "bank"), ("real_estate", "lawyer"), ("real_estate", "insurance"),
    ("real_estate", "cleaning"),
    ("accountant", "lawyer"), ("accountant", "bank"), ("accountant", "insurance"), ("accountant", "it"),
    ("accountant", "hr"),
    ("lawyer", "bank"), ("lawyer", "insurance"), ("lawyer", "hr"),
    ("bank", "insurance"),
    ("it", "marketing"), ("marketing", "print"), ("marketing", "catering"),
    ("hr", "health"), ("catering", "cleaning"), ("transport", "print"),
))

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]*)?", re.UNICODE)


@lru_cache(maxsize=4096)
def trades(text: str) -> frozenset[str]:
    """The trades a member's industry and title text names (empty when none is known)."""
    text = " ".join((text or "").casefold().split())
    if not text:
        return frozenset()
    words = _WORD.findall(text)
    found = set()
    for trade, stems in TRADES.items():
        for stem in stems:
            if " " in stem:
                hit = stem in text
            elif len(stem) <= 3:
                hit = any(word == stem or word.startswith(stem + "-") for word in words)
            else:
                hit = any(word.startswith(stem) for word in words)
            if hit:
                found.add(trade)
                break
    return frozenset(found)


def complementary(a: str, b: str) -> tuple[str, str] | None:
    """(a's trade, b's trade) of the first complementary pair of the two texts, or None."""
    mine, theirs = trades(a), trades(b)
    for x in sorted(mine):
        for y in sorted(theirs):
            if x != y and frozenset((x, y)) in COMPLEMENTS:
                return x, y
    return None


def describe(industry: str, title: str) -> str:
    """The text a member's trade is read from."""
    return " ".join(part for part in (industry or "", title or "") if part.strip())
