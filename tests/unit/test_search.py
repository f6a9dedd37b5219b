"""The directory search's pure core (app.members.search): folding, reading a query, matching
words (exact, beginning, compound, stem, typos) and the ranking of fields."""

from __future__ import annotations

import pytest

from app.members.search import (
    EXACT,
    INFIX,
    MAX_TERMS,
    PREFIX,
    TYPO,
    Matcher,
    Term,
    distance,
    document_of,
    fold,
    parse_query,
    split_document,
)

EVERYTHING = frozenset({"name", "title", "company", "industry", "competencies", "offers", "bio"})


@pytest.mark.parametrize("text, folded", [
    ("Ærø Å ØSTER", "aeroe aa oester"),
    ("Café  Crème\tBrûlée", "cafe creme brulee"),
    ("A\u030abenraa", "aabenraa"),  # a combining ring above: the same as å
    ("Björn Müller", "bjoern muller"),
    ("x\x00y\ud800z", "x yz"),
    (None, ""),
])
def test_fold(text, folded):
    assert fold(text) == folded


def test_parse_query_drops_filler_words_and_keeps_literals():
    assert [t.text for t in parse_query("Hvem kan hjælpe med bogføring?")] == ["bogfoering"]
    assert [t.text for t in parse_query("hvem kan")] == ["hvem", "kan"]  # nothing else left: kept
    literal = parse_query("100% a_b \\ --")
    assert [(t.text, t.literal) for t in literal] == [("100%", True), ("a_b", True), ("\\", True),
                                                       ("--", True)]
    assert [t.text for t in parse_query("IT-konsulent")] == ["it", "konsulent"]
    assert len(parse_query(" ".join(f"ord{n}" for n in range(50)))) == MAX_TERMS
    assert parse_query("") == [] and parse_query("   ") == []
    assert all(len(t.text) <= 40 for t in parse_query("x" * 10_000))


def test_typo_patterns_keep_one_piece_whole():
    term = Term.word("bogfoerring")
    assert term.typos == 2 and "bogfoerring" not in term.typo_patterns
    # Two typos leave at least one of three pieces untouched: every word within reach contains one.
    for word in ("bogfoering", "bogfoeringsassistent", "bokfoerring"):
        assert any(p in word for p in term.typo_patterns), word


@pytest.mark.parametrize("a, b, limit, expected", [
    ("revisr", "revisor", 1, 1), ("bogfoerring", "bogfoering", 2, 1), ("tomrer", "toemrer", 1, 1),
    ("advokat", "avdokat", 1, 1), ("kaffe", "kage", 1, 2), ("abc", "abcdef", 1, 2),
])
def test_distance(a, b, limit, expected):
    assert distance(a, b, limit) == expected


def _quality(query: str, text: str, typos: bool = True) -> float:
    matcher = Matcher(parse_query(query), typos=typos)
    return matcher.text_quality(0, fold(text))


@pytest.mark.parametrize("query, text, quality", [
    ("revisor", "Statsautoriseret revisor", EXACT),
    ("bogføring", "Bogføringsassistent", PREFIX),
    ("regnskab", "Årsregnskaber", INFIX),
    ("aarsregnskab", "Årsregnskab", EXACT),
    ("revisr", "Revisor", TYPO),
    ("bogførring", "Bogføringsassistent", TYPO),  # a typo in the first part of a compound
    ("kage", "Kaffe", 0.0),
])
def test_word_matches(query, text, quality):
    assert _quality(query, text) == pytest.approx(quality)


def test_typos_only_in_the_second_pass():
    assert _quality("revisr", "Revisor", typos=False) == 0.0


def test_fields_rank_name_over_competency_over_industry_over_bio():
    matcher = Matcher(parse_query("bager"))
    score = lambda **fields: matcher.score(  # noqa: E731
        split_document(document_of(fields)), [fold(c) for c in fields.pop("competencies", [])]
        if "competencies" in fields else [], EVERYTHING)[0]
    name = matcher.score(split_document(document_of({"name": "Bo Bager"})), [], EVERYTHING)[0]
    competency = matcher.score(split_document(document_of({})), ["bager"], EVERYTHING)[0]
    industry = score(industry="Bager")
    bio = score(bio="Jeg er bager")
    assert name > competency > industry > bio > 0
    # Exact above beginning above inside, in the same field.
    assert score(title="Bager") > score(title="Bagermester") > score(title="Brødbager") > 0


def test_a_field_the_searcher_may_not_see_does_not_count():
    matcher = Matcher(parse_query("bogføring"))
    fields = split_document(document_of({"name": "Karen", "title": "Bogholder", "offers": "Bogføring"}))
    assert matcher.score(fields, ["bogfoering"], frozenset({"name"})) is None
    assert matcher.score(fields, ["bogfoering"], EVERYTHING)[1] == ["competencies", "offers"]
    # Every word must match somewhere visible.
    assert Matcher(parse_query("karen bogføring")).score(fields, [], frozenset({"name"})) is None
