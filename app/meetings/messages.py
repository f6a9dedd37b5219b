"""Translated messages for the recurrence module's error and reason codes."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.meetings import recurrence
from app.meetings.recurrence import RecurrenceError

RECURRENCE_MESSAGES = {
    "invalid_frequency": _l("Please choose how the meetings repeat."),
    "interval_too_small": _l("Please enter a number of at least %(min)s."),
    "weekdays_required": _l("Please choose a weekday."),
    "invalid_weekday": _l("Please choose a weekday."),
    "nth_out_of_range": _l("Please choose first, second, third, fourth or last."),
    "month_day_out_of_range": _l("Please enter a day between %(min)s and %(max)s."),
    "invalid_date": _l("Please enter a valid date (YYYY-MM-DD)."),
    "end_before_start": _l("The end date must not be before the start date."),
    "invalid_time": _l("Please enter a valid time (HH:MM)."),
    "end_not_after_start": _l("The meeting must end after it starts."),
    "doors_after_start": _l("Doors must open before the meeting starts."),
    "unknown_timezone": _l("Unknown time zone: %(timezone)s"),
    "invalid_month": _l("Please choose months from the list."),
    "categories_required": _l("Please choose which holidays count."),
    "unknown_country": _l("No public holidays are known for the country %(country)s."),
    "unknown_subdivision": _l("Unknown region: %(subdivision)s"),
    "unknown_category": _l("Unknown holiday category."),
    "unknown_language": _l("Unknown holiday language."),
    "count_exceeds_range": _l("COUNT=%(count)s goes beyond the end date (only %(in_range)s dates fit)."),
    "until_after_end_date": _l("UNTIL (%(until)s) is after the end date."),
    "until_before_start_date": _l("UNTIL (%(until)s) is before the start date."),
    "too_many_dates": _l("This gives %(count)s meetings; at most %(max)s can be created at a time."),
    "no_dates": _l("The rule gives no meetings in this date range."),
    "count_and_until": _l("A rule cannot have both COUNT and UNTIL."),
    "duplicate_part": _l("%(part)s appears more than once in the rule."),
    "freq_required": _l("The rule needs FREQ (e.g. FREQ=WEEKLY)."),
    "invalid_combination": _l("%(part)s cannot be used with FREQ=%(freq)s."),
    "invalid_part": _l("Cannot read this part of the rule: %(part)s"),
    "invalid_value": _l("%(part)s has an invalid value: %(value)s"),
    "multiline": _l("Please enter the rule on one line."),
    "never_matches": _l("This rule never gives a date."),
    "rule_required": _l("Please enter a rule."),
    "rule_too_long": _l("The rule is too long (at most %(max)s characters)."),
    "unsupported_freq": _l("FREQ=%(freq)s is not supported; use DAILY, WEEKLY, MONTHLY or YEARLY."),
    "unsupported_part": _l("%(part)s is not supported here."),
    "unsupported_property": _l("Only the rule itself is accepted, not %(name)s."),
}

# Reasons a date is skipped or moved (SkippedDate.reason / Occurrence.reason).
REASON_LABELS = {
    recurrence.SKIPPED_MONTH: _l("No meetings this month"),
    recurrence.HOLIDAY: _l("Public holiday"),
    recurrence.CLOSED: _l("Closed day"),
    recurrence.HOLIDAY_NOT_MOVED: _l("Public holiday; no free working day to move to"),
    recurrence.CLOSED_NOT_MOVED: _l("Closed day; no free working day to move to"),
    recurrence.LAST_DAY_OF_MONTH: _l("The month is shorter: last day of the month"),
    recurrence.WEEKEND: _l("Weekend"),
    recurrence.WEEKEND_NOT_MOVED: _l("Weekend; no free working day to move to"),
    recurrence.PAST: _l("In the past"),
}


def recurrence_message(error: RecurrenceError) -> str:
    template = RECURRENCE_MESSAGES.get(error.code)
    if template is None:
        return _("The series cannot be created: %(code)s", code=error.code)
    params = {
        k: (", ".join(str(x) for x in v) if isinstance(v, list | tuple) else v)
        for k, v in error.params.items()
    }
    try:
        return str(template) % params if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template).split("%(")[0].strip()


def reason_label(reason: str | None) -> str:
    return str(REASON_LABELS.get(reason, reason or ""))
