"""Build RFC 5545 calendars from plain data (pure: no Flask, no database, no app imports).

What `build_calendar` writes, and why (see docs/calendars.md and the calendar-interop guide):

- CRLF line endings, lines folded at 75 octets without splitting a UTF-8 character, TEXT values
  with ``,`` ``;`` ``\\`` and newlines escaped (icalendar 7 does this).
- One VTIMEZONE per TZID used, written with RRULE transitions derived from zoneinfo (for
  Europe/Copenhagen ``BYMONTH=3;BYDAY=-1SU`` and ``BYMONTH=10;BYDAY=-1SU``): Outlook ignores
  RDATE-based blocks and ical.js reads only the first RDATE, so icalendar's
  ``add_missing_timezones()`` is not used. A zone without summer time gets one STANDARD block.
  A zone whose transitions do not follow one yearly ``BYMONTH/BYDAY`` rule over the years the
  events need (e.g. a zone that changed its rules recently) falls back to one observance block per
  transition (each a single DTSTART onset, still no RDATE), covering the events' years +- 1.
- DTSTART/DTEND in the event's zone with TZID (never floating); DTSTAMP, CREATED and LAST-MODIFIED
  in UTC.
- Text that cannot appear in an iCalendar TEXT value is normalised (see `clean_text`): CR LF and
  lone CR become LF, other control characters (C0 except TAB, DEL) and a leading U+FEFF (which
  parsers take for a byte-order mark) are dropped.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
    vText,
)

__all__ = ["Attendee", "EventData", "build_calendar", "clean_text", "parse_calendar", "party_lines",
           "with_parties"]

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PARAM_BAD = re.compile(r"[\x00-\x1f\x7f\"]")


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""
    partstat: str = "NEEDS-ACTION"  # NEEDS-ACTION | ACCEPTED | DECLINED | TENTATIVE
    rsvp: bool = True


@dataclass(frozen=True)
class EventData:
    uid: str  # stable per meeting, e.g. "meeting-12@kaffeklub.example"
    sequence: int
    summary: str
    start: datetime  # timezone-aware (any zone; written in `timezone`)
    end: datetime  # timezone-aware
    timezone: str  # IANA name, e.g. "Europe/Copenhagen": DTSTART/DTEND get this TZID
    dtstamp: datetime  # aware; written in UTC
    description: str = ""
    location: str = ""
    url: str | None = None
    status: str = "CONFIRMED"  # CONFIRMED | CANCELLED | TENTATIVE
    created: datetime | None = None
    last_modified: datetime | None = None
    organizer_email: str | None = None
    organizer_name: str = ""
    attendees: tuple[Attendee, ...] = ()
    transparent: bool = False  # TRANSP:TRANSPARENT: shown, but the time is not busy


def clean_text(text: str) -> str:
    """The text as a TEXT value can carry it: newlines as LF, no other control characters, no
    leading U+FEFF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # a leading U+FEFF reads as a byte-order mark: parsers drop it, so we do too
    return _CONTROL.sub("", text).lstrip("\ufeff")


def _clean_param(text: str) -> str:
    """A parameter value (CN) may not hold DQUOTE or control characters: replace them."""
    return _PARAM_BAD.sub(" ", text.replace('"', "'")).strip()


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return value.astimezone(UTC)


# ---------------------------------------------------------------------------------------------------
# VTIMEZONE from zoneinfo


@dataclass(frozen=True)
class _Transition:
    local: datetime  # naive wall time of the onset, in the offset before it
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool


def _is_summer(offset_from: timedelta, new: datetime) -> bool:
    """DAYLIGHT for the forward jump, so clients see summer time even where tzdata calls winter the
    "daylight" part (Europe/Dublin's negative DST, Morocco's Ramadan time)."""
    if new.utcoffset() != offset_from:
        return new.utcoffset() > offset_from
    return bool(new.dst() and new.dst() > timedelta(0))


def _transitions(zone: ZoneInfo, year: int) -> list[_Transition]:
    """The zone's offset changes in `year` (found by scanning, to the second)."""
    found = []
    t = datetime(year, 1, 1, tzinfo=UTC) - timedelta(hours=14)
    end = datetime(year + 1, 1, 1, tzinfo=UTC) + timedelta(hours=14)
    step = timedelta(hours=6)
    before = t.astimezone(zone)
    while t < end:
        nxt = t + step
        after = nxt.astimezone(zone)
        if after.utcoffset() != before.utcoffset() or after.dst() != before.dst():
            lo, hi = t, nxt
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == before.utcoffset() and (
                    mid.astimezone(zone).dst() == before.dst()
                ):
                    lo = mid
                else:
                    hi = mid
            new = hi.astimezone(zone)
            local = (hi + before.utcoffset()).replace(tzinfo=None)
            if local.year == year:
                found.append(
                    _Transition(
                        local=local,
                        offset_from=before.utcoffset(),
                        offset_to=new.utcoffset(),
                        name=new.tzname() or "",
                        is_dst=_is_summer(before.utcoffset(), new),
                    )
                )
        before = after
        t = nxt
    return found


def _rule_of(tr: _Transition) -> tuple[int, str, tuple[int, int, int]]:
    """(month, BYDAY, wall time) of a transition: -1SU for the last Sunday, 2SU for the second..."""
    day = tr.local.day
    weekday = _WEEKDAYS[tr.local.weekday()]
    days_in_month = _calendar.monthrange(tr.local.year, tr.local.month)[1]
    byday = f"-1{weekday}" if day + 7 > days_in_month else f"{(day - 1) // 7 + 1}{weekday}"
    return tr.local.month, byday, (tr.local.hour, tr.local.minute, tr.local.second)


def _key(tr: _Transition):
    return (_rule_of(tr), tr.offset_from, tr.offset_to, tr.name, tr.is_dst)


def _observance(tr: _Transition, rrule: dict | None):
    block = TimezoneDaylight() if tr.is_dst else TimezoneStandard()
    block.add("dtstart", tr.local)
    block.add("tzoffsetfrom", tr.offset_from)
    block.add("tzoffsetto", tr.offset_to)
    if tr.name:
        block.add("tzname", tr.name)
    if rrule:
        block.add("rrule", rrule)
    return block


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE for `tzid`, right for every time in first_year..last_year (cached as bytes)."""
    zone = ZoneInfo(tzid)
    check = range(first_year - 1, last_year + 11)
    per_year = {year: _transitions(zone, year) for year in check}
    tz = Timezone()
    tz.add("tzid", tzid)

    if not any(per_year.values()):
        # No offset changes: one STANDARD block with the constant offset.
        probe = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(zone)
        tz.add_component(
            _observance(
                _Transition(
                    datetime(1970, 1, 1), probe.utcoffset(), probe.utcoffset(), probe.tzname() or "", False
                ),
                None,
            )
        )
        return tz.to_ical()

    keys = {year: [_key(tr) for tr in trs] for year, trs in per_year.items()}
    pattern = keys[first_year]
    if len(pattern) == 2 and all(keys[year] == pattern for year in check):
        # One yearly rule pair: go back as far as it held (not before 1970) for the DTSTART.
        start = first_year - 1
        while start > 1970 and [_key(tr) for tr in _transitions(zone, start - 1)] == pattern:
            start -= 1
        for tr in per_year[start] if start in per_year else _transitions(zone, start):
            month, byday, _ = _rule_of(tr)
            tz.add_component(_observance(tr, {"freq": "yearly", "bymonth": month, "byday": byday}))
        return tz.to_ical()

    # Fallback: one single-onset observance per transition (plus the offset in force before them).
    years = range(first_year - 1, last_year + 2)
    transitions = [tr for year in years for tr in per_year[year]]
    probe = datetime(first_year - 1, 1, 1, tzinfo=UTC).astimezone(zone)
    initial = _Transition(
        datetime(first_year - 1, 1, 1),
        probe.utcoffset(),
        probe.utcoffset(),
        probe.tzname() or "",
        bool(probe.dst() and probe.dst() > timedelta(0)),
    )
    if not transitions or transitions[0].local > initial.local:
        tz.add_component(_observance(initial, None))
    for tr in transitions:
        tz.add_component(_observance(tr, None))
    return tz.to_ical()


# ---------------------------------------------------------------------------------------------------
# Events and calendars


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email.strip()}")
    cn = _clean_param(name)
    if cn:
        address.params["CN"] = cn
    for key, value in params.items():
        address.params[key] = value
    return address


def _event(data: EventData) -> Event:
    zone = ZoneInfo(data.timezone)
    event = Event()
    event.add("uid", data.uid)
    event.add("dtstamp", _utc(data.dtstamp))
    event.add("sequence", data.sequence)
    event.add("dtstart", data.start.astimezone(zone) if data.start.tzinfo else _reject())
    event.add("dtend", data.end.astimezone(zone) if data.end.tzinfo else _reject())
    event.add("summary", clean_text(data.summary))
    if data.description:
        event.add("description", clean_text(data.description))
    if data.location:
        event.add("location", clean_text(data.location))
    if data.url:
        event.add("url", data.url)
    event.add("status", data.status.upper())
    if data.transparent:
        event.add("transp", "TRANSPARENT")
    if data.created:
        event.add("created", _utc(data.created))
    if data.last_modified:
        event.add("last-modified", _utc(data.last_modified))
    if data.organizer_email:
        event.add("organizer", _address(data.organizer_email, data.organizer_name))
    for attendee in data.attendees:
        event.add(
            "attendee",
            _address(
                attendee.email,
                attendee.name,
                CUTYPE="INDIVIDUAL",
                ROLE="REQ-PARTICIPANT",
                PARTSTAT=attendee.partstat.upper(),
                RSVP="TRUE" if attendee.rsvp else "FALSE",
            ),
        )
    return event


def _reject():
    raise ValueError("calendar times must be timezone-aware")


def build_calendar(
    events: Sequence[EventData],
    *,
    method: str | None = None,
    name: str | None = None,
    refresh: timedelta | None = None,
    prodid: str = "-//Kaffeklub//Kaffeklub//DA",
) -> bytes:
    """One VCALENDAR (CRLF, folded at 75 octets) with one VTIMEZONE (RRULE transitions) per TZID used,
    METHOD when given (PUBLISH, REQUEST, CANCEL), NAME + X-WR-CALNAME when `name`, and
    REFRESH-INTERVAL;VALUE=DURATION + X-PUBLISHED-TTL when `refresh`."""
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method.upper())
    if name:
        # vText explicitly: icalendar 7 does not escape a plain str given for NAME.
        cal.add("name", vText(clean_text(name)))
        cal.add("x-wr-calname", vText(clean_text(name)))
    if refresh is not None:
        cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(refresh))

    years: dict[str, list[int]] = {}
    for data in events:
        zone = ZoneInfo(data.timezone)
        span = years.setdefault(data.timezone, [])
        span += [data.start.astimezone(zone).year, data.end.astimezone(zone).year]
    for tzid in sorted(years):
        # built once per zone and year span (cached as text), read back as a component
        block = _vtimezone(tzid, min(years[tzid]), max(years[tzid]))
        wrapped = b"BEGIN:VCALENDAR\r\n" + block + b"END:VCALENDAR\r\n"
        cal.add_component(Calendar.from_ical(wrapped).walk("VTIMEZONE")[0])
    for data in events:
        cal.add_component(_event(data))
    return cal.to_ical()


def party_lines(organizer_email: str, organizer_name: str, attendees: Sequence[Attendee]) -> bytes:
    """The folded ORGANIZER and ATTENDEE content lines (CRLF-terminated) of one event, written as
    `build_calendar` writes them: for messages that differ per recipient only in these lines (iMIP:
    one ATTENDEE per message), so the rest of the calendar is built once (see `with_parties`)."""
    event = Event()
    event.add("organizer", _address(organizer_email, organizer_name))
    for attendee in attendees:
        event.add("attendee", _address(attendee.email, attendee.name, CUTYPE="INDIVIDUAL",
                                        ROLE="REQ-PARTICIPANT", PARTSTAT=attendee.partstat.upper(),
                                        RSVP="TRUE" if attendee.rsvp else "FALSE"))
    raw = event.to_ical()
    return raw[len(b"BEGIN:VEVENT\r\n"):-len(b"END:VEVENT\r\n")]


def with_parties(calendar: bytes, lines: bytes) -> bytes:
    """`calendar` (one VEVENT, built without organizer and attendees) with `lines` (`party_lines`)
    added to its event."""
    end = b"END:VEVENT\r\n"
    if calendar.count(end) != 1:
        raise ValueError("with_parties needs a calendar with exactly one event")
    return calendar.replace(end, lines + end)


def parse_calendar(raw: bytes) -> Calendar:
    """Read a calendar strictly with icalendar (raises ValueError on malformed input)."""
    return Calendar.from_ical(raw)
