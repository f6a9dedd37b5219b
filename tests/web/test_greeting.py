"""The start page greets by the time of day in the network's zone (it said "Good morning" at 03:36)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from app.main.greeting import greeting, part_of_day
from tests.factories import create_member
from tests.web.greeting_helpers import greets

CPH = "Europe/Copenhagen"


@pytest.mark.parametrize(("utc", "part"), [
    # Copenhagen is UTC+1 in winter, UTC+2 in summer.
    (datetime(2027, 1, 20, 2, 36, tzinfo=UTC), "night"),     # 03:36
    (datetime(2027, 1, 20, 4, 0, tzinfo=UTC), "morning"),    # 05:00
    (datetime(2027, 1, 20, 8, 59, tzinfo=UTC), "morning"),   # 09:59
    (datetime(2027, 1, 20, 9, 0, tzinfo=UTC), "day"),        # 10:00
    (datetime(2027, 1, 20, 15, 59, tzinfo=UTC), "day"),      # 16:59
    (datetime(2027, 1, 20, 16, 0, tzinfo=UTC), "evening"),   # 17:00
    (datetime(2027, 1, 20, 21, 59, tzinfo=UTC), "evening"),  # 22:59
    (datetime(2027, 1, 20, 22, 0, tzinfo=UTC), "night"),     # 23:00
    (datetime(2027, 7, 1, 3, 30, tzinfo=UTC), "morning"),    # 05:30 summer time
    (datetime(2027, 7, 1, 2, 30, tzinfo=UTC), "night"),      # 04:30 summer time
])
def test_part_of_day_is_read_in_the_zone(utc, part):
    assert part_of_day(utc, CPH) == part


def test_the_zone_decides_not_the_server_clock():
    moment = datetime(2027, 1, 20, 7, 0, tzinfo=UTC)  # 08:00 in Copenhagen, 02:00 in New York
    assert part_of_day(moment, CPH) == "morning"
    assert part_of_day(moment, "America/New_York") == "night"


def test_danish_greetings(app):
    with force_locale("da"):
        assert greeting("Anders", datetime(2027, 1, 20, 6, tzinfo=UTC), CPH) == "Godmorgen, Anders"
        assert greeting("Anders", datetime(2027, 1, 20, 12, tzinfo=UTC), CPH) == "Goddag, Anders"
        assert greeting("Anders", datetime(2027, 1, 20, 18, tzinfo=UTC), CPH) == "Godaften, Anders"
        assert greeting("Anders", datetime(2027, 1, 20, 2, 36, tzinfo=UTC), CPH) == "Hej, Anders"


def test_the_start_page_greets_by_first_name_at_the_time_it_is(client, login, english):
    login(create_member(name="Anders Bach Møller"))
    before = greeting("Anders", datetime.now(UTC), CPH)
    page = client.get("/").get_data(as_text=True)
    after = greeting("Anders", datetime.now(UTC), CPH)  # the request may cross a boundary hour
    assert f">{before}<" in page or f">{after}<" in page
    assert greets(page, "Anders")
