"""Meeting series: expand friendly choices or a hand-typed RRULE into local meeting dates.

Pure logic (no Flask, no database): a frozen `SeriesSpec` goes in, a `SeriesPreview` comes out, and bad
input raises `RecurrenceError(code, field, params)` with a code the web layer translates.

Behaviour, decided once:
- Weekdays are ints, 0 = Monday ... 6 = Sunday (as `date.weekday()`).
- Every kind is turned into RRULE text (`to_rrule_text`) and expanded with dateutil over
  [start_date, end_date] (inclusive), with DTSTART = start_date and WKST = MO. start_date is only the start
  of the range: it is a meeting only if it matches the rule. An INTERVAL counts weeks/months from the week
  (Monday-based) or month of start_date.
- MONTHLY_DAY on a day that a month lacks (29, 30, 31) falls on the last day of that month (as Outlook
  does); such an occurrence has reason "last_day_of_month". RRULE: BYMONTHDAY=-1 for 31, and
  BYMONTHDAY=28,29,30;BYSETPOS=-1 (or 28,29) for 30 and 29. A hand-typed BYMONTHDAY=31 follows RFC 5545
  instead: months without a 31st have no meeting.
- Each rule date is checked in this order: skipped month ("skipped_month"); public holiday, unless the
  policy is IGNORE ("holiday", with the holiday's name); network closed day ("closed", always honoured);
  for MONTHLY_DAY only, a Saturday or Sunday unless the policy is IGNORE ("weekend": skipped, or moved
  like a holiday; "weekend_not_moved" without a free working day). Rules naming a weekday keep it.
- HolidayPolicy.SKIP drops a holiday. HolidayPolicy.MOVE moves a holiday or closed day to the next
  working day (Monday-Friday) that is not a holiday, not a closed day and not in a skipped month, that
  comes before the next rule date, at most 6 days later and not after end_date; the occurrence keeps
  `moved_from` and the reason. Without such a day the date is skipped ("holiday_not_moved",
  "closed_not_moved").
- Holiday names come from the `holidays` package in `holiday_language`, by default the country's own
  language (Danish for DK). Its DK "public" category has New Year's Day, Maundy Thursday, Good Friday,
  Easter Sunday and Monday, Ascension Day, Whit Sunday and Monday, Christmas Day and Boxing Day
  (Great Prayer Day until 2023). Christmas Eve, Constitution Day (5 June), 1 May and New Year's Eve are in
  its "optional" category: add it to `holiday_categories`, or list days in `extra_closed_dates`.
- Times are local wall-clock times in `timezone`; 08:30 stays 08:30 whatever the UTC offset. An ambiguous
  time (autumn fold) takes the first, summer-time instance (fold=0); a time in the spring gap moves forward
  by the gap (02:30 -> 03:30). Always doors_open <= start < end: when the gap pushes the start to or past
  the end, the end becomes start + the planned duration.
- COUNT counts rule dates from start_date, skipped ones included (as EXDATE does); it must fit in the range.
  UNTIL (a date, a floating local date-time or a UTC date-time) must lie within the range.
- More than `max_dates` meetings is "too_many_dates" (params count, max; count is a lower bound only for
  rules with over 5000 dates in the range); no meeting at all is "no_dates" (params skipped).
RRULE text parsing lives in app/meetings/rrule_text.py; its names are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import islice
from zoneinfo import ZoneInfo

import holidays
from dateutil import rrule as du

from app.meetings.rrule_text import (
    FREQS,
    WEEKDAY_CODES,
    ParsedRule,
    RecurrenceError,
    parse_rrule,
)
from app.meetings.zones import is_valid_timezone

__all__ = [
    "CLOSED", "CLOSED_NOT_MOVED", "HOLIDAY", "HOLIDAY_NOT_MOVED", "LAST_DAY_OF_MONTH", "MAX_DATES",
    "SKIPPED_MONTH", "WEEKEND", "WEEKEND_NOT_MOVED", "Frequency", "HolidayPolicy",
    "Occurrence", "ParsedRule", "RecurrenceError",
    "SeriesPreview", "SeriesSpec", "SkippedDate", "expand_series", "local_datetime", "parse_rrule",
    "to_rrule_text", "validate_spec",
]

MAX_DATES = 200
DEFAULT_TIMEZONE = "Europe/Copenhagen"
MOVE_WINDOW_DAYS = 6
# Rule dates looked at before giving up with too_many_dates (then its count is a lower bound).
_RULE_DATE_CAP = 5000


class Frequency(StrEnum):
    WEEKLY = "weekly"
    MONTHLY_NTH_WEEKDAY = "monthly_nth_weekday"
    MONTHLY_DAY = "monthly_day"
    RRULE = "rrule"


class HolidayPolicy(StrEnum):
    IGNORE = "ignore"
    SKIP = "skip"
    MOVE = "move"


# Reason codes (SkippedDate.reason, Occurrence.reason).
SKIPPED_MONTH = "skipped_month"
HOLIDAY = "holiday"
CLOSED = "closed"
HOLIDAY_NOT_MOVED = "holiday_not_moved"
CLOSED_NOT_MOVED = "closed_not_moved"
LAST_DAY_OF_MONTH = "last_day_of_month"
WEEKEND = "weekend"
WEEKEND_NOT_MOVED = "weekend_not_moved"
PAST = "past"  # the meeting would start before `not_before` (now): a series does not create it

NTH_CHOICES = (1, 2, 3, 4, -1)


@dataclass(frozen=True)
class SeriesSpec:
    """What the organizer chose; which fields matter depends on `frequency`."""

    frequency: Frequency
    start_date: date
    end_date: date
    start_time: time
    end_time: time
    timezone: str = DEFAULT_TIMEZONE
    doors_open: time | None = None
    interval: int = 1  # every N weeks / months
    weekdays: frozenset[int] = frozenset()  # WEEKLY
    nth: int | None = None  # MONTHLY_NTH_WEEKDAY: 1..4 or -1 (last)
    weekday: int | None = None  # MONTHLY_NTH_WEEKDAY
    month_day: int | None = None  # MONTHLY_DAY: 1..31
    rrule: str | None = None  # RRULE
    skip_months: frozenset[int] = frozenset()
    holiday_policy: HolidayPolicy = HolidayPolicy.IGNORE
    holiday_country: str = "DK"
    holiday_subdivision: str | None = None
    holiday_categories: frozenset[str] = frozenset({"public"})
    holiday_language: str | None = None
    extra_closed_dates: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Occurrence:
    """One meeting: its local date and aware start/end/doors-open datetimes in the series' time zone."""

    local_date: date
    start: datetime
    end: datetime
    doors_open: datetime | None = None
    moved_from: date | None = None
    reason: str | None = None
    holiday_name: str | None = None


@dataclass(frozen=True)
class SkippedDate:
    """A rule date that gets no meeting, and why."""

    local_date: date
    reason: str
    holiday_name: str | None = None


@dataclass(frozen=True)
class SeriesPreview:
    occurrences: list[Occurrence]
    skipped: list[SkippedDate]
    rrule_text: str


def to_rrule_text(spec: SeriesSpec) -> str:
    """The RRULE (without DTSTART/UNTIL, skips or holidays) equivalent to the spec's rule."""
    errors = _rule_errors(spec)
    if errors:
        raise errors[0]
    if spec.frequency == Frequency.RRULE:
        return parse_rrule(spec.rrule).text
    interval = f";INTERVAL={spec.interval}" if spec.interval > 1 else ""
    if spec.frequency == Frequency.WEEKLY:
        days = ",".join(WEEKDAY_CODES[day] for day in sorted(set(spec.weekdays)))
        wkst = ";WKST=MO" if spec.interval > 1 else ""
        return f"FREQ=WEEKLY{interval};BYDAY={days}{wkst}"
    if spec.frequency == Frequency.MONTHLY_NTH_WEEKDAY:
        return f"FREQ=MONTHLY{interval};BYDAY={WEEKDAY_CODES[spec.weekday]};BYSETPOS={spec.nth}"
    day = spec.month_day
    if day == 31:
        return f"FREQ=MONTHLY{interval};BYMONTHDAY=-1"
    if day > 28:
        days = ",".join(str(d) for d in range(28, day + 1))
        return f"FREQ=MONTHLY{interval};BYMONTHDAY={days};BYSETPOS=-1"
    return f"FREQ=MONTHLY{interval};BYMONTHDAY={day}"


# --- validation ------------------------------------------------------------------------------

def _rule_errors(spec: SeriesSpec) -> list[RecurrenceError]:
    errors = []
    kind = spec.frequency
    if kind not in tuple(Frequency):
        return [RecurrenceError("invalid_frequency", "frequency")]
    if kind != Frequency.RRULE and (not isinstance(spec.interval, int) or spec.interval < 1):
        errors.append(RecurrenceError("interval_too_small", "interval", {"min": 1}))
    if kind == Frequency.WEEKLY:
        if not spec.weekdays:
            errors.append(RecurrenceError("weekdays_required", "weekdays"))
        elif any(day not in range(7) for day in spec.weekdays):
            errors.append(RecurrenceError("invalid_weekday", "weekdays"))
    elif kind == Frequency.MONTHLY_NTH_WEEKDAY:
        if spec.nth not in NTH_CHOICES:
            errors.append(RecurrenceError("nth_out_of_range", "nth", {"choices": list(NTH_CHOICES)}))
        if spec.weekday not in range(7):
            errors.append(RecurrenceError("invalid_weekday", "weekday"))
    elif kind == Frequency.MONTHLY_DAY:
        if spec.month_day not in range(1, 32):
            errors.append(RecurrenceError("month_day_out_of_range", "month_day", {"min": 1, "max": 31}))
    else:
        try:
            parse_rrule(spec.rrule)
        except RecurrenceError as error:
            errors.append(error)
    return errors


def _holiday_errors(spec: SeriesSpec) -> list[RecurrenceError]:
    if spec.holiday_policy == HolidayPolicy.IGNORE:
        return []
    if not spec.holiday_categories:
        return [RecurrenceError("categories_required", "holiday_categories")]
    country = (spec.holiday_country or "").upper()
    try:
        calendar = holidays.country_holidays(country)
    except NotImplementedError:
        return [RecurrenceError("unknown_country", "holiday_country", {"country": spec.holiday_country})]
    errors = []
    if spec.holiday_subdivision and spec.holiday_subdivision not in calendar.subdivisions:
        errors.append(RecurrenceError("unknown_subdivision", "holiday_subdivision",
                                      {"subdivision": spec.holiday_subdivision}))
    unknown = sorted(set(spec.holiday_categories) - set(calendar.supported_categories))
    if unknown:
        errors.append(RecurrenceError("unknown_category", "holiday_categories", {"categories": unknown}))
    if spec.holiday_language and spec.holiday_language not in calendar.supported_languages:
        errors.append(RecurrenceError("unknown_language", "holiday_language",
                                      {"language": spec.holiday_language}))
    return errors


def validate_spec(spec: SeriesSpec) -> list[RecurrenceError]:
    """All input errors of a spec (empty when it can be expanded); does not expand the rule."""
    errors = []
    for name in ("start_date", "end_date"):
        if not isinstance(getattr(spec, name), date) or isinstance(getattr(spec, name), datetime):
            errors.append(RecurrenceError("invalid_date", name))
    if not errors and spec.end_date < spec.start_date:
        errors.append(RecurrenceError("end_before_start", "end_date"))
    times_ok = True
    for name in ("start_time", "end_time", "doors_open"):
        value = getattr(spec, name)
        if (value is not None or name != "doors_open") and (not isinstance(value, time) or value.tzinfo):
            errors.append(RecurrenceError("invalid_time", name))
            times_ok = False
    if times_ok and spec.end_time <= spec.start_time:
        errors.append(RecurrenceError("end_not_after_start", "end_time"))
    if times_ok and spec.doors_open is not None and spec.doors_open > spec.start_time:
        errors.append(RecurrenceError("doors_after_start", "doors_open"))
    if not is_valid_timezone(spec.timezone):
        errors.append(RecurrenceError("unknown_timezone", "timezone", {"timezone": spec.timezone}))
    bad_months = sorted(m for m in spec.skip_months if m not in range(1, 13))
    if bad_months:
        errors.append(RecurrenceError("invalid_month", "skip_months", {"months": bad_months}))
    return errors + _rule_errors(spec) + _holiday_errors(spec)


# --- expansion -------------------------------------------------------------------------------

def _dateutil_rule(rule: ParsedRule, start: date, *, until: date | None) -> du.rrule:
    byweekday = [du.weekday(day, ordinal) for ordinal, day in rule.byday] or None
    return du.rrule(
        FREQS[rule.freq], dtstart=datetime.combine(start, time()), interval=rule.interval, wkst=rule.wkst,
        count=rule.count, until=datetime.combine(until, time()) if until else None,
        bymonth=rule.bymonth or None, byweekno=rule.byweekno or None, byyearday=rule.byyearday or None,
        bymonthday=rule.bymonthday or None, byweekday=byweekday, bysetpos=rule.bysetpos or None,
    )


def local_datetime(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """`day` at wall-clock `wall` in `zone`: fold=0 when ambiguous, shifted forward when in a DST gap."""
    naive = datetime.combine(day, wall.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def _rule_dates(rule: ParsedRule, spec: SeriesSpec, zone: ZoneInfo) -> list[date]:
    """The rule's dates in the range (at most _RULE_DATE_CAP + 1), checking COUNT/UNTIL against it."""
    if rule.count is not None:
        rule_dates = _dateutil_rule(rule, spec.start_date, until=None)
        dates = [d.date() for d in islice(rule_dates, _RULE_DATE_CAP + 1)]
        in_range = sum(1 for d in dates if d <= spec.end_date)
        if in_range < len(dates):
            raise RecurrenceError("count_exceeds_range", "rule", {"count": rule.count, "in_range": in_range})
        return dates
    end, until_at = spec.end_date, None
    if isinstance(rule.until, datetime):
        until_at = rule.until if rule.until.tzinfo else rule.until.replace(tzinfo=zone)
        end = until_at.astimezone(zone).date()
    elif rule.until is not None:
        end = rule.until
    if end > spec.end_date:
        raise RecurrenceError("until_after_end_date", "rule", {"until": end.isoformat()})
    if end < spec.start_date:
        raise RecurrenceError("until_before_start_date", "rule", {"until": end.isoformat()})
    dates = [d.date() for d in islice(_dateutil_rule(rule, spec.start_date, until=end), _RULE_DATE_CAP + 1)]
    if until_at is not None:  # UNTIL is a moment: a meeting starting after it is not in the series
        dates = [d for d in dates if local_datetime(d, spec.start_time, zone) <= until_at]
    return dates


class _Closures:
    """Answers 'is this day a holiday or a closed day?' for the spec, loading holiday years lazily."""

    def __init__(self, spec: SeriesSpec):
        self.closed = frozenset(spec.extra_closed_dates)
        self.calendar = None
        if spec.holiday_policy != HolidayPolicy.IGNORE:
            country = spec.holiday_country.upper()
            language = spec.holiday_language or holidays.country_holidays(country).default_language
            self.calendar = holidays.country_holidays(
                country, subdiv=spec.holiday_subdivision or None, language=language,
                categories=tuple(sorted(spec.holiday_categories)))

    def why(self, day: date) -> tuple[str, str | None] | None:
        if self.calendar is not None and day in self.calendar:
            return HOLIDAY, self.calendar.get(day)
        if day in self.closed:
            return CLOSED, None
        return None


def _move_target(day: date, limit: date, spec: SeriesSpec, closures: _Closures) -> date | None:
    candidate = day + timedelta(days=1)
    while candidate < limit:
        working = candidate.weekday() < 5 and candidate.month not in spec.skip_months
        if working and closures.why(candidate) is None:
            return candidate
        candidate += timedelta(days=1)
    return None


def _weekend_counts(spec: SeriesSpec, day: date) -> bool:
    """A Saturday or Sunday of a rule that names a day of the month (not a weekday) follows the
    holiday policy; rules that ask for a weekday, Saturdays included, are taken at their word."""
    return (
        spec.frequency == Frequency.MONTHLY_DAY
        and spec.holiday_policy != HolidayPolicy.IGNORE
        and day.weekday() >= 5
    )


def _occurrence(day: date, spec: SeriesSpec, zone: ZoneInfo, **extra) -> Occurrence:
    start = local_datetime(day, spec.start_time, zone)
    end = local_datetime(day, spec.end_time, zone)
    if end <= start:  # the spring gap moved the start past the end: keep the planned duration
        planned = datetime.combine(day, spec.end_time) - datetime.combine(day, spec.start_time)
        end = (start.astimezone(UTC) + planned).astimezone(zone)
    doors = None
    if spec.doors_open is not None:
        doors = min(local_datetime(day, spec.doors_open, zone), start)
    return Occurrence(local_date=day, start=start, end=end, doors_open=doors, **extra)


def expand_series(
    spec: SeriesSpec, *, max_dates: int = MAX_DATES, not_before: datetime | None = None
) -> SeriesPreview:
    """Expand a series into its meetings and its skipped dates; raise RecurrenceError on bad input.

    `not_before` (aware, usually now): a meeting that would start earlier is skipped ("past")."""
    if max_dates < 1:
        raise ValueError("max_dates must be at least 1")
    errors = validate_spec(spec)
    if errors:
        raise errors[0]
    rule_text = to_rrule_text(spec)
    rule = parse_rrule(rule_text)
    zone = ZoneInfo(spec.timezone)
    dates = _rule_dates(rule, spec, zone)
    closures = _Closures(spec)
    occurrences: list[Occurrence] = []
    skipped: list[SkippedDate] = []
    for index, day in enumerate(dates[:_RULE_DATE_CAP]):
        if day.month in spec.skip_months:
            skipped.append(SkippedDate(day, SKIPPED_MONTH))
            continue
        why = closures.why(day)
        if why is None and _weekend_counts(spec, day):
            why = (WEEKEND, None)
        if why is None:
            clamped = spec.frequency == Frequency.MONTHLY_DAY and day.day != spec.month_day
            occurrences.append(_occurrence(day, spec, zone, reason=LAST_DAY_OF_MONTH if clamped else None))
            continue
        reason, name = why
        if spec.holiday_policy == HolidayPolicy.MOVE:
            limit = min(day + timedelta(days=MOVE_WINDOW_DAYS + 1), spec.end_date + timedelta(days=1))
            if index + 1 < len(dates):
                limit = min(limit, dates[index + 1])
            target = _move_target(day, limit, spec, closures)
            if target is not None:
                occurrences.append(_occurrence(target, spec, zone, moved_from=day, reason=reason,
                                               holiday_name=name))
                continue
            reason = {HOLIDAY: HOLIDAY_NOT_MOVED, WEEKEND: WEEKEND_NOT_MOVED}.get(reason, CLOSED_NOT_MOVED)
        skipped.append(SkippedDate(day, reason, name))
    if not_before is not None:
        past = [o for o in occurrences if o.start < not_before]
        if past:
            occurrences = [o for o in occurrences if o.start >= not_before]
            skipped = sorted(skipped + [SkippedDate(o.local_date, PAST) for o in past],
                             key=lambda s: s.local_date)
    if len(occurrences) > max_dates or len(dates) > _RULE_DATE_CAP:
        raise RecurrenceError("too_many_dates", "rule", {"count": len(occurrences), "max": max_dates})
    if not occurrences:
        raise RecurrenceError("no_dates", "rule", {"skipped": len(skipped)})
    return SeriesPreview(occurrences=occurrences, skipped=skipped, rrule_text=rule_text)
