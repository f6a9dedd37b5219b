"""How the organizer sets the tables: read and check the settings, and turn them into the exact
number of people at each table for a given number of people.

The settings come as plain data from the web form and the API alike (one validation path):

- exactly one of `tables` (how many tables), `table_size` ("tables of 5") or `table_sizes` (a list
  of table sizes, "6,6,5,5", or a JSON list of whole numbers): how the room is set;
- `rounds`: 1 to `MAX_ROUNDS` (people change tables between rounds);
- `hosts`: seat a well-connected member at each table that has a newcomer or a guest.

A whole number may come as an int or as a string of ASCII digits (a form field); anything else is
refused with a message per field, never an exception. `table_sizes` are the tables' room: when
fewer people come, the fullest tables give up seats first, so the tables stay even.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.models.seating import MAX_ROUNDS
from app.validation import FieldErrors

MAX_TABLES = 100
MAX_TABLE_SIZE = 30
MIN_TABLE_SIZE = 2
LAYOUTS = ("tables", "table_size", "table_sizes")
_DIGITS = re.compile(r"[0-9]{1,9}")
_SEPARATORS = re.compile(r"[,;\s]+")


@dataclass(frozen=True, slots=True)
class Settings:
    layout: str  # one of LAYOUTS
    tables: int | None = None
    table_size: int | None = None
    table_sizes: tuple[int, ...] | None = None
    rounds: int = 1
    hosts: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"layout": self.layout, "tables": self.tables, "table_size": self.table_size,
                "table_sizes": list(self.table_sizes) if self.table_sizes is not None else None,
                "rounds": self.rounds, "hosts": self.hosts}

    def describe(self) -> str:
        """The layout in words, for the page ("4 tables", "tables of 5", "6, 6, 5, 5")."""
        if self.layout == "tables":
            return _("%(num)d tables", num=self.tables)
        if self.layout == "table_size":
            return _("tables of %(num)d", num=self.table_size)
        return ", ".join(str(size) for size in self.table_sizes or ())


DEFAULT = Settings(layout="table_size", table_size=5, rounds=2, hosts=False)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _whole(value: Any) -> int | None:
    """An int (not a bool), or a string of ASCII digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e9:
        return int(value)
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _whole_message() -> str:
    return _("Please enter a whole number.")


def _sizes(value: Any, errors: FieldErrors) -> tuple[int, ...] | None:
    if isinstance(value, str):
        parts = [p for p in _SEPARATORS.split(value.strip()) if p]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        errors.add("table_sizes", _("Please list the table sizes, e.g. 6, 6, 5, 5."))
        return None
    if len(parts) > MAX_TABLES:
        errors.add("table_sizes", _("At most %(num)d tables.", num=MAX_TABLES))
        return None
    sizes = []
    for part in parts:
        size = _whole(part)
        if size is None:
            errors.add("table_sizes", _("Please list the table sizes, e.g. 6, 6, 5, 5."))
            return None
        if size < MIN_TABLE_SIZE:
            errors.add("table_sizes", _("A table needs at least %(num)d people.", num=MIN_TABLE_SIZE))
            return None
        if size > MAX_TABLE_SIZE:
            errors.add("table_sizes", _("At most %(num)d people at a table.", num=MAX_TABLE_SIZE))
            return None
        sizes.append(size)
    if not sizes:
        errors.add("table_sizes", _("Please list the table sizes, e.g. 6, 6, 5, 5."))
        return None
    return tuple(sizes)


def read_settings(raw: Mapping[str, Any]) -> Settings:
    """The organizer's settings, checked; ValidationFailed with a message per field."""
    if not isinstance(raw, Mapping):
        raw = {}
    errors = FieldErrors()
    given = [name for name in LAYOUTS if not _blank(raw.get(name))]
    layout = raw.get("layout")
    if layout in LAYOUTS and not _blank(raw.get(layout)):
        given = [layout]
    tables = size = sizes = None
    if not given:
        errors.add(layout if layout in LAYOUTS else "tables",
                   _("Say how many tables, how many at each table, or the size of each table."))
    elif len(given) > 1:
        errors.add(given[0], _("Give only one of: how many tables, how many at each table, or the sizes."))
    else:
        layout = given[0]
        value = raw.get(layout)
        if layout == "tables":
            tables = _whole(value)
            if tables is None:
                errors.add("tables", _whole_message())
            elif not 1 <= tables <= MAX_TABLES:
                errors.add("tables", _("Please choose from 1 to %(num)d tables.", num=MAX_TABLES))
        elif layout == "table_size":
            size = _whole(value)
            if size is None:
                errors.add("table_size", _whole_message())
            elif size < MIN_TABLE_SIZE:
                errors.add("table_size", _("A table needs at least %(num)d people.", num=MIN_TABLE_SIZE))
            elif size > MAX_TABLE_SIZE:
                errors.add("table_size", _("At most %(num)d people at a table.", num=MAX_TABLE_SIZE))
        else:
            sizes = _sizes(value, errors)
    rounds_value = raw.get("rounds")
    rounds = 1 if _blank(rounds_value) else _whole(rounds_value)
    if rounds is None or not 1 <= rounds <= MAX_ROUNDS:
        errors.add("rounds", _("Please choose from 1 to %(num)d rounds.", num=MAX_ROUNDS))
    hosts = raw.get("hosts", False)
    if isinstance(hosts, str):
        hosts = hosts.strip().lower() in ("y", "yes", "on", "true", "1")
    elif not isinstance(hosts, bool) and hosts is not None:
        errors.add("hosts", _("Please enter true or false."))
    errors.raise_if_any()
    return Settings(layout=layout, tables=tables, table_size=size, table_sizes=sizes, rounds=rounds,
                    hosts=bool(hosts))


def stored_settings(raw: Any) -> Settings:
    """The settings saved with a plan (or the defaults when they no longer read)."""
    try:
        return read_settings(raw if isinstance(raw, Mapping) else {})
    except Exception:  # noqa: BLE001 -- an old or hand-edited row: show the defaults instead
        return DEFAULT


def _even(people: int, tables: int) -> tuple[int, ...]:
    base, extra = divmod(people, tables)
    return tuple(base + 1 if i < extra else base for i in range(tables))


def table_sizes(settings: Settings, people: int) -> tuple[int, ...]:
    """The exact number of people at each table; ValidationFailed (on the layout's field) when
    `people` cannot be seated so."""
    errors = FieldErrors()
    field = settings.layout
    if people < 1:
        errors.add(field, _("Nobody to seat: nobody has signed up or checked in."))
        errors.raise_if_any()
    if settings.layout == "tables":
        tables = settings.tables or 1
        if tables > people:
            errors.add(field, _("More tables (%(tables)d) than people (%(people)d).",
                                tables=tables, people=people))
        elif people >= MIN_TABLE_SIZE and people // tables < MIN_TABLE_SIZE:
            errors.add(field, _("%(people)d people fill at most %(tables)d tables of two.",
                                people=people, tables=people // MIN_TABLE_SIZE))
        elif -(-people // tables) > MAX_TABLE_SIZE:
            errors.add(field, _("At most %(num)d people at a table.", num=MAX_TABLE_SIZE))
        errors.raise_if_any()
        return _even(people, tables)
    if settings.layout == "table_size":
        size = settings.table_size or MIN_TABLE_SIZE
        tables = -(-people // size)
        if tables > MAX_TABLES:
            errors.add(field, _("At most %(num)d tables.", num=MAX_TABLES))
            errors.raise_if_any()
        return _even(people, tables)
    room = list(settings.table_sizes or ())
    seats = sum(room)
    if seats < people:
        errors.add(field, _("The tables seat %(seats)d, but %(people)d people are coming.",
                            seats=seats, people=people))
        errors.raise_if_any()
    sizes = room[:]
    while sum(sizes) > people:  # the fullest table gives up a seat first (the last such table)
        fullest = max(range(len(sizes)), key=lambda i: (sizes[i], i))
        sizes[fullest] -= 1
    sizes = [size for size in sizes if size > 0]
    if people >= MIN_TABLE_SIZE and min(sizes) < MIN_TABLE_SIZE:
        errors.add(field, _("Too few people for that many tables: leave out a table."))
        errors.raise_if_any()
    return tuple(sizes)
