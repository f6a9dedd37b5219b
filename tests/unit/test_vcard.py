"""The hand-written vCard (app/profiles/vcard.py), read back by vobject (an independent parser)."""

from __future__ import annotations

import unicodedata

import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from app.profiles.vcard import build_vcard, escape_text, fold

# Text a member may type: any printable character (Danish letters, emoji, the separators , ; \).
TEXT = st.text(st.characters(), min_size=1, max_size=300)


def lines_of(text: str) -> list[str]:
    assert text.endswith("\r\n")
    return text[:-2].split("\r\n")


def test_folding_counts_octets_and_keeps_characters_whole():
    line = "NOTE:" + "æøå" * 60
    folded = fold(line)
    for part in lines_of(folded):
        assert len(part.encode("utf-8")) <= 75
    assert folded.replace("\r\n ", "").removesuffix("\r\n") == line


def test_escaping():
    assert escape_text("a,b;c\\d\r\ne\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_a_full_card_reads_back():
    text = build_vcard({"name": "Jens Peter Ørsted", "company": "Ørsted & Søn; ApS", "title": "Direktør",
                        "industry": "Byggeri", "competencies": ["tag, spær", "murværk"],
                        "bio": "Første linje\nAnden linje", "website": "https://ørsted.dk",
                        "email": "jens@example.test", "phone": "+45 12 34 56 78"},
                       uid="kaffeklub-member-7@example.test")
    card = vobject.readOne(text)
    assert card.version.value == "4.0"
    assert card.fn.value == "Jens Peter Ørsted"
    assert card.n.value.family == "Ørsted" and card.n.value.given == "Jens Peter"
    assert card.org.value == ["Ørsted & Søn; ApS"]
    assert card.note.value == "Første linje\nAnden linje"
    assert card.categories.value == ["Byggeri", "tag, spær", "murværk"]
    assert card.uid.value == "kaffeklub-member-7@example.test"


def test_only_the_given_fields_are_written():
    text = build_vcard({"name": "Anne"}, uid="u1")
    assert [line.split(":")[0] for line in lines_of(text)] == [
        "BEGIN", "VERSION", "KIND", "FN", "N", "UID", "END"]


@settings(max_examples=150, deadline=None)
@given(name=TEXT | st.sampled_from(["a\rb", "a\r\nb", "x\x85y\x00z", "\ud800ø"]), company=TEXT, bio=TEXT,
       website=TEXT)
def test_any_text_stays_one_card_and_reads_back(name, company, bio, website):
    text = build_vcard({"name": name, "company": company, "bio": bio, "website": website}, uid="u1")
    lines = lines_of(text)
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "").split("\r\n")
    assert unfolded.count("BEGIN:VCARD") == 1 and unfolded.count("END:VCARD") == 1
    card = vobject.readOne(text)
    clean = "".join(ch for ch in name.replace("\r\n", "\n").replace("\r", "\n")
                    if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")).strip() or "?"
    assert card.fn.value == clean
