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
from icalendar.parser.parameter import Parameters

__all__ = ["Attendee", "EventData", "PartyLines", "build_calendar", "clean_text", "parse_calendar",
           "party_lines", "with_parties"]

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


@lru_cache(maxsize=1024)
def _transitions(zone: ZoneInfo, year: int) -> tuple[_Transition, ...]:
    """The zone's offset changes in `year` (cached: a VTIMEZONE for a new span of years, e.g. the
    first meeting in January, needs mostly the same years, and scanning one takes milliseconds)."""
    return tuple(_scan_transitions(zone, year))


def _scan_transitions(zone: ZoneInfo, year: int) -> list[_Transition]:
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


class PartyLines:
    """`party_lines` for many messages that differ only in the organizer's address and their one
    attendee (iMIP: a copy per person), byte for byte, with a few string operations per person
    instead of an icalendar Event (500 invitations spent about 50 ms in `party_lines`).

    The lines are written once by `party_lines` itself with markers in place of the attendee's
    CN parameter and of both addresses; each person's CN parameter is written by icalendar's
    `Parameters` (its quoting and RFC 6868 escaping), and the lines are folded as icalendar folds
    them (`_fold`). Values icalendar treats specially take `party_lines` itself: an empty name (no
    CN), a backslash or caret (icalendar keeps an escape pair on one line when folding), CR or LF
    (vCalAddress refuses them). Should the template not have the expected shape (another
    icalendar version), every call takes `party_lines`."""

    def __init__(self, organizer_name: str, partstat: str = "NEEDS-ACTION", rsvp: bool = True):
        self.organizer_name = organizer_name
        self.partstat = partstat
        self.rsvp = rsvp
        self._template = _party_template(organizer_name, partstat, rsvp)

    @property
    def _quick(self) -> bool:
        """Whether the template had the expected shape (else every call takes `party_lines`)."""
        return self._template is not None

    def __call__(self, organizer_email: str, name: str, email: str) -> bytes:
        """The ORGANIZER and ATTENDEE lines for one copy, as `party_lines` writes them."""
        # None without a template, or for values the quick lines leave to icalendar
        lines = self._lines(organizer_email, name, email)
        return lines if lines is not None else self._slow(organizer_email, name, email)

    def _slow(self, organizer_email: str, name: str, email: str) -> bytes:
        return party_lines(organizer_email, self.organizer_name,
                           [Attendee(email, name, partstat=self.partstat, rsvp=self.rsvp)])

    def _lines(self, organizer_email: str, name: str, email: str) -> bytes | None:
        return _quick_party_lines(self._template, organizer_email, name, email)


_PARTY_ORGANIZER = "kkpartyorganizer@marker.invalid"
_PARTY_ATTENDEE = "kkpartyattendee@marker.invalid"
_PARTY_CN = "CN=KKPARTYCNMARKER"


@lru_cache(maxsize=64)
def _party_template(organizer_name: str, partstat: str, rsvp: bool) -> tuple[str, str, str] | None:
    """(attendee line up to the CN parameter, attendee line from after it up to the address,
    organizer line up to the address), unfolded, written by `party_lines` with markers; None when
    the lines do not have that shape or the quick lines differ from `party_lines` for the samples."""
    marked = Attendee(_PARTY_ATTENDEE, _PARTY_CN[3:], partstat=partstat, rsvp=rsvp)
    raw = party_lines(_PARTY_ORGANIZER, organizer_name, [marked]).decode("utf-8")
    lines = raw.replace("\r\n ", "").split("\r\n")
    if (len(lines) != 3 or lines[2] or "\\" in raw or "^" in raw
            or not lines[0].startswith("ATTENDEE;") or not lines[1].startswith("ORGANIZER")
            or lines[0].count(_PARTY_CN) != 1
            or not lines[0].endswith(":mailto:" + _PARTY_ATTENDEE)
            or not lines[1].endswith(":mailto:" + _PARTY_ORGANIZER)):
        return None
    head, rest = lines[0].split(_PARTY_CN)
    template = (head, rest[:-len(_PARTY_ATTENDEE)], lines[1][:-len(_PARTY_ORGANIZER)])
    for organizer_email, name, email in _PARTY_SAMPLES:
        expected = party_lines(organizer_email, organizer_name,
                               [Attendee(email, name, partstat=partstat, rsvp=rsvp)])
        if _quick_party_lines(template, organizer_email, name, email) != expected:
            return None
    return template


def _quick_party_lines(template: tuple[str, str, str] | None, organizer_email: str, name: str,
                       email: str) -> bytes | None:
    """`party_lines` from a `_party_template`, or None for values it leaves to icalendar."""
    if template is None:
        return None
    cn = _clean_param(name)
    organizer_email, email = organizer_email.strip(), email.strip()
    values = cn + organizer_email + email
    if not cn or "\\" in values or "^" in values or "\r" in values or "\n" in values:
        return None
    attendee_head, attendee_tail, organizer_head = template
    cn_param = Parameters({"CN": cn}).to_ical().decode("utf-8")
    attendee = f"{attendee_head}{cn_param}{attendee_tail}{email}"
    organizer = f"{organizer_head}{organizer_email}"
    return f"{_fold(attendee)}\r\n{_fold(organizer)}\r\n".encode()


# What `PartyLines` checks itself against when made: plain, quoted (space, apostrophe, comma,
# semicolon, colon, U+2019), multi-byte characters folded at every offset.
_PARTY_SAMPLES = [("svar+i1.abcdefghijklmnop@example.org", name, email) for name, email in (
    ("Ann", "ann@example.org"),
    ("Søren Ågård Ørsted-Lund", "soeren@example.org"),
    ("O'Hara, Jr.; x:y ’z", "o.hara@example.org"),
    *((("æ" * n) + " Ø €𝄞 " * 12, f"{'x' * n}@example.org") for n in range(1, 5)),
)]


def _fold(line: str) -> str:
    """A content line folded as icalendar 7 folds it (at 75 octets with CRLF + space, never inside
    a UTF-8 sequence) for lines without a backslash or caret (icalendar keeps those escape pairs
    on one line; `PartyLines` leaves such lines to icalendar)."""
    data = line.encode("utf-8")
    if len(data) <= 74:
        return line
    chunks = []
    start = 0
    while len(data) - start > 74:
        end = start + 74
        while data[end] & 0xC0 == 0x80:  # inside a UTF-8 sequence: that character starts the next line
            end -= 1
        chunks.append(data[start:end])
        start = end
    chunks.append(data[start:])
    return b"\r\n ".join(chunks).decode("utf-8")


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
