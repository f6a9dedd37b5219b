"""The calendar writer (app.calendars.ical), read back by three independent parsers.

icalendar (strict), vobject (``readOne(validate=True)``) and ``ical`` (a second RFC 5545
implementation, pydantic based) must agree on every value we write, and start/end times converted to
UTC must be right on both sides of the summer-time changes. vobject's own tzinfo built from OUR
VTIMEZONE (its RRULEs, not the system's zoneinfo) is checked as well.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from app.calendars.ical import Attendee, EventData, build_calendar, clean_text
from tests.calendar_readers import read_all, read_ical, read_icalendar

CPH = ZoneInfo("Europe/Copenhagen")
STAMP = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
# 08:30 Copenhagen on both sides of the 2027 changes (28 March and 31 October): UTC+1 / +2 / +2 / +1.
SUMMER_DAYS = {
    datetime(2027, 3, 24, 8, 30, tzinfo=CPH): datetime(2027, 3, 24, 7, 30, tzinfo=UTC),
    datetime(2027, 3, 31, 8, 30, tzinfo=CPH): datetime(2027, 3, 31, 6, 30, tzinfo=UTC),
    datetime(2027, 10, 27, 8, 30, tzinfo=CPH): datetime(2027, 10, 27, 6, 30, tzinfo=UTC),
    datetime(2027, 11, 3, 8, 30, tzinfo=CPH): datetime(2027, 11, 3, 7, 30, tzinfo=UTC),
}


def event(n=1, start=datetime(2027, 3, 31, 8, 30, tzinfo=CPH), **changes) -> EventData:
    values = dict(
        uid=f"meeting-{n}@kaffeklub.example",
        sequence=0,
        summary="Kaffemøde",
        start=start,
        end=start + timedelta(hours=1, minutes=30),
        timezone="Europe/Copenhagen",
        dtstamp=STAMP,
    )
    values.update(changes)
    return EventData(**values)


def physical_lines(raw: bytes) -> list[bytes]:
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b""), "a bare LF"
    assert b"\r" not in raw.replace(b"\r\n", b""), "a bare CR"
    return raw[:-2].split(b"\r\n")


def unfolded(raw: bytes) -> list[str]:
    return raw.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def test_times_agree_in_utc_across_the_summer_time_changes():
    events = [event(n, start) for n, start in enumerate(SUMMER_DAYS)]
    raw = build_calendar(events, method="PUBLISH")
    expected = list(SUMMER_DAYS.values())
    for name, parsed in read_all(raw).items():
        assert [e["start"] for e in parsed] == expected, name
        assert [e["end"] for e in parsed] == [t + timedelta(hours=1, minutes=30) for t in expected], name
    lines = unfolded(raw)
    assert "DTSTART;TZID=Europe/Copenhagen:20270331T083000" in lines
    assert "DTEND;TZID=Europe/Copenhagen:20270331T100000" in lines
    # recurring-ical-events expands the same occurrences
    occurrences = recurring_ical_events.of(Calendar.from_ical(raw)).between(
        datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    )
    assert sorted(o.decoded("DTSTART").astimezone(UTC) for o in occurrences) == expected


def test_our_vtimezone_itself_gives_the_right_offsets():
    """vobject's tzinfo is built from the VTIMEZONE we wrote (its RRULEs), not from zoneinfo."""
    raw = build_calendar([event()])
    tz = vobject.readOne(raw.decode(), validate=True).vtimezone.gettzinfo()
    for local, utc in SUMMER_DAYS.items():
        assert local.replace(tzinfo=tz).astimezone(UTC) == utc
    # the exact changes: 2027-03-28 01:00 UTC and 2027-10-31 01:00 UTC
    for change in (datetime(2027, 3, 28, 1, 0, tzinfo=UTC), datetime(2027, 10, 31, 1, 0, tzinfo=UTC)):
        before, after = change - timedelta(minutes=1), change + timedelta(minutes=1)
        assert before.astimezone(tz).utcoffset() == before.astimezone(CPH).utcoffset()
        assert after.astimezone(tz).utcoffset() == after.astimezone(CPH).utcoffset()
    # and icalendar's reading of our VTIMEZONE agrees for every hour of 2027
    ours = Calendar.from_ical(raw).walk("VTIMEZONE")[0].to_tz()
    t = datetime(2027, 1, 1, tzinfo=UTC)
    while t.year == 2027:
        assert t.astimezone(ours).utcoffset() == t.astimezone(CPH).utcoffset(), t
        t += timedelta(hours=1)


def test_vtimezone_has_rrule_transitions_and_no_rdate():
    raw = build_calendar([event(1), event(2, datetime(2027, 7, 1, 9, 0, tzinfo=ZoneInfo("UTC")))])
    cal = Calendar.from_ical(raw)
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/Copenhagen"], "one VTIMEZONE per TZID used"
    text = raw.decode()
    assert "RDATE" not in text
    assert "X-WR-TIMEZONE" not in text
    blocks = {b.name: b for b in zones[0].subcomponents}
    assert set(blocks) == {"STANDARD", "DAYLIGHT"}
    assert blocks["DAYLIGHT"]["RRULE"]["BYMONTH"] == [3]
    assert blocks["DAYLIGHT"]["RRULE"]["BYDAY"] == ["-1SU"]
    assert blocks["STANDARD"]["RRULE"]["BYMONTH"] == [10]
    assert blocks["STANDARD"]["RRULE"]["BYDAY"] == ["-1SU"]
    assert blocks["DAYLIGHT"]["TZOFFSETTO"].td == timedelta(hours=2)
    assert blocks["STANDARD"]["TZOFFSETTO"].td == timedelta(hours=1)
    assert "DTSTART;TZID=Europe/Copenhagen:20270701T110000" in unfolded(raw)


# Dublin: tzdata calls winter the "daylight" part (negative DST); Casablanca: Ramadan time, no yearly
# rule (the fallback); Sao Paulo: DST until 2019; Tokyo: none.
@pytest.mark.parametrize(
    "tzid",
    [
        "America/New_York",
        "Australia/Sydney",
        "Asia/Tokyo",
        "America/Sao_Paulo",
        "Europe/Dublin",
        "Africa/Casablanca",
    ],
)
def test_other_zones_read_back_right(tzid):
    zone = ZoneInfo(tzid)
    starts = [
        datetime(year, month, 15, 9, 0, tzinfo=zone) for year in (2018, 2027) for month in (1, 4, 7, 11)
    ]
    raw = build_calendar([event(n, s, timezone=tzid) for n, s in enumerate(starts)])
    expected = [s.astimezone(UTC) for s in starts]
    for name, parsed in read_all(raw).items():
        assert [e["start"] for e in parsed] == expected, (name, tzid)
    tz = vobject.readOne(raw.decode(), validate=True).vtimezone.gettzinfo()
    assert [s.replace(tzinfo=tz).astimezone(UTC) for s in starts] == expected
    t = datetime(2027, 1, 1, tzinfo=UTC)
    while t.year == 2027:
        assert t.astimezone(tz).utcoffset() == t.astimezone(zone).utcoffset(), (tzid, t)
        t += timedelta(hours=3)
    assert "RDATE" not in raw.decode()


def test_request_with_organizer_attendees_and_escaping():
    summary = "Kaffe, kage; og \\snak\nanden linje: æøå ÆØÅ"
    description = "Vi mødes i kælderen, ved siden af cykelskuret; husk kop. ☕😀 " * 8 + "\r\nSlut."
    ev = event(
        summary=summary,
        description=description,
        location="Vestergade 1, 2. sal; Århus",
        url="https://kaffeklub.example/meetings/1",
        sequence=3,
        created=datetime(2026, 1, 1, 12, 0, tzinfo=CPH),
        last_modified=datetime(2026, 7, 1, 12, 0, tzinfo=CPH),
        organizer_email="svar+tok3n@kaffeklub.example",
        organizer_name="Kaffeklub Vest",
        attendees=(
            Attendee("anders@example.com", "Anders Ænderup, jr."),
            Attendee("bo@example.com", "Bo", partstat="ACCEPTED", rsvp=False),
        ),
    )
    raw = build_calendar([ev], method="REQUEST")
    for name, (parsed,) in read_all(raw).items():
        assert parsed["summary"] == summary, name
        assert parsed["description"] == description.replace("\r\n", "\n"), name
        assert parsed["location"] == "Vestergade 1, 2. sal; Århus", name
        assert parsed["sequence"] == 3, name
        assert parsed["status"] == "CONFIRMED", name
    lines = unfolded(raw)
    assert "METHOD:REQUEST" in lines
    assert "SUMMARY:Kaffe\\, kage\\; og \\\\snak\\nanden linje: æøå ÆØÅ" in lines
    assert "DTSTAMP:20261130T080000Z" in lines
    assert "CREATED:20260101T110000Z" in lines
    assert "LAST-MODIFIED:20260701T100000Z" in lines
    assert "SEQUENCE:3" in lines
    assert "UID:meeting-1@kaffeklub.example" in lines
    assert "URL:https://kaffeklub.example/meetings/1" in lines
    assert 'ORGANIZER;CN="Kaffeklub Vest":mailto:svar+tok3n@kaffeklub.example' in lines

    vev = Calendar.from_ical(raw).walk("VEVENT")[0]
    first, second = vev["ATTENDEE"]
    assert str(first) == "mailto:anders@example.com"
    assert first.params["CN"] == "Anders Ænderup, jr."
    assert (first.params["ROLE"], first.params["PARTSTAT"], first.params["RSVP"]) == (
        "REQ-PARTICIPANT",
        "NEEDS-ACTION",
        "TRUE",
    )
    assert (second.params["PARTSTAT"], second.params["RSVP"]) == ("ACCEPTED", "FALSE")
    assert any(line.startswith('ATTENDEE;CN="Anders Ænderup, jr."') for line in lines), "CN with , quoted"
    vo = vobject.readOne(raw.decode(), validate=True).vevent
    assert [a.params["PARTSTAT"] for a in vo.attendee_list] == [["NEEDS-ACTION"], ["ACCEPTED"]]
    assert vo.organizer.params["CN"] == ["Kaffeklub Vest"]
    ic = IcsCalendarStream.calendar_from_ics(raw.decode()).events[0]
    assert [a.uri for a in ic.attendees] == ["mailto:anders@example.com", "mailto:bo@example.com"]
    assert ic.attendees[0].common_name == "Anders Ænderup, jr."
    assert ic.organizer.uri == "mailto:svar+tok3n@kaffeklub.example"


def test_lines_are_crlf_folded_at_75_octets_without_splitting_characters():
    raw = build_calendar([event(summary="Æblekage " * 20, description="😀æ" * 100, location="ø" * 80)])
    for line in physical_lines(raw):
        assert len(line) <= 75, line
        line.decode("utf-8")  # each physical line on its own is whole UTF-8
    assert any(line.startswith(b" ") for line in physical_lines(raw)), "something was folded"
    (parsed,) = read_icalendar(raw)
    assert parsed["description"] == "😀æ" * 100


def test_cancel_and_feed_properties():
    cancel = build_calendar([event(sequence=4, status="CANCELLED")], method="CANCEL")
    for name, (parsed,) in read_all(cancel).items():
        assert parsed["status"] == "CANCELLED", name
        assert parsed["sequence"] == 4, name
    assert "METHOD:CANCEL" in unfolded(cancel)

    feed = build_calendar(
        [event(n, start) for n, start in enumerate(SUMMER_DAYS)],
        method="PUBLISH",
        name="Kaffeklub Vest, møder",
        refresh=timedelta(hours=1),
    )
    lines = unfolded(feed)
    assert "METHOD:PUBLISH" in lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    assert [line for line in lines if line.startswith("NAME")] == ["NAME:Kaffeklub Vest\\, møder"]
    calname = [line for line in lines if line.startswith("X-WR-CALNAME")]
    assert calname == ["X-WR-CALNAME:Kaffeklub Vest\\, møder"]
    assert not any(line.startswith(("ATTENDEE", "ORGANIZER")) for line in lines)
    vo = vobject.readOne(feed.decode(), validate=True)
    assert vo.contents["x-wr-calname"][0].value == "Kaffeklub Vest, møder"
    assert vo.contents["name"][0].value == "Kaffeklub Vest, møder"
    # (icalendar 7 reads NAME as an unknown type and leaves it escaped, so it is not asked here)
    assert len(read_ical(feed)) == 4

    plain = unfolded(build_calendar([event()]))
    feed_only = ("METHOD", "NAME", "X-WR-CALNAME", "REFRESH", "X-PUBLISHED")
    assert not any(line.startswith(feed_only) for line in plain)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        build_calendar([event(start=datetime(2027, 3, 31, 8, 30))])


def test_clean_text_keeps_newlines_and_drops_other_controls():
    assert clean_text("a\r\nb\rc\nd\te\x01\x1f\x7f") == "a\nb\nc\nd\te"
    assert clean_text("\ufeff\x01\ufeffa\ufeff") == "a\ufeff", "a leading BOM is dropped (parsers do)"


# any unicode but surrogates and NUL, and dense runs of the characters that trip writers and parsers
tricky = list("\u2028\u2029\x85\ufeff\x0b\x0c\x1c\r\n\t ,;:\\\"'^æø😀") + ["\r\n", "\\n", "\\,"]
hostile = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=120),
    st.lists(st.sampled_from(tricky), max_size=40).map("".join),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summary=hostile, description=hostile, location=hostile)
def test_any_text_round_trips_through_all_three_parsers(summary, description, location):
    ev = event(summary=summary, description=description, location=location)
    raw = build_calendar([ev], method="REQUEST")
    for line in physical_lines(raw):
        assert len(line) <= 75
        line.decode("utf-8")
    for name, (parsed,) in read_all(raw).items():
        assert parsed["summary"] == clean_text(summary), name
        assert parsed["description"] == clean_text(description), name
        assert parsed["location"] == clean_text(location), name
    assert re.search(rb"\r\nDTSTART;TZID=Europe/Copenhagen:20270331T083000\r\n", raw)
