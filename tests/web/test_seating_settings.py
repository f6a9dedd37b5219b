"""The organizer's table settings (app.seating.layout): every way to set the tables, and hostile input
refused with a message per field (never an exception)."""

from __future__ import annotations

import pytest

from app.errors import ValidationFailed
from app.seating.layout import Settings, read_settings, table_sizes


def refused(raw) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        read_settings(raw)
    return caught.value.fields


def sizes(raw, people: int) -> tuple[int, ...]:
    return table_sizes(read_settings(raw), people)


def sizes_refused(raw, people: int) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        table_sizes(read_settings(raw), people)
    return caught.value.fields


def test_three_ways_to_set_the_tables(app):
    assert sizes({"tables": 3, "rounds": 2}, 11) == (4, 4, 3)
    assert sizes({"table_size": 5}, 11) == (4, 4, 3)  # three tables, even, none above 5
    assert sizes({"table_size": "5"}, 20) == (5, 5, 5, 5)
    assert sizes({"table_sizes": "6,6,5,5"}, 22) == (6, 6, 5, 5)
    assert sizes({"table_sizes": [6, 6, 5, 5]}, 20) == (5, 5, 5, 5)  # the fullest give up seats first
    assert sizes({"table_sizes": "6; 6 5"}, 17) == (6, 6, 5)
    settings = read_settings({"layout": "tables", "tables": "4", "table_size": "", "rounds": "3",
                              "hosts": "y"})
    assert settings == Settings(layout="tables", tables=4, rounds=3, hosts=True)


def test_the_form_names_the_layout_and_other_fields_are_ignored(app):
    settings = read_settings({"layout": "table_size", "table_size": "4", "tables": "9"})
    assert settings.layout == "table_size" and settings.table_size == 4


@pytest.mark.parametrize("raw, field", [
    ({}, "tables"),
    ({"tables": 0}, "tables"),
    ({"tables": "0"}, "tables"),
    ({"tables": 10**30}, "tables"),
    ({"tables": "1" * 40}, "tables"),
    ({"tables": -3}, "tables"),
    ({"tables": 2.5}, "tables"),
    ({"tables": True}, "tables"),
    ({"tables": "3\x00"}, "tables"),
    ({"tables": "\ud800"}, "tables"),
    ({"tables": "٣"}, "tables"),  # an Arabic-Indic three: not an ASCII digit
    ({"tables": [3]}, "tables"),
    ({"tables": {"n": 3}}, "tables"),
    ({"table_size": 1}, "table_size"),
    ({"table_size": "1"}, "table_size"),
    ({"table_size": 31}, "table_size"),
    ({"table_sizes": "6,x,5"}, "table_sizes"),
    ({"table_sizes": "6,1"}, "table_sizes"),
    ({"table_sizes": [6, "\x00"]}, "table_sizes"),
    ({"table_sizes": 6}, "table_sizes"),
    ({"table_sizes": ",,,"}, "table_sizes"),
    ({"table_sizes": [5] * 101}, "table_sizes"),
    ({"tables": 3, "table_size": 4}, "tables"),
    ({"tables": 3, "rounds": 0}, "rounds"),
    ({"tables": 3, "rounds": 5}, "rounds"),
    ({"tables": 3, "rounds": "2\ud800"}, "rounds"),
    ({"tables": 3, "rounds": 10**30}, "rounds"),
    ({"tables": 3, "hosts": 7}, "hosts"),
])
def test_hostile_settings_are_refused_per_field(app, raw, field):
    fields = refused(raw)
    assert field in fields and all(isinstance(m, str) and m for m in fields[field])


def test_not_a_mapping_is_refused_too(app):
    assert "tables" in refused(["tables", 3])
    assert "tables" in refused(None)


@pytest.mark.parametrize("raw, people", [
    ({"tables": 8}, 5),  # more tables than people
    ({"tables": 3}, 5),  # 5 people fill at most 2 tables of two
    ({"tables": 1}, 31),  # 31 at one table
    ({"table_sizes": "5,5"}, 11),  # room for 10
    ({"table_sizes": "5,5,5"}, 5),  # too few people for three tables
    ({"table_size": 5}, 0),  # nobody to seat
])
def test_settings_that_cannot_seat_the_people(app, raw, people):
    fields = sizes_refused(raw, people)
    assert list(fields) == [read_settings(raw).layout]


def test_english_messages(app, english):
    from flask_babel import force_locale

    with force_locale("en"):
        assert refused({"table_size": 1}) == {"table_size": ["A table needs at least 2 people."]}
        assert sizes_refused({"tables": 8}, 5) == {"tables": ["More tables (8) than people (5)."]}
        assert refused({"tables": 0}) == {"tables": ["Please choose from 1 to 100 tables."]}
