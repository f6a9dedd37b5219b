"""`ical.PartyLines` (the quick ORGANIZER/ATTENDEE lines of many iMIP copies) against `party_lines`
(icalendar itself): byte for byte, for any name and address, or the same error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.calendars.ical import Attendee, PartyLines, _fold, party_lines

ORGANIZER = "svar+i1a.abcdefghijklmnop@kaffeklub.example"

names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)
special = st.text(st.sampled_from(list("aæ€𝄞 '’\",;:^\\\t\r\n\x00\u2028\ufeffZ")), max_size=100)
addresses = st.text(st.sampled_from(list("abcæ.+-_1")), min_size=1, max_size=90).map(lambda s: s + "@ex.dk")


def _slow(organizer_email, organizer_name, partstat, rsvp, name, email):
    try:
        return party_lines(organizer_email, organizer_name,
                           [Attendee(email, name, partstat=partstat, rsvp=rsvp)])
    except Exception as error:  # noqa: BLE001 (the quick one must fail alike)
        return type(error)


def _quick(lines, organizer_email, name, email):
    try:
        return lines(organizer_email, name, email)
    except Exception as error:  # noqa: BLE001
        return type(error)


@pytest.mark.parametrize("partstat,rsvp", [("NEEDS-ACTION", True), ("ACCEPTED", True), ("TENTATIVE", True),
                                           ("DECLINED", False)])
@settings(max_examples=150, deadline=None)
@given(name=st.one_of(names, special), email=addresses, organizer=addresses,
       organizer_name=st.one_of(st.just("Kaffeklub Netværk"), names, special))
def test_party_lines_quick_equals_icalendar(partstat, rsvp, name, email, organizer, organizer_name):
    lines = PartyLines(organizer_name, partstat, rsvp=rsvp)
    expected = _slow(organizer, organizer_name, partstat, rsvp, name, email)
    assert _quick(lines, organizer, name, email) == expected


def test_party_lines_quick_for_ordinary_values():
    """The quick path is taken for ordinary Danish names and the network's name (not only the
    fallback)."""
    lines = PartyLines("Kaffeklub Netværk", "NEEDS-ACTION", rsvp=True)
    assert lines._quick
    assert lines._lines(ORGANIZER, "Søren Ågård", "soeren@example.org") == party_lines(
        ORGANIZER, "Kaffeklub Netværk", [Attendee("soeren@example.org", "Søren Ågård")])


@settings(max_examples=300, deadline=None)
@given(line=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\\^\r\n"),
                    max_size=400))
def test_fold_as_icalendar(line):
    from icalendar.parser.string import _foldline

    assert _fold(line) == _foldline(line)
