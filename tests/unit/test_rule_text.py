"""Series rules in words (app/meetings/rule_text.py): Danish from the app's catalog, English as typed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from app.meetings.rule_text import describe_or_raw, describe_rule

CATALOG = Path(__file__).resolve().parents[2] / "app" / "translations" / "da" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module")
def danish() -> Translations:
    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale="da")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


RULES = [
    ("FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3", "third Wednesday of the month", "tredje onsdag i måneden"),
    ("RRULE:freq=monthly;byday=3we", "third Wednesday of the month", "tredje onsdag i måneden"),
    ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1", "first Monday of the month", "første mandag i måneden"),
    ("FREQ=MONTHLY;BYDAY=TH;BYSETPOS=-1", "last Thursday of the month", "sidste torsdag i måneden"),
    ("FREQ=MONTHLY;BYDAY=-2FR", "second to last Friday of the month", "næstsidste fredag i måneden"),
    ("FREQ=WEEKLY;BYDAY=MO", "every Monday", "hver mandag"),
    ("FREQ=WEEKLY;BYDAY=TH,MO", "every Monday and Thursday", "hver mandag og torsdag"),
    ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "every Monday, Wednesday and Friday", "hver mandag, onsdag og fredag"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;WKST=MO", "every 2 weeks on Tuesday", "tirsdag hver 2. uge"),
    ("FREQ=MONTHLY;BYMONTHDAY=15", "day 15 of the month", "den 15. i måneden"),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", "last day of the month", "sidste dag i måneden"),
    ("FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1", "day 30 of the month, or the last day",
     "den 30. i måneden, eller den sidste dag"),
    ("FREQ=MONTHLY;INTERVAL=2;BYDAY=WE;BYSETPOS=3", "third Wednesday of the month, every 2 months",
     "tredje onsdag i måneden, hver 2. måned"),
    ("FREQ=WEEKLY;BYDAY=MO;COUNT=1", "every Monday, 1 time", "hver mandag, 1 gang"),
    ("FREQ=WEEKLY;BYDAY=MO;COUNT=10", "every Monday, 10 times", "hver mandag, 10 gange"),
    ("FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20271231", "day 1 of the month, until December 31, 2027",
     "den 1. i måneden, indtil 31. december 2027"),
]


@pytest.mark.parametrize(("rule", "english", "danish_text"), RULES)
def test_rules_in_words(rule, english, danish_text, danish):
    assert describe_rule(rule) == english
    assert describe_rule(rule, danish, "da") == danish_text


UNDESCRIBED = [
    "FREQ=YEARLY;BYMONTH=3;BYDAY=1MO",
    "FREQ=DAILY",
    "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1",
    "FREQ=MONTHLY;BYMONTHDAY=1,15",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=SU",
]


@pytest.mark.parametrize("rule", UNDESCRIBED)
def test_rules_it_cannot_describe_fall_back_to_the_raw_rule(rule):
    assert describe_rule(rule) is None
    assert describe_or_raw(rule) == rule


@pytest.mark.parametrize("rule", ["", None, "nonsense", "FREQ=HOURLY", "FREQ=WEEKLY;BYDAY=XX", "x" * 600])
def test_hostile_or_invalid_rules_never_raise(rule):
    assert describe_rule(rule) is None
    assert describe_or_raw(rule) == (rule or "")


def test_unknown_locale_gives_none_not_an_error():
    assert describe_rule("FREQ=WEEKLY;BYDAY=MO", locale="zz_QQ") is None
