"""A series rule (RRULE text) described in words: "third Wednesday of the month", "tredje onsdag i
måneden". Pure: no Flask, no db. The words come from a gettext-like `translations` object (its
`gettext`/`ngettext`; flask_babel's `get_translations()` in the app), weekday names and dates from
Babel's locale data for `locale`.

Described: weekly (one or more weekdays), every N weeks, the Nth or last weekday of the month, a day
of the month (including "day 30, or the last day" as the form writes it), every N months, with a
COUNT or UNTIL. Anything else (a typed RRULE with BYMONTH, YEARLY, ...) returns None: callers then
show the raw RRULE (`describe_or_raw`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from babel.core import UnknownLocaleError
from babel.dates import format_date, get_day_names

from app.meetings.rrule_text import RecurrenceError, parse_rrule


class Translations(Protocol):
    def gettext(self, message: str) -> str: ...
    def ngettext(self, singular: str, plural: str, num: int) -> str: ...


class _English:
    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, num: int) -> str:
        return singular if num == 1 else plural


ENGLISH = _English()


def _nth_weekday(t: Translations, nth: int, weekday: str) -> str | None:
    texts = {
        1: t.gettext("first %(weekday)s of the month"),
        2: t.gettext("second %(weekday)s of the month"),
        3: t.gettext("third %(weekday)s of the month"),
        4: t.gettext("fourth %(weekday)s of the month"),
        5: t.gettext("fifth %(weekday)s of the month"),
        -1: t.gettext("last %(weekday)s of the month"),
        -2: t.gettext("second to last %(weekday)s of the month"),
    }
    text = texts.get(nth)
    return None if text is None else text % {"weekday": weekday}


def _join(t: Translations, items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return t.gettext("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _base(rule, t: Translations, locale: str) -> str | None:  # noqa: PLR0911 (one return per kind)
    days = get_day_names("wide", locale=locale)  # 0 = Monday
    if rule.bymonth or rule.byweekno or rule.byyearday:
        return None
    if rule.freq == "WEEKLY":
        if rule.bymonthday or rule.bysetpos or not rule.byday or any(n is not None for n, _ in rule.byday):
            return None
        names = _join(t, [days[day] for _, day in sorted(rule.byday, key=lambda item: item[1])])
        if rule.interval == 1:
            return t.gettext("every %(days)s") % {"days": names}
        return t.ngettext("every week on %(days)s", "every %(num)d weeks on %(days)s", rule.interval) % {
            "num": rule.interval, "days": names}
    if rule.freq != "MONTHLY":
        return None
    if rule.byday and not rule.bymonthday:
        if len(rule.byday) != 1:
            return None
        ordinal, day = rule.byday[0]
        if ordinal is None and len(rule.bysetpos) == 1:
            ordinal = rule.bysetpos[0]
        elif ordinal is None or rule.bysetpos:
            return None
        text = _nth_weekday(t, ordinal, days[day])
    elif rule.bymonthday and not rule.byday:
        monthdays = rule.bymonthday
        if monthdays == (-1,) and not rule.bysetpos:
            text = t.gettext("last day of the month")
        elif len(monthdays) == 1 and monthdays[0] > 0 and not rule.bysetpos:
            text = t.gettext("day %(day)d of the month") % {"day": monthdays[0]}
        elif rule.bysetpos == (-1,) and list(monthdays) == list(range(28, monthdays[-1] + 1)):
            # the form's "the 30th, or the last day" (BYMONTHDAY=28,29,30;BYSETPOS=-1)
            text = t.gettext("day %(day)d of the month, or the last day") % {"day": monthdays[-1]}
        else:
            return None
    else:
        return None
    if text is None:
        return None
    if rule.interval == 1:
        return text
    return t.ngettext("%(rule)s, every month", "%(rule)s, every %(num)d months", rule.interval) % {
        "rule": text, "num": rule.interval}


def describe_rule(
    rule_text: str | None, translations: Translations = ENGLISH, locale: str = "en"
) -> str | None:
    """The rule in words in `locale`, or None if it cannot be described (or is not a valid rule)."""
    try:
        rule = parse_rrule(rule_text)
    except (RecurrenceError, ValueError, TypeError):
        return None
    if rule.wkst not in (0,) and rule.interval > 1:  # a week starting on another day changes the meaning
        return None
    try:
        text = _base(rule, translations, locale)
    except (ValueError, LookupError, UnknownLocaleError):  # an unknown locale
        return None
    if text is None:
        return None
    t = translations
    if rule.count is not None:
        text = t.ngettext("%(rule)s, %(num)d time", "%(rule)s, %(num)d times", rule.count) % {
            "rule": text, "num": rule.count}
    elif rule.until is not None:
        until: Any = rule.until.date() if isinstance(rule.until, datetime) else rule.until
        if not isinstance(until, date):
            return None
        text = t.gettext("%(rule)s, until %(date)s") % {
            "rule": text, "date": format_date(until, "long", locale=locale)}
    return text


def describe_or_raw(rule_text: str | None, translations: Translations = ENGLISH, locale: str = "en") -> str:
    """`describe_rule`, or the raw rule text when it cannot be described."""
    return describe_rule(rule_text, translations, locale) or (rule_text or "")
