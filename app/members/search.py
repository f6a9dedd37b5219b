"""The directory search's pure core: folding Danish text, reading a query, scoring a member.

No Flask, no database. `app.members.services.search_directory` asks the database for candidates
(`Term.patterns`: substrings every match must contain, answered by a trigram index on PostgreSQL
and a scan of one column on SQLite) and ranks them here, the same way on both databases.

- Folding (`fold`): lower case; æ, ø, å (and ä, ö) become ae, oe, aa, so "Ærø", "aeroe" and
  "AERØ" are the same word; accents go ("café" = "cafe"); runs of white space become one space.
- A query is words (`Term`); Danish and English filler words ("hvem kan hjælpe med ...") are left
  out. A word that is only punctuation, or has %, _ or \\ in it, is matched literally ("100%").
- A word matches a word of a field exactly, as its beginning ("bogføring" in
  "bogføringsassistent"), inside it ("regnskab" in "årsregnskaber", 4 letters or more), by its stem
  ("regnskaber" -> "regnskab") or with typos: one for words of 5-7 letters, two from 8 ("revisr",
  "bogførring"), also at the beginning of a longer word.
- Every query word must match a field the searcher may see. A member's score is the sum over the
  words of the best field's weight times the match's quality (plus a little for other fields that
  match too): a name above a competency or title, above the company or industry, above what they
  offer or their bio; exact above beginning above inside above typos.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

# The member's own fields in members.search_document, in this order, one line each.
DOCUMENT_FIELDS = ("name", "title", "company", "industry", "offers", "bio")
# Competencies are searched in competencies.search_name (one row per competency).
COMPETENCIES = "competencies"

FIELD_WEIGHTS: dict[str, float] = {
    "name": 8.0,
    "competencies": 4.0,
    "title": 4.0,
    "company": 2.0,
    "industry": 2.0,
    "offers": 1.0,
    "bio": 1.0,
}
EXACT, PREFIX, STEM, INFIX, TYPO, TYPOS = 1.0, 0.75, 0.65, 0.6, 0.35, 0.25
ALSO_MATCHED = 0.25  # of the score of each further field that matches the same word

MAX_QUERY_CHARS = 500
MAX_TERMS = 10
MAX_TERM_LENGTH = 40
MIN_INFIX = 4  # a word found inside another word (compounds) has at least this many letters

_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ß": "ss",
                          "œ": "oe", "ð": "d", "þ": "th", "ł": "l", "đ": "d", "ı": "i"})
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")
_LITERAL_MARKS = re.compile(r"[%_\\]")

# Question and filler words (folded) that say nothing about whom one looks for.
STOPWORDS = frozenset(fold_word for fold_word in """
    hvem hvad hvor hvordan hvilken hvilke kan kunne vil ville skal skulle gerne mig jeg du vi os
    min mit mine din dit dine som der det den de en et og eller i paa til med af for om fra hos
    at er har hjaelp hjaelpe hjaelper noget nogen nogle brug behov soeger leder efter finde ind
    ud op ved mht ang lave laver lavet ny nyt nye god godt gode dygtig dygtige rigtig rigtige
    anbefale anbefaler anbefaling kender kende nogen
    who what where how which can could would will should please me my we our us you a an the and
    or of in on to with for from at is are has have help helps need needs looking find someone
    somebody anyone
""".split())

# Danish endings left out for the stem of a query word ("regnskaber" -> "regnskab").
_ENDINGS = ("ernes", "erne", "enes", "ene", "erens", "eren", "ers", "er", "ens", "en", "ets", "et",
            "es", "e", "s")


def fold(text: object) -> str:
    """Lower case, Danish letters spelled out (æ->ae, ø->oe, å->aa), no accents, one space."""
    text = unicodedata.normalize("NFC", str(text or "")).lower().translate(_LETTERS)
    text = "".join(" " if unicodedata.category(c) == "Cc" else c  # tabs, NUL: a space
                   for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c) and unicodedata.category(c) not in ("Cs", "Co"))
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=64)
def initials(letter: str) -> tuple[str, ...]:
    """The letters (both cases, Latin-1) a folded word beginning with `letter` may begin with in
    the original text: "a" -> a, A, æ, Æ, å, Å, á, ... (for a one-letter search among names)."""
    found = {c for c in map(chr, [*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0x100)])
             if fold(c)[:1] == letter}
    return tuple(sorted(found | {letter, letter.upper()}))


def document_of(values: Mapping[str, object]) -> str:
    """members.search_document: the folded fields of DOCUMENT_FIELDS, one line each."""
    return "\n".join(fold(values.get(key)) for key in DOCUMENT_FIELDS)


def split_document(document: str | None) -> dict[str, str]:
    lines = (document or "").split("\n")
    return {key: lines[n] if n < len(lines) else "" for n, key in enumerate(DOCUMENT_FIELDS)}


def stem(word: str) -> str:
    """A light Danish stem: one common ending off, at least 4 letters left ("" when none)."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_INFIX:
            return word[:-len(ending)]
    return ""


def allowed_typos(word: str) -> int:
    return 0 if len(word) < 5 else 1 if len(word) < 8 else 2


def _pieces(word: str, parts: int) -> list[str]:
    """`word` cut into `parts` consecutive pieces: with at most parts-1 typos one stays whole."""
    size, extra = divmod(len(word), parts)
    pieces, start = [], 0
    for n in range(parts):
        end = start + size + (1 if n < extra else 0)
        pieces.append(word[start:end])
        start = end
    return pieces


@dataclass(frozen=True)
class Term:
    text: str  # folded
    literal: bool = False  # matched as a plain substring (punctuation, %, _, \\)
    typos: int = 0
    stem: str = ""
    patterns: tuple[str, ...] = field(default=())  # a candidate's text contains one of these...
    typo_patterns: tuple[str, ...] = field(default=())  # ...or, when typos are looked for, of these

    @classmethod
    def word(cls, text: str) -> Term:
        text = text[:MAX_TERM_LENGTH]
        typos = allowed_typos(text)
        word_stem = stem(text)
        patterns = _shortest({text, word_stem} - {""})
        pieces = _shortest(set(patterns) | set(_pieces(text, typos + 1))) if typos else ()
        return cls(text=text, typos=typos, stem=word_stem, patterns=patterns, typo_patterns=pieces)

    @classmethod
    def literal_text(cls, text: str) -> Term:
        text = text[:MAX_TERM_LENGTH]
        return cls(text=text, literal=True, patterns=(text,))

    def candidate_patterns(self, typos: bool) -> tuple[str, ...]:
        return self.typo_patterns if typos and self.typo_patterns else self.patterns


def _shortest(patterns: set[str]) -> tuple[str, ...]:
    """The patterns no other one is part of (a text that contains "regnskaber" contains "regnskab")."""
    return tuple(sorted(p for p in patterns if not any(q != p and q in p for q in patterns)))


_BOUNDARY = r"(?<![^\W_])"  # not preceded by a letter or digit
_END = r"(?![^\W_])"


@lru_cache(maxsize=256)
def _expressions(term: Term) -> tuple[re.Pattern, re.Pattern, re.Pattern | None]:
    text = re.escape(term.text)
    word_stem = re.compile(_BOUNDARY + re.escape(term.stem)) if term.stem else None
    return re.compile(_BOUNDARY + text + _END), re.compile(_BOUNDARY + text), word_stem


def parse_query(query: object) -> list[Term]:
    """The words of a query (at most MAX_TERMS), filler words left out unless nothing else is left."""
    text = str(query or "")[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    for token in fold(text).split(" "):
        if not token:
            continue
        stripped = _strip_ends(token)  # punctuation at the ends goes ("bogføring?")
        if stripped and _WORD.fullmatch(stripped):
            terms.append(Term.word(stripped))
        elif not _WORD.search(token) or _LITERAL_MARKS.search(stripped or token):
            terms.append(Term.literal_text(stripped or token))
        else:  # words joined by - / . ' etc.: each must match
            terms.extend(Term.word(w) for w in _WORD.findall(token))
    unique: list[Term] = []
    for term in terms:
        if term not in unique:
            unique.append(term)
    meaningful = [t for t in unique if t.literal or t.text not in STOPWORDS]
    return (meaningful or unique)[:MAX_TERMS]


def _strip_ends(token: str) -> str:
    start, end = 0, len(token)
    while start < end and not _is_word_char(token[start]) and token[start] not in "%_\\":
        start += 1
    while end > start and not _is_word_char(token[end - 1]) and token[end - 1] not in "%_\\":
        end -= 1
    return token[start:end]


def _is_word_char(c: str) -> bool:
    return c.isalnum()


def distance(a: str, b: str, limit: int) -> int:
    """Edit distance (insert, delete, substitute, swap two neighbours), or limit+1 when above limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1] if previous[-1] <= limit else limit + 1


class Matcher:
    """Scores many candidates for one query. typos: also look for words with typos (the second
    pass, when the words as typed find nobody); each distinct word is compared once."""

    def __init__(self, terms: list[Term], *, typos: bool = False) -> None:
        self.terms = terms
        self.typos = typos
        self._word_cache: list[dict[str, float]] = [{} for _ in terms]
        # Typo pass: per term, the words of the candidates that match it with typos (prepare()).
        self._typo_words: list[dict[str, float] | None] = [None for _ in terms]

    def prepare(self, texts: Iterable[str]) -> None:
        """For the typo pass: find, once, the words of all candidates' `texts` that match each term
        with typos, so that a member's text is then checked by a few substring tests."""
        if not self.typos:
            return
        tokens = set(" ".join(texts).split())  # split() and set() run in C: fast on 5,000 members
        for index, term in enumerate(self.terms):
            if term.literal or not term.typos:
                continue
            pieces = term.typo_patterns
            words = {w for token in tokens if any(p in token for p in pieces)
                     for w in _WORD.findall(token) if any(p in w for p in pieces)}
            self._typo_words[index] = {w: q for w in words if (q := self.word_quality(index, w))}

    def may_match(self, document: str) -> bool:
        """False when a member's whole text (fields and competencies) cannot match every term: a
        cheap test before the field-by-field score in the typo pass."""
        for index, term in enumerate(self.terms):
            found = self._typo_words[index]
            if found is None or term.text in document or (term.stem and term.stem in document):
                continue
            if not any(w in document for w in found):
                return False
        return True

    def word_quality(self, index: int, word: str) -> float:
        cache = self._word_cache[index]
        quality = cache.get(word)
        if quality is None:
            quality = cache[word] = _word_quality(self.terms[index], word)
        return quality

    def text_quality(self, index: int, text: str) -> float:
        """The best quality of term `index` in a folded text (a field's value)."""
        if not text:
            return 0.0
        term = self.terms[index]
        if term.literal:
            return INFIX if term.text in text else 0.0
        if term.text in text:  # the common case, answered by regular expressions in C
            exact, prefix, _ = _expressions(term)
            if exact.search(text):
                return EXACT
            if prefix.search(text):
                return PREFIX
            if len(term.text) >= MIN_INFIX:
                return INFIX
        elif term.stem and term.stem in text:
            return STEM if _expressions(term)[2].search(text) else INFIX * 0.9
        if not (self.typos and term.typos):
            return 0.0
        found = self._typo_words[index]
        if found is None:  # prepare() was not called: compare every word
            if not any(p in text for p in term.typo_patterns):
                return 0.0
            return max((self.word_quality(index, w) for w in _WORD.findall(text)), default=0.0)
        if not any(w in text for w in found):
            return 0.0
        return max((found.get(w, 0.0) for w in _WORD.findall(text)), default=0.0)

    def score(self, fields: Mapping[str, str], competencies: Iterable[str],
              visible: frozenset[str] | set[str]) -> tuple[float, list[str]] | None:
        """(score, the fields that matched, best first) of one member, or None when a query word
        matches no field the searcher may see. `fields`: folded field values by name."""
        competencies = list(competencies)
        total = 0.0
        matched: dict[str, float] = {}
        for index in range(len(self.terms)):
            scores = []
            short = len(self.terms[index].text) == 1 and not self.terms[index].literal
            for name, weight in FIELD_WEIGHTS.items():
                if name not in visible or (short and name != "name"):  # "a": names beginning with a
                    continue
                if name == COMPETENCIES:
                    quality = max((self.text_quality(index, c) for c in competencies), default=0.0)
                else:
                    quality = self.text_quality(index, fields.get(name, ""))
                if quality:
                    scores.append((weight * quality, name))
            if not scores:
                return None
            scores.sort(reverse=True)
            total += scores[0][0] + ALSO_MATCHED * sum(s for s, _ in scores[1:])
            for value, name in scores:
                matched[name] = max(matched.get(name, 0.0), value)
        order = sorted(matched, key=lambda name: (-matched[name], DOCUMENT_FIELDS.index(name)
                                                   if name in DOCUMENT_FIELDS else 1))
        return total, order


def _word_quality(term: Term, word: str) -> float:
    text = term.text
    if word == text:
        return EXACT
    if word.startswith(text):
        return PREFIX
    if term.stem and word.startswith(term.stem):
        return STEM
    if len(text) >= MIN_INFIX and text in word:
        return INFIX
    if term.stem and term.stem in word:
        return INFIX * 0.9
    if not term.typos:
        return 0.0
    limit = term.typos
    # The whole word with typos, or the beginning of a longer (compound) word with typos.
    best = distance(text, word, limit)
    if best > 0 and len(word) > len(text):
        for length in range(max(1, len(text) - limit), min(len(word), len(text) + limit) + 1):
            best = min(best, distance(text, word[:length], limit))
            if best <= 1:
                break
    if best == 0:
        return PREFIX
    if best > limit:
        return 0.0
    return TYPO if best == 1 else TYPOS
