"""A series planned over days on which the group already has meetings: the web preview and the API
dry run mark those days (title, local time, link), creating leaves them out unless the organizer
asks for a second meeting on a day ("Create anyway" / `also_on`)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Meeting, MeetingStatus
from tests.factories import build_meeting_world, create_group, create_meeting
from tests.web.api_helpers import assert_problem, bearer, token_for
from tests.web.meeting_helpers import API_SERIES, WEB_SERIES

CPH = ZoneInfo("Europe/Copenhagen")
# Third Wednesdays of January-June 2031: the group meets on them already.
OLD_DAYS = [date(2031, 1, 15), date(2031, 2, 19), date(2031, 3, 19), date(2031, 4, 16), date(2031, 5, 21),
            date(2031, 6, 18)]
# 00:30 local on Wednesday 19 November is still 18 November in UTC: the same day in the group's zone.
LATE_NIGHT = date(2031, 11, 19)
CLASH_DAYS = [*OLD_DAYS, LATE_NIGHT]


@pytest.fixture
def world(app):
    world = build_meeting_world()
    for index, day in enumerate(OLD_DAYS, start=1):
        create_meeting(group=world.group, title=f"Gammelt møde {index}",
                       starts_at=datetime(day.year, day.month, day.day, 8, 30, tzinfo=CPH),
                       ends_at=datetime(day.year, day.month, day.day, 10, 0, tzinfo=CPH))
    create_meeting(group=world.group, title="Natmøde", starts_at=datetime(2031, 11, 19, 0, 30, tzinfo=CPH),
                   ends_at=datetime(2031, 11, 19, 1, 30, tzinfo=CPH))
    # Not clashes: a cancelled meeting, and another group's meeting.
    create_meeting(group=world.group, title="Aflyst møde", status=MeetingStatus.CANCELLED.value,
                   starts_at=datetime(2031, 9, 17, 8, 30, tzinfo=CPH),
                   ends_at=datetime(2031, 9, 17, 10, 0, tzinfo=CPH))
    create_meeting(group=create_group(name="Andet netværk"), title="Andet netværks møde",
                   starts_at=datetime(2031, 10, 15, 8, 30, tzinfo=CPH),
                   ends_at=datetime(2031, 10, 15, 10, 0, tzinfo=CPH))
    return world


def meetings_per_local_day(group) -> Counter:
    rows = db.session.scalars(
        select(Meeting).where(Meeting.group_id == group.id, Meeting.status != MeetingStatus.CANCELLED.value)
    ).all()
    return Counter(m.starts_at.astimezone(CPH).date() for m in rows)


def series_days(group) -> list[date]:
    rows = db.session.scalars(
        select(Meeting).where(Meeting.group_id == group.id, Meeting.series_id.is_not(None))
    ).all()
    return sorted(m.starts_at.astimezone(CPH).date() for m in rows)


# --- web -------------------------------------------------------------------------------------------


def preview(client, slug, data, also_on=()):
    return client.post(f"/groups/{slug}/series/new",
                       data={**data, "action": "preview", "also_on": list(also_on)})


def create(client, slug, data, also_on=()):
    page = preview(client, slug, data, also_on).get_data(as_text=True)
    token = re.search(r'name="confirm" type="hidden" value="([0-9a-f]+)"', page).group(1)
    return client.post(f"/groups/{slug}/series/new",
                       data={**data, "action": "create", "confirm": token, "also_on": list(also_on)})


def test_preview_marks_every_day_with_another_meeting(client, login, world):
    login(world.organizer)
    response = preview(client, world.group.slug, WEB_SERIES)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    marked = set(re.findall(r'data-clash-date="([0-9-]+)"', page))
    assert marked == {d.isoformat() for d in CLASH_DAYS}
    first = db.session.scalars(select(Meeting).where(Meeting.title == "Gammelt møde 1")).one()
    assert f'href="/meetings/{first.id}"' in page and "Gammelt møde 1" in page and "Natmøde" in page
    blocks = dict(re.findall(r'data-clash-date="([0-9-]+)">(.*?)</div>', page, re.S))
    assert re.search(r"8:30\sAM\s*–\s*10:00\sAM", blocks["2031-01-15"])  # local times (English page)
    assert re.search(r"12:30\sAM", blocks["2031-11-19"])
    assert "Create 4 meetings" in page  # 11 third Wednesdays, 7 of them taken
    assert 'name="also_on" value="2031-01-15"' in page and "Create anyway" in page
    assert "2031-09-17" not in set(marked) and "2031-10-15" not in set(marked)  # cancelled; other group


def test_preview_opens_at_the_preview(client, login, world):
    login(world.organizer)
    page = client.get(f"/groups/{world.group.slug}/series/new").get_data(as_text=True)
    assert f'formaction="/groups/{world.group.slug}/series/new#preview"' in page
    page = preview(client, world.group.slug, WEB_SERIES).get_data(as_text=True)
    assert re.search(r'<h2[^>]*id="preview" tabindex="-1" data-focus-on-load', page)


def test_create_leaves_out_days_with_another_meeting(client, login, world):
    login(world.organizer)
    assert create(client, world.group.slug, WEB_SERIES).status_code == 302
    assert series_days(world.group) == [date(2031, 8, 20), date(2031, 9, 17), date(2031, 10, 15),
                                        date(2031, 12, 17)]
    assert max(meetings_per_local_day(world.group).values()) == 1
    # Again: still nothing on those days, nothing doubled.
    assert create(client, world.group.slug, WEB_SERIES).status_code == 302
    assert len(series_days(world.group)) == 4


def test_create_anyway_on_a_chosen_day(client, login, world):
    login(world.organizer)
    page = preview(client, world.group.slug, WEB_SERIES, also_on=["2031-01-15"]).get_data(as_text=True)
    assert "Create 5 meetings" in page
    assert re.search(r'value="2031-01-15" id="also-on-2031-01-15" checked', page)
    assert create(client, world.group.slug, WEB_SERIES, also_on=["2031-01-15"]).status_code == 302
    per_day = meetings_per_local_day(world.group)
    assert per_day[date(2031, 1, 15)] == 2 and per_day[date(2031, 2, 19)] == 1
    assert len(series_days(world.group)) == 5


def test_hostile_also_on_is_a_form_error(client, login, world):
    login(world.organizer)
    response = preview(client, world.group.slug, WEB_SERIES, also_on=["'; drop table meetings; --"])
    assert response.status_code == 422
    assert len(series_days(world.group)) == 0


# --- API -------------------------------------------------------------------------------------------


def api_series(client, world, body, query=""):
    return client.post(f"/api/v1/groups/{world.group.slug}/series{query}", json=body,
                       headers=bearer(token_for(world.organizer)))


def test_dry_run_names_the_other_meetings(client, world):
    response = api_series(client, world, API_SERIES, "?dry_run=true&lang=en")
    assert response.status_code == 200
    plan = response.get_json()
    assert plan["count"] == 11 and plan["new_count"] == 4 and plan["clash_count"] == 7
    by_day = {d["date"]: d for d in plan["dates"]}
    january = by_day["2031-01-15"]
    assert january["exists"] is False and january["will_create"] is False
    [other] = january["other_meetings"]
    assert other["title"] == "Gammelt møde 1" and other["local_start_time"] == "08:30"
    assert other["local_end_time"] == "10:00" and other["url"].endswith(f"/meetings/{other['id']}")
    assert by_day["2031-11-19"]["other_meetings"][0]["local_start_time"] == "00:30"
    for day in ("2031-08-20", "2031-09-17", "2031-10-15"):
        assert by_day[day]["other_meetings"] == [] and by_day[day]["will_create"] is True
    assert len(series_days(world.group)) == 0


def test_api_create_leaves_out_clashes_unless_also_on(client, world):
    response = api_series(client, world, {**API_SERIES, "also_on": ["2031-02-19"]}, "?dry_run=true")
    assert response.get_json()["new_count"] == 5
    response = api_series(client, world, {**API_SERIES, "also_on": ["2031-02-19"]})
    assert response.status_code == 201 and response.get_json()["created"] == 5
    per_day = meetings_per_local_day(world.group)
    assert per_day[date(2031, 2, 19)] == 2
    assert all(per_day[d] == 1 for d in CLASH_DAYS if d != date(2031, 2, 19))
    # The same series again: nothing new (the clash days stay left out).
    again = api_series(client, world, API_SERIES)
    assert again.status_code == 201 and again.get_json()["created"] == 0


@pytest.mark.parametrize("bad", ["2031-02-19", ["nope"], [17], ["2031-02-30"]])
def test_api_bad_also_on_is_a_422_problem(client, world, bad):
    response = api_series(client, world, {**API_SERIES, "also_on": bad}, "?dry_run=true")
    problem = assert_problem(response, 422)
    assert "also_on" in str(problem)


def test_preview_says_why_a_weekend_day_moved(client, login, world):
    login(world.organizer)
    data = {**WEB_SERIES, "frequency": "monthly_day", "day_of_month": "1",
            "starts_on": "2033-01-01", "ends_on": "2033-12-31", "skip_months": [], "holiday_policy": "move"}
    page = preview(client, world.group.slug, data).get_data(as_text=True)
    # Saturday 1 January 2033 is New Year's Day, Sunday 1 May and Monday 1 August: 1 May moves.
    assert 'datetime="2033-05-02T08:30' in page and 'datetime="2033-05-01T08:30' not in page
    assert re.search(r"Moved from Sunday, May 1, 2033:\s*Weekend", page)
    assert 'datetime="2033-10-03T08:30' in page  # Saturday 1 October 2033 -> Monday
