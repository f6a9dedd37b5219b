"""Hand-typed RRULE text (RFC 5545 3.3.10), checked and parsed into plain data. Pure: no Flask, no db.

The values are parsed by icalendar's `vRecur` (its per-part types: integers, weekdays with their
ordinals, months, UNTIL dates and date-times, frequencies); this module adds our restrictions on
top: which parts and frequencies we accept, ranges, RFC 5545's forbidden combinations, and rules
that can never match. The expansion is dateutil's `rrule` (app.meetings.recurrence).

Accepted: "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3", with or without an "RRULE:" prefix, any case, spaces
ignored. Refused with a RecurrenceError (field "rule"): more than one line, other properties (DTSTART:,
EXDATE:, ...), parts other than FREQ, INTERVAL, COUNT, UNTIL, BYMONTH, BYWEEKNO, BYYEARDAY, BYMONTHDAY,
BYDAY, BYSETPOS and WKST (so no BYHOUR, BYMINUTE, BYSECOND), FREQ=SECONDLY/MINUTELY/HOURLY, COUNT with
UNTIL, combinations RFC 5545 forbids, and rules that can never match (dateutil would search up to 9999).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from dateutil import rrule as du
from icalendar.prop import vRecur

MAX_RULE_LENGTH = 500
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQS = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY, "YEARLY": du.YEARLY}


class RecurrenceError(ValueError):
    """Invalid series input: a translatable `code`, the form `field` it belongs to, and `params`."""

    def __init__(self, code: str, field: str | None = None, params: dict | None = None):
        self.code = code
        self.field = field
        self.params = dict(params or {})
        super().__init__(f"{field or 'series'}: {code}" + (f" {self.params}" if self.params else ""))


@dataclass(frozen=True)
class ParsedRule:
    """A validated RRULE; `text` is its canonical form (upper case, parts in a fixed order, no prefix)."""

    text: str
    freq: str
    interval: int = 1
    count: int | None = None
    until: date | datetime | None = None  # datetime: naive = floating local time, aware = UTC
    bymonth: tuple[int, ...] = ()
    byweekno: tuple[int, ...] = ()
    byyearday: tuple[int, ...] = ()
    bymonthday: tuple[int, ...] = ()
    byday: tuple[tuple[int | None, int], ...] = field(default=())  # (ordinal or None, weekday)
    bysetpos: tuple[int, ...] = ()
    wkst: int = 0


_TIME_FREQS = ("SECONDLY", "MINUTELY", "HOURLY")
_PART_ORDER = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY",
               "BYDAY", "BYSETPOS", "WKST")
# part: (lowest, highest); 0 is never allowed
_INT_LISTS = {"BYMONTH": (1, 12), "BYWEEKNO": (-53, 53), "BYYEARDAY": (-366, 366),
              "BYMONTHDAY": (-31, 31), "BYSETPOS": (-366, 366)}
_MAX_COUNT = 9999  # INTERVAL and COUNT
_MAX_SET_SIZE = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # leap-year maximum


def _bad(part: str, value: str) -> RecurrenceError:
    return RecurrenceError("invalid_value", "rule", {"part": part, "value": value})


def _parsed(part: str, value: str) -> list:
    """icalendar's parse of one part's comma-separated value (ASCII only: int() reads other digits)."""
    if not value.isascii():
        raise _bad(part, value)
    try:
        return vRecur.parse_type(part, value)
    except (ValueError, TypeError):
        raise _bad(part, value) from None


def _int_list(part: str, value: str) -> tuple[int, ...]:
    low, high = _INT_LISTS[part]
    parsed = _parsed(part, value)
    if any(getattr(item, "leap", False) for item in parsed):  # RFC 7529 leap months ("5L"): no RSCALE here
        raise _bad(part, value)
    items = tuple(int(item) for item in parsed)
    if any(not (low <= item <= high) or item == 0 for item in items):
        raise _bad(part, value)
    return items


def _whole(part: str, value: str) -> int:
    items = _parsed(part, value)
    if len(items) != 1 or not 1 <= int(items[0]) <= _MAX_COUNT:
        raise _bad(part, value)
    return int(items[0])


def _byday(value: str) -> tuple[tuple[int | None, int], ...]:
    items = []
    for day in _parsed("BYDAY", value):
        ordinal = day.relative
        if ordinal is None and str(day)[:-2]:  # "0WE": icalendar reads it as "WE"; it means nothing
            raise _bad("BYDAY", value)
        if ordinal is not None and not (1 <= abs(ordinal) <= 53):
            raise _bad("BYDAY", value)
        items.append((ordinal, WEEKDAY_CODES.index(day.weekday)))
    return tuple(items)


def _until(value: str) -> date | datetime:
    [until] = _parsed("UNTIL", value) if "," not in value else [None]
    if not isinstance(until, date):  # a date, or a date-time (naive: floating; Z: UTC)
        raise _bad("UNTIL", value)
    if isinstance(until, datetime) and until.tzinfo is not None:
        until = until.astimezone(UTC)
    return until


def _split_parts(text: str | None) -> dict[str, str]:
    body = (text or "").strip()
    if not body:
        raise RecurrenceError("rule_required", "rule")
    if len(body) > MAX_RULE_LENGTH:
        raise RecurrenceError("rule_too_long", "rule", {"max": MAX_RULE_LENGTH})
    if "\n" in body or "\r" in body:
        raise RecurrenceError("multiline", "rule")
    if body[:6].upper() == "RRULE:":
        body = body[6:]
    elif ":" in body:  # DTSTART:..., EXDATE:..., RDATE:...
        raise RecurrenceError("unsupported_property", "rule", {"name": body.split(":", 1)[0].strip().upper()})
    parts: dict[str, str] = {}
    for chunk in body.split(";"):
        if not chunk.strip():
            continue
        name, sep, value = chunk.partition("=")
        name, value = name.strip().upper(), value.replace(" ", "").upper()
        if not sep or not name or not value:
            raise RecurrenceError("invalid_part", "rule", {"part": chunk.strip()})
        if name not in _PART_ORDER:
            raise RecurrenceError("unsupported_part", "rule", {"part": name})
        if name in parts:
            raise RecurrenceError("duplicate_part", "rule", {"part": name})
        parts[name] = value
    return parts


def parse_rrule(text: str | None) -> ParsedRule:
    """Validate a hand-typed RRULE ("FREQ=...", optionally "RRULE:FREQ=..."); raise RecurrenceError."""
    parts = _split_parts(text)
    freq = parts.get("FREQ")
    if freq is None:
        raise RecurrenceError("freq_required", "rule")
    if freq in _TIME_FREQS:
        raise RecurrenceError("unsupported_freq", "rule", {"freq": freq})
    if freq not in FREQS:
        raise _bad("FREQ", freq)
    _parsed("FREQ", freq)
    values: dict = {}
    for name in ("INTERVAL", "COUNT"):
        if name in parts:
            values[name.lower()] = _whole(name, parts[name])
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError("count_and_until", "rule")
    if "UNTIL" in parts:
        values["until"] = _until(parts["UNTIL"])
    for name in _INT_LISTS:
        if name in parts:
            values[name.lower()] = _int_list(name, parts[name])
    if "BYDAY" in parts:
        values["byday"] = _byday(parts["BYDAY"])
    if "WKST" in parts:
        [wkst] = _parsed("WKST", parts["WKST"]) if "," not in parts["WKST"] else [None]
        if wkst is None or wkst.relative is not None:
            raise _bad("WKST", parts["WKST"])
        values["wkst"] = WEEKDAY_CODES.index(wkst.weekday)
    _check_combination(freq, parts, values)
    text_out = ";".join(f"{name}={parts[name]}" for name in _PART_ORDER if name in parts)
    return ParsedRule(text=text_out, freq=freq, **values)


def _check_combination(freq: str, parts: dict[str, str], values: dict) -> None:
    """RFC 5545 3.3.10 limits, and rules that can never produce a date (dateutil would search to 9999)."""

    def bad(part: str) -> RecurrenceError:
        return RecurrenceError("invalid_combination", "rule", {"part": part, "freq": freq})

    if "BYWEEKNO" in parts and freq != "YEARLY":
        raise bad("BYWEEKNO")
    if "BYYEARDAY" in parts and freq in ("DAILY", "WEEKLY", "MONTHLY"):
        raise bad("BYYEARDAY")
    if "BYMONTHDAY" in parts and freq == "WEEKLY":
        raise bad("BYMONTHDAY")
    if any(ordinal is not None for ordinal, _ in values.get("byday", ())):
        if freq not in ("MONTHLY", "YEARLY") or "BYWEEKNO" in parts:
            raise bad("BYDAY")
    if "BYSETPOS" in parts:
        if not any(name in parts for name in _PART_ORDER if name.startswith("BY") and name != "BYSETPOS"):
            raise bad("BYSETPOS")
        if any(abs(pos) > _MAX_SET_SIZE[freq] for pos in values["bysetpos"]):
            raise RecurrenceError("never_matches", "rule")
    if "BYMONTHDAY" in parts:
        longest = max(_DAYS_IN_MONTH[month - 1] for month in values.get("bymonth", range(1, 13)))
        if all(abs(day) > longest for day in values["bymonthday"]):
            raise RecurrenceError("never_matches", "rule")
