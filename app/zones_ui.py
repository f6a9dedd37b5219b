"""Words for people instead of technical ids: time zones, countries and series rules, named in the
reader's language. The stored values stay as they are (an IANA zone id, a two-letter country code,
the RRULE text); only what is shown changes.

- `timezone_choices(locale, current)`: the time-zone chooser's options, common zones first
  (København, the other Nordic and European capitals), then all others by name; labels from Babel
  ("København (Centraleuropæisk tid)").
- `zone_label(zone, locale)`: one zone's name in text ("Times are in København").
- `country_choices(locale, current)`: the countries the `holidays` package supports, named in the
  reader's language (Babel's territory names), sorted by name.
- Template filters `zone_name` and `rule_words` (the reader's locale; see app/meetings/rule_text.py).
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import get_timezone_location, get_timezone_name

from app.meetings.rule_text import describe_or_raw
from app.meetings.zones import is_valid_timezone

COMMON_ZONES = (
    "Europe/Copenhagen", "Atlantic/Faroe", "America/Nuuk", "Europe/Stockholm", "Europe/Oslo",
    "Europe/Helsinki", "Atlantic/Reykjavik", "Europe/Berlin", "Europe/Amsterdam", "Europe/Brussels",
    "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Madrid", "Europe/Lisbon", "Europe/Rome",
    "Europe/Vienna", "Europe/Zurich", "Europe/Prague", "Europe/Warsaw", "Europe/Tallinn", "Europe/Riga",
    "Europe/Vilnius", "Europe/Athens", "UTC",
)
_SKIP_PREFIXES = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/")


def _locale_name(locale: object) -> str:
    try:
        return str(Locale.parse(str(locale)))
    except (ValueError, TypeError):
        return "en"


@cache
def zone_label(zone: str, locale: str = "en") -> str:
    """A zone's name for people: "København (Centraleuropæisk tid)"; "UTC" stays "UTC"."""
    if zone == "UTC" or not is_valid_timezone(zone):
        return zone
    try:
        city = get_timezone_location(zone, locale=_locale_name(locale), return_city=True)
        name = get_timezone_name(zone, "long", locale=_locale_name(locale))
    except (LookupError, ValueError, UnknownLocaleError):
        return zone
    return f"{city} ({name})" if name and name != city else city


@cache
def zone_city(zone: str, locale: str = "en") -> str:
    """A zone's short name in text: "København"."""
    if zone == "UTC" or not is_valid_timezone(zone):
        return zone
    try:
        return get_timezone_location(zone, locale=_locale_name(locale), return_city=True)
    except (LookupError, ValueError, UnknownLocaleError):
        return zone


@cache
def _other_zones() -> tuple[str, ...]:
    from app.meetings.zones import _zone_names

    return tuple(sorted(zone for zone in _zone_names()
                        if "/" in zone and not zone.startswith(_SKIP_PREFIXES) and zone not in COMMON_ZONES))


@cache
def _timezone_choices(locale: str) -> tuple:
    common = [(zone, zone_label(zone, locale)) for zone in COMMON_ZONES if is_valid_timezone(zone)]
    others = sorted(((zone, zone_label(zone, locale)) for zone in _other_zones()),
                    key=lambda item: item[1].casefold())
    return tuple(common), tuple(others)


def timezone_choices(locale: object, current: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """Grouped options for a WTForms SelectField: {group label: [(zone id, label)]}. The current value
    is always among them (even an old alias such as "US/Eastern")."""
    from flask_babel import gettext as _

    common, others = _timezone_choices(_locale_name(locale))
    other_list = list(others)
    if current and current not in {zone for zone, _label in common + others}:
        other_list.insert(0, (current, zone_label(current, _locale_name(locale))))
    return {_("Common time zones"): list(common), _("All time zones"): other_list}


@cache
def _country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    import holidays

    names = Locale.parse(locale).territories
    codes = [code for code in holidays.list_supported_countries() if len(code) == 2]
    return tuple(sorted(((code, names.get(code, code)) for code in codes),
                        key=lambda item: item[1].casefold()))


def country_choices(locale: object, current: str | None = None) -> list[tuple[str, str]]:
    """(code, name in the reader's language) for every country `holidays` knows, sorted by name."""
    choices = list(_country_choices(_locale_name(locale)))
    if current and current not in {code for code, _name in choices}:
        choices.insert(0, (current, current))
    return choices


def country_name(code: str | None, locale: object) -> str:
    if not code:
        return ""
    return Locale.parse(_locale_name(locale)).territories.get(code.upper(), code)


# --- template filters (the reader's locale) ---------------------------------------------------------

def zone_name_filter(zone: str | None) -> str:
    from flask_babel import get_locale

    return zone_city(zone or "", _locale_name(get_locale())) if zone else ""


def rule_words_filter(rule: str | None) -> str:
    from flask_babel import get_locale, get_translations

    return describe_or_raw(rule, get_translations(), _locale_name(get_locale()))


FILTERS = {"zone_name": zone_name_filter, "rule_words": rule_words_filter}
