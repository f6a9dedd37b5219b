"""Meeting series expansion (app/meetings/recurrence.py): pure, no app.

Expected dates are computed independently: plain calendar arithmetic in this file, or python-dateutil's
own rrule/rrulestr called directly, never through the module under test.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du
from hypothesis import given, settings
from hypothesis import strategies as st

from app.meetings.recurrence import (
    CLOSED,
    CLOSED_NOT_MOVED,
    HOLIDAY,
    HOLIDAY_NOT_MOVED,
    LAST_DAY_OF_MONTH,
    SKIPPED_MONTH,
    WEEKEND,
    WEEKEND_NOT_MOVED,
    Frequency,
    HolidayPolicy,
    RecurrenceError,
    SeriesSpec,
    expand_series,
    local_datetime,
    parse_rrule,
    to_rrule_text,
    validate_spec,
)

CPH = ZoneInfo("Europe/Copenhagen")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
YEARS = (2026, 2027, 2028, 2029)


def spec(frequency=Frequency.WEEKLY, start=date(2027, 1, 1), end=date(2027, 12, 31), **kw) -> SeriesSpec:
    kw.setdefault("start_time", time(8, 30))
    kw.setdefault("end_time", time(10, 0))
    return SeriesSpec(frequency=frequency, start_date=start, end_date=end, **kw)


def dates(preview) -> list[date]:
    return [o.local_date for o in preview.occurrences]


def error_of(s: SeriesSpec, **kw) -> RecurrenceError:
    with pytest.raises(RecurrenceError) as info:
        expand_series(s, **kw)
    return info.value


# --- independent calendar arithmetic -----------------------------------------------------------

def nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    """The n-th (or last, n=-1) given weekday of a month, by plain arithmetic."""
    if n == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    return day if day.month == month else None


def months(start: date, end: date, every: int = 1):
    year, month, step = start.year, start.month, 0
    while (year, month) <= (end.year, end.month):
        if step % every == 0:
            yield year, month
        step += 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def in_range(days, start: date, end: date) -> list[date]:
    return sorted(d for d in days if d is not None and start <= d <= end)


def every_weekday(start: date, end: date, weekday: int, every: int = 1) -> list[date]:
    """Every `every` weeks on `weekday`, weeks counted from the Monday of start's week."""
    monday = start - timedelta(days=start.weekday())
    result, week = [], 0
    while monday + timedelta(weeks=week) <= end:
        day = monday + timedelta(weeks=week, days=weekday)
        if start <= day <= end:
            result.append(day)
        week += every
    return result


EASTER = {2026: date(2026, 4, 5), 2027: date(2027, 3, 28), 2028: date(2028, 4, 16), 2029: date(2029, 4, 1)}


def danish_public_holidays(year: int) -> dict[date, str]:
    """Hard-coded Danish public holidays (since Store bededag was abolished in 2024), Easter verified once."""
    easter = EASTER[year]
    return {
        date(year, 1, 1): "Nytårsdag",
        easter - timedelta(days=3): "Skærtorsdag",
        easter - timedelta(days=2): "Langfredag",
        easter: "Påskedag",
        easter + timedelta(days=1): "Anden påskedag",
        easter + timedelta(days=39): "Kristi himmelfartsdag",
        easter + timedelta(days=49): "Pinsedag",
        easter + timedelta(days=50): "Anden pinsedag",
        date(year, 12, 25): "Juledag",
        date(year, 12, 26): "Anden juledag",
    }


def test_hard_coded_easter_dates_are_sundays_and_ascension_2027_is_thursday_may_6():
    assert all(d.weekday() == SUN for d in EASTER.values())
    assert danish_public_holidays(2027)[date(2027, 5, 6)] == "Kristi himmelfartsdag"
    assert date(2027, 5, 6).weekday() == THU


# --- the example -----------------------------------------------------------------------

def test_third_wednesday_2027_without_july_and_danish_holidays():
    s = spec(Frequency.MONTHLY_NTH_WEEKDAY, nth=3, weekday=WED, doors_open=time(8, 0),
             skip_months=frozenset({7}), holiday_policy=HolidayPolicy.SKIP)
    preview = expand_series(s)
    third_wednesdays = [nth_weekday(2027, m, WED, 3) for m in range(1, 13)]
    assert third_wednesdays[0] == date(2027, 1, 20)
    assert dates(preview) == [d for d in third_wednesdays if d.month != 7]
    assert [(x.local_date, x.reason) for x in preview.skipped] == [(date(2027, 7, 21), SKIPPED_MONTH)]
    assert preview.rrule_text == "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3"
    for occurrence in preview.occurrences:
        assert (occurrence.start.time(), occurrence.end.time(), occurrence.doors_open.time()) == (
            time(8, 30), time(10, 0), time(8, 0))
        assert occurrence.start.tzinfo == CPH and occurrence.moved_from is None


# --- rules against independent dates, 2026-2029 -----------------------------------------------

@pytest.mark.parametrize("year", YEARS)
def test_weekly_matches_dateutil(year):
    s = spec(start=date(year, 1, 1), end=date(year, 12, 31), weekdays=frozenset({THU}))
    expected = [d.date() for d in du.rrule(du.WEEKLY, byweekday=du.TH, dtstart=datetime(year, 1, 1),
                                           until=datetime(year, 12, 31))]
    assert dates(expand_series(s)) == expected
    assert dates(expand_series(s)) == every_weekday(date(year, 1, 1), date(year, 12, 31), THU)


@pytest.mark.parametrize("start", [date(2026, 1, 7), date(2027, 3, 4), date(2028, 2, 29), date(2029, 12, 30)])
def test_every_two_weeks_on_tuesday_and_thursday(start):
    end = start + timedelta(days=700)
    s = spec(start=start, end=end, interval=2, weekdays=frozenset({TUE, THU}))
    expected = sorted(every_weekday(start, end, TUE, 2) + every_weekday(start, end, THU, 2))
    assert dates(expand_series(s)) == expected
    assert to_rrule_text(s) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=MO"


@pytest.mark.parametrize("nth", [1, 2, 3, 4, -1])
@pytest.mark.parametrize("weekday", [WED, FRI])
def test_monthly_nth_weekday_2026_to_2029(nth, weekday):
    start, end = date(2026, 1, 1), date(2029, 12, 31)
    preview = expand_series(spec(Frequency.MONTHLY_NTH_WEEKDAY, start, end, nth=nth, weekday=weekday))
    expected = in_range((nth_weekday(y, m, weekday, nth) for y, m in months(start, end)), start, end)
    assert dates(preview) == expected


def test_last_friday_every_second_month_from_march():
    start, end = date(2026, 3, 1), date(2029, 12, 31)
    preview = expand_series(spec(Frequency.MONTHLY_NTH_WEEKDAY, start, end, nth=-1, weekday=FRI, interval=2))
    assert dates(preview) == [nth_weekday(y, m, FRI, -1) for y, m in months(start, end, every=2)]
    assert dates(preview)[:3] == [date(2026, 3, 27), date(2026, 5, 29), date(2026, 7, 31)]
    assert preview.rrule_text == "FREQ=MONTHLY;INTERVAL=2;BYDAY=FR;BYSETPOS=-1"


def test_fifteenth_of_the_month():
    start, end = date(2026, 1, 16), date(2029, 12, 31)  # range starts after the 15th: January 2026 has none
    preview = expand_series(spec(Frequency.MONTHLY_DAY, start, end, month_day=15))
    assert dates(preview) == in_range((date(y, m, 15) for y, m in months(start, end)), start, end)
    assert dates(preview)[0] == date(2026, 2, 15)
    assert all(o.reason is None for o in preview.occurrences)


@pytest.mark.parametrize("day", [29, 30, 31])
def test_month_day_past_month_end_falls_on_last_day_of_month(day):
    start, end = date(2026, 1, 1), date(2029, 12, 31)
    preview = expand_series(spec(Frequency.MONTHLY_DAY, start, end, month_day=day))
    expected = [date(y, m, min(day, calendar.monthrange(y, m)[1])) for y, m in months(start, end)]
    assert dates(preview) == expected
    assert len(expected) == 48 and preview.skipped == []
    for occurrence in preview.occurrences:
        assert occurrence.reason == (None if occurrence.local_date.day == day else LAST_DAY_OF_MONTH)
    assert date(2028, 2, 29) in dates(preview) and date(2027, 2, 28) in dates(preview)
    # the RRULE text means the same to dateutil itself
    rule = du.rrulestr(preview.rrule_text, dtstart=datetime(2026, 1, 1))
    direct = rule.between(datetime(2026, 1, 1), datetime(2029, 12, 31), inc=True)
    assert [d.date() for d in direct] == expected


def test_friendly_rrule_text_is_what_dateutil_expands_the_same_way():
    cases = [
        (spec(weekdays=frozenset({MON, FRI})), "FREQ=WEEKLY;BYDAY=MO,FR"),
        (spec(Frequency.MONTHLY_NTH_WEEKDAY, nth=3, weekday=WED), "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3"),
        (spec(Frequency.MONTHLY_DAY, month_day=15, interval=3), "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15"),
        (spec(Frequency.MONTHLY_DAY, month_day=31), "FREQ=MONTHLY;BYMONTHDAY=-1"),
        (spec(Frequency.MONTHLY_DAY, month_day=29), "FREQ=MONTHLY;BYMONTHDAY=28,29;BYSETPOS=-1"),
    ]
    for s, text in cases:
        assert to_rrule_text(s) == text
        direct = du.rrulestr(text, dtstart=datetime(2027, 1, 1))
        assert dates(expand_series(s)) == [d.date() for d in direct.between(
            datetime(2027, 1, 1), datetime(2027, 12, 31), inc=True)]


HAND_TYPED = [
    "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3",
    "RRULE:FREQ=MONTHLY;BYDAY=3WE",
    "freq=monthly; byday=-1fr",
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,TH",
    "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    "FREQ=YEARLY;BYMONTH=3,9;BYDAY=1TU",
    "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1,15",
    "FREQ=DAILY;INTERVAL=10",
    "FREQ=YEARLY;BYWEEKNO=10,20,30;BYDAY=WE",
]


@pytest.mark.parametrize("text", HAND_TYPED)
@pytest.mark.parametrize("year", YEARS)
def test_hand_typed_rrule_matches_dateutil_rrulestr(text, year):
    start, end = date(year, 1, 10), date(year + 1, 2, 20)
    preview = expand_series(spec(Frequency.RRULE, start, end, rrule=text), max_dates=1000)
    direct = du.rrulestr(text.replace(" ", ""), dtstart=datetime(year, 1, 10))
    expected = [d.date() for d in direct.between(datetime(year, 1, 10), datetime(year + 1, 2, 20), inc=True)]
    assert expected and dates(preview) == expected


def test_hand_typed_monthday_31_follows_rfc_and_skips_short_months():
    preview = expand_series(spec(Frequency.RRULE, rrule="FREQ=MONTHLY;BYMONTHDAY=31"))
    assert dates(preview) == [date(2027, m, 31) for m in (1, 3, 5, 7, 8, 10, 12)]


# --- skipped months and holidays ---------------------------------------------------------------

def test_skipped_july_and_december():
    s = spec(weekdays=frozenset({WED}), skip_months=frozenset({7, 12}))
    preview = expand_series(s)
    wednesdays = every_weekday(date(2027, 1, 1), date(2027, 12, 31), WED)
    assert dates(preview) == [d for d in wednesdays if d.month not in (7, 12)]
    assert [x.local_date for x in preview.skipped] == [d for d in wednesdays if d.month in (7, 12)]
    assert {x.reason for x in preview.skipped} == {SKIPPED_MONTH}


def test_every_danish_public_holiday_2026_to_2029_is_skipped_with_its_name():
    start, end = date(2026, 1, 1), date(2029, 12, 31)
    s = spec(start=start, end=end, weekdays=frozenset(range(7)), holiday_policy=HolidayPolicy.SKIP)
    preview = expand_series(s, max_dates=2000)
    expected = {}
    for year in YEARS:
        expected.update(danish_public_holidays(year))
    assert {x.local_date: x.holiday_name for x in preview.skipped} == expected
    assert {x.reason for x in preview.skipped} == {HOLIDAY}
    assert len(preview.occurrences) == (end - start).days + 1 - len(expected)


@pytest.mark.parametrize("year", YEARS)
def test_ascension_and_whit_monday_per_year(year):
    easter = EASTER[year]
    s = spec(Frequency.RRULE, date(year, 1, 1), date(year, 12, 31), rrule="FREQ=WEEKLY;BYDAY=MO,TH",
             holiday_policy=HolidayPolicy.SKIP)
    skipped = {x.local_date: x.holiday_name for x in expand_series(s).skipped}
    assert skipped[easter + timedelta(days=39)] == "Kristi himmelfartsdag"
    assert skipped[easter + timedelta(days=50)] == "Anden pinsedag"
    assert skipped[easter + timedelta(days=1)] == "Anden påskedag"
    assert skipped[easter - timedelta(days=3)] == "Skærtorsdag"


def test_holidays_ignored_by_default_and_named_in_english_on_request():
    s = spec(weekdays=frozenset({THU}))
    assert date(2027, 5, 6) in dates(expand_series(s))
    english = expand_series(spec(weekdays=frozenset({THU}), holiday_policy=HolidayPolicy.SKIP,
                                 holiday_language="en_US"))
    assert {x.local_date: x.holiday_name for x in english.skipped}[date(2027, 5, 6)] == "Ascension Day"


def test_optional_danish_days_and_network_closed_days():
    s = spec(weekdays=frozenset({FRI}), holiday_policy=HolidayPolicy.SKIP)
    plain = {x.local_date for x in expand_series(s).skipped}
    assert date(2027, 12, 24) not in plain  # Christmas Eve is not a public holiday in the package
    both = spec(weekdays=frozenset({FRI}), holiday_policy=HolidayPolicy.SKIP,
                holiday_categories=frozenset({"public", "optional"}))
    named = {x.local_date: x.holiday_name for x in expand_series(both).skipped}
    assert named[date(2027, 12, 24)] == "Juleaftensdag" and named[date(2027, 12, 31)] == "Nytårsaften"
    closed = spec(weekdays=frozenset({FRI}), extra_closed_dates=frozenset({date(2027, 8, 13)}))
    preview = expand_series(closed)
    assert [(x.local_date, x.reason, x.holiday_name) for x in preview.skipped] == [
        (date(2027, 8, 13), CLOSED, None)]


def test_skipped_month_wins_over_holiday():
    s = spec(Frequency.RRULE, rrule="FREQ=MONTHLY;BYMONTH=5,11,12;BYMONTHDAY=6,25",
             skip_months=frozenset({12}), holiday_policy=HolidayPolicy.SKIP)
    preview = expand_series(s)
    assert dates(preview) == [date(2027, 5, 25), date(2027, 11, 6), date(2027, 11, 25)]
    assert [(x.local_date, x.reason, x.holiday_name) for x in preview.skipped] == [
        (date(2027, 5, 6), HOLIDAY, "Kristi himmelfartsdag"),
        (date(2027, 12, 6), SKIPPED_MONTH, None),
        (date(2027, 12, 25), SKIPPED_MONTH, None),
    ]


# --- MOVE policy -------------------------------------------------------------------------------

def test_move_to_next_working_day_that_is_no_holiday():
    s = spec(weekdays=frozenset({THU}), holiday_policy=HolidayPolicy.MOVE)
    preview = expand_series(s)
    moved = {o.moved_from: (o.local_date, o.reason, o.holiday_name)
             for o in preview.occurrences if o.moved_from}
    assert moved == {
        # Skærtorsdag: Good Friday, the weekend and Easter Monday are no working days
        date(2027, 3, 25): (date(2027, 3, 30), HOLIDAY, "Skærtorsdag"),
        date(2027, 5, 6): (date(2027, 5, 7), HOLIDAY, "Kristi himmelfartsdag"),
    }
    assert preview.skipped == []
    moved_occurrence = next(o for o in preview.occurrences if o.moved_from == date(2027, 5, 6))
    assert moved_occurrence.start == datetime(2027, 5, 7, 8, 30, tzinfo=CPH)
    assert len(preview.occurrences) == len(every_weekday(date(2027, 1, 1), date(2027, 12, 31), THU))


def test_move_never_reaches_the_next_meeting_a_skipped_month_or_the_range_end():
    # Easter Monday 2027-03-29: Tuesday is the next meeting already
    s = spec(weekdays=frozenset({MON, TUE}), holiday_policy=HolidayPolicy.MOVE)
    skipped = {x.local_date: (x.reason, x.holiday_name) for x in expand_series(s).skipped}
    assert skipped[date(2027, 3, 29)] == (HOLIDAY_NOT_MOVED, "Anden påskedag")
    # Monday and Wednesday: Easter Monday moves to Tuesday
    s = spec(weekdays=frozenset({MON, WED}), holiday_policy=HolidayPolicy.MOVE)
    moved = {o.moved_from: o.local_date for o in expand_series(s).occurrences if o.moved_from}
    assert moved[date(2027, 3, 29)] == date(2027, 3, 30)
    # a closed last Wednesday of June cannot move into a skipped July
    s = spec(weekdays=frozenset({WED}), holiday_policy=HolidayPolicy.MOVE, skip_months=frozenset({7}),
             extra_closed_dates=frozenset({date(2027, 6, 30), date(2027, 9, 1)}))
    preview = expand_series(s)
    assert (date(2027, 6, 30), CLOSED_NOT_MOVED, None) in [
        (x.local_date, x.reason, x.holiday_name) for x in preview.skipped]
    assert [(o.moved_from, o.local_date, o.reason) for o in preview.occurrences if o.moved_from] == [
        (date(2027, 9, 1), date(2027, 9, 2), CLOSED)]
    # the range ends on the closed day
    s = spec(weekdays=frozenset({WED}), end=date(2027, 9, 1), holiday_policy=HolidayPolicy.MOVE,
             extra_closed_dates=frozenset({date(2027, 9, 1)}))
    assert expand_series(s).skipped[-1].reason == CLOSED_NOT_MOVED


# --- daylight saving time ----------------------------------------------------------------------

def test_0830_stays_0830_local_across_dst():
    preview = expand_series(spec(weekdays=frozenset({WED}), doors_open=time(8, 0)))
    by_day = {o.local_date: o for o in preview.occurrences}
    cases = {
        date(2027, 1, 13): timedelta(hours=1),
        date(2027, 3, 24): timedelta(hours=1),  # before the last Sunday of March (28th)
        date(2027, 3, 31): timedelta(hours=2),
        date(2027, 4, 14): timedelta(hours=2),
        date(2027, 10, 27): timedelta(hours=2),  # before the last Sunday of October (31st)
        date(2027, 11, 3): timedelta(hours=1),
        date(2027, 11, 24): timedelta(hours=1),
    }
    for day, offset in cases.items():
        occurrence = by_day[day]
        assert occurrence.start.utcoffset() == offset
        assert occurrence.start.timetz().replace(tzinfo=None) == time(8, 30)
        assert occurrence.start.astimezone(UTC).time() == (datetime(2000, 1, 1, 8, 30) - offset).time()
        assert occurrence.end - occurrence.start == timedelta(minutes=90)
        assert occurrence.start - occurrence.doors_open == timedelta(minutes=30)


def test_spring_gap_moves_forward_and_autumn_fold_takes_summer_time():
    gap = local_datetime(date(2027, 3, 28), time(2, 30), CPH)
    assert gap.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert (gap.hour, gap.minute, gap.utcoffset()) == (3, 30, timedelta(hours=2))
    fold = local_datetime(date(2027, 10, 31), time(2, 30), CPH)
    assert fold.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert (fold.hour, fold.minute, fold.fold) == (2, 30, 0)
    # a Sunday-night series over the spring gap keeps doors_open <= start < end
    s = spec(Frequency.RRULE, date(2027, 3, 21), date(2027, 4, 4), rrule="FREQ=WEEKLY;BYDAY=SU",
             start_time=time(2, 30), end_time=time(3, 0), doors_open=time(2, 10))
    occurrences = {o.local_date: o for o in expand_series(s).occurrences}
    gap_day = occurrences[date(2027, 3, 28)]
    assert gap_day.start == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert gap_day.end == gap_day.start + timedelta(minutes=30)
    assert gap_day.doors_open <= gap_day.start
    assert occurrences[date(2027, 3, 21)].start.utcoffset() == timedelta(hours=1)
    assert occurrences[date(2027, 4, 4)].start.timetz().replace(tzinfo=None) == time(2, 30)


# --- limits and validation ---------------------------------------------------------------------

def test_more_than_max_dates_is_an_error_and_exactly_max_is_fine():
    start, end = date(2026, 1, 1), date(2029, 12, 31)
    count = len(every_weekday(start, end, WED))
    assert count == 208
    wednesdays = spec(start=start, end=end, weekdays=frozenset({WED}))
    err = error_of(wednesdays)
    assert (err.code, err.field, err.params) == ("too_many_dates", "rule", {"count": 208, "max": 200})
    assert len(expand_series(wednesdays, max_dates=208).occurrences) == 208
    assert error_of(wednesdays, max_dates=207).params == {"count": 208, "max": 207}
    # skipped dates do not count: 208 Wednesdays less those in January to March
    quarter_off = spec(start=start, end=end, weekdays=frozenset({WED}), skip_months=frozenset({1, 2, 3}))
    kept = [d for d in every_weekday(start, end, WED) if d.month > 3]
    assert len(kept) <= 200 and dates(expand_series(quarter_off)) == kept
    assert error_of(spec(Frequency.RRULE, start, end, rrule="FREQ=DAILY")).code == "too_many_dates"
    huge = spec(Frequency.RRULE, date(2026, 1, 1), date(2999, 12, 31), rrule="FREQ=DAILY")
    assert error_of(huge).code == "too_many_dates"


def test_no_dates_in_range():
    err = error_of(spec(start=date(2027, 1, 7), end=date(2027, 1, 11), weekdays=frozenset({WED})))
    assert (err.code, err.field, err.params) == ("no_dates", "rule", {"skipped": 0})
    err = error_of(spec(end=date(2027, 1, 31), weekdays=frozenset({WED}), skip_months=frozenset({1})))
    assert (err.code, err.params) == ("no_dates", {"skipped": 4})


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"end": date(2026, 12, 31)}, "end_before_start", "end_date"),
    ({"end_time": time(8, 30)}, "end_not_after_start", "end_time"),
    ({"end_time": time(8, 0)}, "end_not_after_start", "end_time"),
    ({"doors_open": time(8, 45)}, "doors_after_start", "doors_open"),
    ({"timezone": "Europe/Kobenhavn"}, "unknown_timezone", "timezone"),
    ({"timezone": "../etc/passwd"}, "unknown_timezone", "timezone"),
    ({"interval": 0}, "interval_too_small", "interval"),
    ({"weekdays": frozenset()}, "weekdays_required", "weekdays"),
    ({"weekdays": frozenset({7})}, "invalid_weekday", "weekdays"),
    ({"skip_months": frozenset({13})}, "invalid_month", "skip_months"),
    ({"start_time": time(8, 30, tzinfo=UTC)}, "invalid_time", "start_time"),
    ({"start": datetime(2027, 1, 1, 8, 0)}, "invalid_date", "start_date"),
    ({"holiday_policy": HolidayPolicy.SKIP, "holiday_country": "XX"}, "unknown_country", "holiday_country"),
    ({"holiday_policy": HolidayPolicy.SKIP, "holiday_subdivision": "ZZ"}, "unknown_subdivision",
     "holiday_subdivision"),
    ({"holiday_policy": HolidayPolicy.SKIP, "holiday_categories": frozenset({"bank"})}, "unknown_category",
     "holiday_categories"),
    ({"holiday_policy": HolidayPolicy.SKIP, "holiday_language": "xx"}, "unknown_language",
     "holiday_language"),
])
def test_validation_errors(changes, code, field):
    base = {"weekdays": frozenset({WED})}
    base.update(changes)
    err = error_of(spec(**base))
    assert (err.code, err.field) == (code, field)
    assert any((e.code, e.field) == (code, field) for e in validate_spec(spec(**base)))


@pytest.mark.parametrize(("kind", "changes", "code", "field"), [
    (Frequency.MONTHLY_NTH_WEEKDAY, {"nth": 5, "weekday": WED}, "nth_out_of_range", "nth"),
    (Frequency.MONTHLY_NTH_WEEKDAY, {"nth": 0, "weekday": WED}, "nth_out_of_range", "nth"),
    (Frequency.MONTHLY_NTH_WEEKDAY, {"nth": 2, "weekday": None}, "invalid_weekday", "weekday"),
    (Frequency.MONTHLY_DAY, {"month_day": 32}, "month_day_out_of_range", "month_day"),
    (Frequency.MONTHLY_DAY, {"month_day": 0}, "month_day_out_of_range", "month_day"),
    (Frequency.MONTHLY_DAY, {"month_day": 15, "interval": -1}, "interval_too_small", "interval"),
    (Frequency.RRULE, {"rrule": ""}, "rule_required", "rule"),
])
def test_frequency_specific_validation(kind, changes, code, field):
    err = error_of(spec(kind, **changes))
    assert (err.code, err.field) == (code, field)
    with pytest.raises(RecurrenceError):
        to_rrule_text(spec(kind, **changes))


def test_validate_spec_reports_every_problem_at_once():
    s = spec(end=date(2026, 1, 1), end_time=time(8, 0), timezone="Nowhere/City", weekdays=frozenset())
    assert {(e.code, e.field) for e in validate_spec(s)} == {
        ("end_before_start", "end_date"), ("end_not_after_start", "end_time"),
        ("unknown_timezone", "timezone"), ("weekdays_required", "weekdays")}
    assert validate_spec(spec(weekdays=frozenset({WED}))) == []


def test_holiday_settings_are_not_checked_when_holidays_are_ignored():
    s = spec(weekdays=frozenset({WED}), holiday_country="XX")
    assert len(expand_series(s).occurrences) == 52


# --- RRULE parsing -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "canonical"), [
    ("FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3", "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3"),
    ("RRULE:FREQ=MONTHLY;BYDAY=3WE", "FREQ=MONTHLY;BYDAY=3WE"),
    ("  rrule:byday=we ; freq=weekly;interval=2; ", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"),
    ("FREQ=YEARLY;WKST=SU;BYMONTH=1,2;COUNT=3", "FREQ=YEARLY;COUNT=3;BYMONTH=1,2;WKST=SU"),
])
def test_parse_rrule_accepts_and_canonicalises(text, canonical):
    assert parse_rrule(text).text == canonical


def test_parse_rrule_values():
    rule = parse_rrule("FREQ=MONTHLY;BYDAY=-1FR,2MO;UNTIL=20271231T073000Z")
    assert rule.byday == ((-1, FRI), (2, MON))
    assert rule.until == datetime(2027, 12, 31, 7, 30, tzinfo=UTC)
    assert parse_rrule("FREQ=DAILY;UNTIL=20270105").until == date(2027, 1, 5)


@pytest.mark.parametrize(("text", "code", "params"), [
    (None, "rule_required", {}),
    ("   ", "rule_required", {}),
    ("DTSTART:20270101T083000\nRRULE:FREQ=WEEKLY", "multiline", {}),
    ("RRULE:FREQ=WEEKLY\r\nEXDATE:20270106", "multiline", {}),
    ("DTSTART:20270101T083000", "unsupported_property", {"name": "DTSTART"}),
    ("EXDATE:20270106", "unsupported_property", {"name": "EXDATE"}),
    ("FREQ=WEEKLY;DTSTART=20270101", "unsupported_part", {"part": "DTSTART"}),
    ("FREQ=DAILY;BYHOUR=8", "unsupported_part", {"part": "BYHOUR"}),
    ("FREQ=DAILY;BYMINUTE=30", "unsupported_part", {"part": "BYMINUTE"}),
    ("FREQ=YEARLY;BYEASTER=0", "unsupported_part", {"part": "BYEASTER"}),
    ("FREQ=HOURLY", "unsupported_freq", {"freq": "HOURLY"}),
    ("FREQ=MINUTELY", "unsupported_freq", {"freq": "MINUTELY"}),
    ("FREQ=SECONDLY", "unsupported_freq", {"freq": "SECONDLY"}),
    ("FREQ=FORTNIGHTLY", "invalid_value", {"part": "FREQ", "value": "FORTNIGHTLY"}),
    ("BYDAY=WE", "freq_required", {}),
    ("FREQ=WEEKLY;FREQ=DAILY", "duplicate_part", {"part": "FREQ"}),
    ("FREQ=WEEKLY;BYDAY", "invalid_part", {"part": "BYDAY"}),
    ("FREQ=WEEKLY;COUNT=3;UNTIL=20270301", "count_and_until", {}),
    ("FREQ=WEEKLY;INTERVAL=0", "invalid_value", {"part": "INTERVAL", "value": "0"}),
    ("FREQ=WEEKLY;COUNT=-2", "invalid_value", {"part": "COUNT", "value": "-2"}),
    ("FREQ=WEEKLY;BYDAY=XX", "invalid_value", {"part": "BYDAY", "value": "XX"}),
    ("FREQ=MONTHLY;BYDAY=0WE", "invalid_value", {"part": "BYDAY", "value": "0WE"}),
    ("FREQ=MONTHLY;BYMONTHDAY=32", "invalid_value", {"part": "BYMONTHDAY", "value": "32"}),
    ("FREQ=YEARLY;BYMONTH=13", "invalid_value", {"part": "BYMONTH", "value": "13"}),
    ("FREQ=WEEKLY;UNTIL=20270230", "invalid_value", {"part": "UNTIL", "value": "20270230"}),
    ("FREQ=WEEKLY;WKST=XY", "invalid_value", {"part": "WKST", "value": "XY"}),
    ("FREQ=WEEKLY;BYDAY=3WE", "invalid_combination", {"part": "BYDAY", "freq": "WEEKLY"}),
    ("FREQ=WEEKLY;BYMONTHDAY=3", "invalid_combination", {"part": "BYMONTHDAY", "freq": "WEEKLY"}),
    ("FREQ=MONTHLY;BYWEEKNO=3", "invalid_combination", {"part": "BYWEEKNO", "freq": "MONTHLY"}),
    ("FREQ=MONTHLY;BYYEARDAY=3", "invalid_combination", {"part": "BYYEARDAY", "freq": "MONTHLY"}),
    ("FREQ=MONTHLY;BYSETPOS=3", "invalid_combination", {"part": "BYSETPOS", "freq": "MONTHLY"}),
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "never_matches", {}),
    ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=40", "never_matches", {}),
    ("FREQ=WEEKLY;" + "BYDAY=MO;" * 100, "rule_too_long", {"max": 500}),
    # Values icalendar's vRecur parses but we refuse on top (issue 7: vRecur replaced hand parsing)
    ("FREQ=YEARLY;BYMONTH=5L", "invalid_value", {"part": "BYMONTH", "value": "5L"}),
    ("FREQ=WEEKLY;INTERVAL=\u0663", "invalid_value", {"part": "INTERVAL", "value": "\u0663"}),
    ("FREQ=WEEKLY;INTERVAL=10000", "invalid_value", {"part": "INTERVAL", "value": "10000"}),
    ("FREQ=WEEKLY;COUNT=1,2", "invalid_value", {"part": "COUNT", "value": "1,2"}),
    ("FREQ=WEEKLY;UNTIL=20270101,20270202", "invalid_value", {"part": "UNTIL", "value": "20270101,20270202"}),
    ("FREQ=WEEKLY;WKST=1MO", "invalid_value", {"part": "WKST", "value": "1MO"}),
    ("FREQ=MONTHLY;BYDAY=MO,", "invalid_value", {"part": "BYDAY", "value": "MO,"}),
])
def test_parse_rrule_rejects(text, code, params):
    with pytest.raises(RecurrenceError) as info:
        parse_rrule(text)
    assert (info.value.code, info.value.field, info.value.params) == (code, "rule", params)


def test_count_and_until_against_the_range():
    wednesdays_2027 = every_weekday(date(2027, 1, 1), date(2027, 12, 31), WED)
    preview = expand_series(spec(Frequency.RRULE, rrule="FREQ=WEEKLY;BYDAY=WE;COUNT=5"))
    assert dates(preview) == wednesdays_2027[:5]
    # COUNT counts skipped dates too (as EXDATE does)
    preview = expand_series(spec(Frequency.RRULE, rrule="FREQ=WEEKLY;BYDAY=WE;COUNT=5",
                                 skip_months=frozenset({1})))
    assert dates(preview) == [date(2027, 2, 3)] and len(preview.skipped) == 4
    err = error_of(spec(Frequency.RRULE, rrule="FREQ=WEEKLY;BYDAY=WE;COUNT=60"))
    assert (err.code, err.params) == ("count_exceeds_range", {"count": 60, "in_range": len(wednesdays_2027)})
    preview = expand_series(spec(Frequency.RRULE, rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20270331"))
    assert dates(preview) == [d for d in wednesdays_2027 if d <= date(2027, 3, 31)]
    err = error_of(spec(Frequency.RRULE, rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20280101"))
    assert (err.code, err.params) == ("until_after_end_date", {"until": "2028-01-01"})
    err = error_of(spec(Frequency.RRULE, start=date(2027, 6, 1), rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20270301"))
    assert err.code == "until_before_start_date"
    # a UTC UNTIL is a moment: 08:30 CET on 3 March 2027 is 07:30 UTC
    upto = expand_series(spec(Frequency.RRULE, rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20270303T073000Z"))
    assert dates(upto)[-1] == date(2027, 3, 3)
    before = expand_series(spec(Frequency.RRULE, rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20270303T072959Z"))
    assert dates(before)[-1] == date(2027, 2, 24)
    floating = expand_series(spec(Frequency.RRULE, rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20270303T083000"))
    assert dates(floating)[-1] == date(2027, 3, 3)


def test_rrule_spec_errors_carry_the_rule_field():
    err = error_of(spec(Frequency.RRULE, rrule="FREQ=HOURLY;BYHOUR=8"))
    assert (err.field, err.code) == ("rule", "unsupported_part")
    assert str(err) == "rule: unsupported_part {'part': 'BYHOUR'}"


# --- property: expansion == dateutil rrule minus skipped months -------------------------------

_WEEKDAYS = (du.MO, du.TU, du.WE, du.TH, du.FR, du.SA, du.SU)


@st.composite
def friendly_rules(draw):
    start = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31)))
    end = start + timedelta(days=draw(st.integers(min_value=0, max_value=3 * 366)))
    interval = draw(st.integers(min_value=1, max_value=4))
    kind = draw(st.sampled_from([Frequency.WEEKLY, Frequency.MONTHLY_NTH_WEEKDAY, Frequency.MONTHLY_DAY]))
    common = {"dtstart": datetime.combine(start, time()), "until": datetime.combine(end, time()),
              "interval": interval, "wkst": du.MO}
    if kind == Frequency.WEEKLY:
        days = draw(st.frozensets(st.integers(min_value=0, max_value=6), min_size=1))
        options = {"weekdays": days}
        direct = du.rrule(du.WEEKLY, byweekday=[_WEEKDAYS[d] for d in days], **common)
    elif kind == Frequency.MONTHLY_NTH_WEEKDAY:
        nth, weekday = draw(st.sampled_from([1, 2, 3, 4, -1])), draw(st.integers(min_value=0, max_value=6))
        options = {"nth": nth, "weekday": weekday}
        direct = du.rrule(du.MONTHLY, byweekday=_WEEKDAYS[weekday](nth), **common)
    else:
        day = draw(st.integers(min_value=1, max_value=28))
        options = {"month_day": day}
        direct = du.rrule(du.MONTHLY, bymonthday=day, **common)
    skip = draw(st.frozensets(st.integers(min_value=1, max_value=12), max_size=4))
    s = SeriesSpec(frequency=kind, start_date=start, end_date=end, start_time=time(8, 30), end_time=time(10),
                   interval=interval, skip_months=skip, **options)
    return s, [d.date() for d in direct if d.month not in skip]


@settings(max_examples=150, deadline=None, database=None)
@given(friendly_rules())
def test_expansion_equals_dateutil_minus_skipped_months(case):
    s, expected = case
    if not expected:
        with pytest.raises(RecurrenceError) as info:
            expand_series(s, max_dates=10_000)
        assert info.value.code == "no_dates"
        return
    preview = expand_series(s, max_dates=10_000)
    assert dates(preview) == expected
    assert all(o.start.timetz().replace(tzinfo=None) == time(8, 30) for o in preview.occurrences)
    assert {x.local_date for x in preview.skipped}.isdisjoint(expected)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Europe/Copenhagen", True),
        ("UTC", True),
        ("America/Argentina/Buenos_Aires", True),
        ("posix/Europe/Copenhagen", False),  # a file ZoneInfo opens, not a zone name
        ("right/UTC", False),
        ("posixrules", False),
        ("Europe/Kobenhavn", False),
        ("../etc/passwd", False),
        ("", False),
        (None, False),
    ],
)
def test_one_time_zone_check_for_meetings_series_groups_and_settings(name, valid):
    """Issue 7: three checks (a ZoneInfo try for meetings, two tz-name lists) became one, so a zone
    a group may not have is not accepted for its meetings either."""
    from app import i18n
    from app.meetings import validation, zones

    assert zones.is_valid_timezone(name) is valid
    assert i18n.is_valid_timezone is zones.is_valid_timezone  # groups and the network settings
    assert (validation.zone_or_none(name) is not None) is valid  # meetings
    codes = {e.code for e in validate_spec(spec(timezone=name if isinstance(name, str) else ""))}
    assert ("unknown_timezone" not in codes) is valid  # series


# --- weekends follow the holiday policy for "day N of the month" -----------------------------------

def test_monthly_day_1_moves_weekends_and_holidays_to_the_next_working_day_2027():
    preview = expand_series(spec(Frequency.MONTHLY_DAY, month_day=1, holiday_policy=HolidayPolicy.MOVE))
    by_rule_date = {o.moved_from or o.local_date: o for o in preview.occurrences}
    assert all(o.local_date.weekday() < 5 for o in preview.occurrences)
    assert by_rule_date[date(2027, 1, 1)].local_date == date(2027, 1, 4)  # New Year (Fri) -> Mon 4th
    assert by_rule_date[date(2027, 1, 1)].reason == HOLIDAY
    saturday = by_rule_date[date(2027, 5, 1)]
    assert (saturday.local_date, saturday.reason) == (date(2027, 5, 3), WEEKEND)
    sunday = by_rule_date[date(2027, 8, 1)]
    assert (sunday.local_date, sunday.reason) == (date(2027, 8, 2), WEEKEND)
    assert by_rule_date[date(2027, 2, 1)].moved_from is None


def test_monthly_day_weekend_move_skips_holidays_too():
    # Saturday 27 March 2027 -> Monday 29 March is Easter Monday -> Tuesday 30 March.
    preview = expand_series(spec(Frequency.MONTHLY_DAY, month_day=27, holiday_policy=HolidayPolicy.MOVE,
                                 start=date(2027, 3, 1), end=date(2027, 3, 31)))
    [moved] = preview.occurrences
    assert (moved.local_date, moved.moved_from) == (date(2027, 3, 30), date(2027, 3, 27))
    assert moved.reason == WEEKEND


def test_monthly_day_skip_policy_skips_weekends_with_the_reason():
    preview = expand_series(spec(Frequency.MONTHLY_DAY, month_day=1, holiday_policy=HolidayPolicy.SKIP))
    skipped = {s.local_date: s.reason for s in preview.skipped}
    assert skipped[date(2027, 5, 1)] == WEEKEND
    assert skipped[date(2027, 8, 1)] == WEEKEND
    assert skipped[date(2027, 1, 1)] == HOLIDAY
    assert all(o.local_date.weekday() < 5 for o in preview.occurrences)


def test_monthly_day_weekend_without_room_to_move_is_skipped_with_the_reason():
    preview = expand_series(spec(Frequency.MONTHLY_DAY, month_day=1, holiday_policy=HolidayPolicy.MOVE,
                                 start=date(2027, 4, 1), end=date(2027, 5, 1)))
    assert [(s.local_date, s.reason) for s in preview.skipped] == [(date(2027, 5, 1), WEEKEND_NOT_MOVED)]


def test_ignore_policy_keeps_weekend_month_days():
    preview = expand_series(spec(Frequency.MONTHLY_DAY, month_day=1, holiday_policy=HolidayPolicy.IGNORE))
    assert date(2027, 5, 1) in dates(preview)


@pytest.mark.parametrize("policy", [HolidayPolicy.SKIP, HolidayPolicy.MOVE])
def test_rules_that_ask_for_saturdays_are_not_moved(policy):
    weekly = expand_series(spec(Frequency.WEEKLY, weekdays=frozenset({SAT}), holiday_policy=policy))
    nth = expand_series(spec(Frequency.MONTHLY_NTH_WEEKDAY, nth=1, weekday=SUN, holiday_policy=policy))
    typed = expand_series(spec(Frequency.RRULE, rrule="FREQ=WEEKLY;BYDAY=SA", holiday_policy=policy))
    for preview in (weekly, nth, typed):
        # Only holidays (Christmas Day 2027 is a Saturday) move or drop; weekends never do.
        assert len(preview.occurrences) >= 11
        assert all(o.moved_from is None or o.reason == HOLIDAY for o in preview.occurrences)
        assert not {WEEKEND, WEEKEND_NOT_MOVED} & {s.reason for s in preview.skipped}
