"""In real Chromium at phone size: an organizer plans a series over days on which the group meets
already. The preview opens where the eye is (its heading in view and focused), marks those days
with the other meeting, and creating leaves them out."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import holidays
import pytest
from dateutil import rrule
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.tokens import issue_login_link
from app.extensions import db
from app.models import Meeting
from tests.e2e.conftest import new_page
from tests.factories import create_group, create_meeting, create_organizer

pytestmark = pytest.mark.e2e

CPH = ZoneInfo("Europe/Copenhagen")
YEAR = max(2027, date.today().year + 1)  # always still to come


def third_wednesdays_without_july_and_holidays(year: int) -> list[date]:
    """The series' dates, computed independently of the app."""
    rule = rrule.rrule(rrule.MONTHLY, byweekday=rrule.WE(3), dtstart=datetime(year, 1, 1),
                       until=datetime(year, 12, 31))
    danish = holidays.country_holidays("DK", years=year)
    return [m.date() for m in rule if m.month != 7 and m.date() not in danish]


@pytest.fixture
def phone(browser):
    page = new_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield page
    page.context.close()


def test_series_over_existing_meetings_is_marked_and_not_doubled(live_server, phone):
    page = phone
    meetings = third_wednesdays_without_july_and_holidays(YEAR)
    taken = [d for d in meetings if d.month <= 6]
    with live_server.app_context():
        group = create_group(name="Kaffeklub Øst", slug="kaffeklub-oest")
        organizer = create_organizer(group, name="Olga Organisator")
        for day in taken:
            create_meeting(group=group, title=f"Netværksmøde {day.month}",
                           starts_at=datetime(day.year, day.month, day.day, 8, 30, tzinfo=CPH),
                           ends_at=datetime(day.year, day.month, day.day, 10, 0, tzinfo=CPH))
        link = issue_login_link(organizer)
        db.session.commit()
        group_id = group.id

    page.goto(link)
    with page.expect_navigation():
        page.click("form[action*='/login/'] button[type=submit]")
    page.goto(f"{live_server.url}/groups/kaffeklub-oest/series/new")
    page.fill("#title", "Morgenmøde")
    page.check("input[name=frequency][value=monthly_nth_weekday]")
    page.select_option("#nth", "3")
    page.select_option("#weekday", "2")
    page.fill("#starts_on", f"{YEAR}-01-01")
    page.fill("#ends_on", f"{YEAR}-12-31")
    page.fill("#start_time", "08:30")
    page.fill("#end_time", "10:00")
    page.check("input[name=skip_months][value='7']")
    page.check("input[name=holiday_policy][value=skip]")
    with page.expect_navigation():
        page.click("button[name=action][value=preview]")

    # The answer opens at the preview: its heading is on the phone's screen and has the focus.
    heading = page.locator("#preview")
    expect(heading).to_be_in_viewport()
    expect(heading).to_be_focused()
    assert page.url.endswith("#preview")

    # Every day that has a meeting is marked with it; the others are not.
    marks = page.locator("[data-clash-date]")
    expect(marks).to_have_count(len(taken))
    for day in taken:
        mark = page.locator(f"[data-clash-date='{day.isoformat()}']")
        expect(mark).to_contain_text(f"Netværksmøde {day.month}")
        expect(mark).to_contain_text("08.30")
        expect(mark.locator("a")).to_have_attribute("href", f"/meetings/{_meeting_id(live_server, day)}")
    expect(page.locator("#preview-clashes")).to_be_visible()
    new = len(meetings) - len(taken)
    create = page.locator("button[name=action][value=create]")
    expect(create).to_have_text(f"Opret {new} møder")
    with page.expect_navigation():
        create.click()
    expect(page.locator(".alert-success")).to_contain_text(str(new))
    assert page.url.endswith("/groups/kaffeklub-oest/meetings")  # #preview is not carried on

    with live_server.app_context():
        rows = db.session.scalars(select(Meeting).where(Meeting.group_id == group_id)).all()
        per_day = Counter(m.starts_at.astimezone(CPH).date() for m in rows)
        assert all(per_day[d] == 1 for d in taken)  # no second meeting on those days
        assert sorted(m.starts_at.astimezone(CPH).date() for m in rows if m.series_id) == [
            d for d in meetings if d not in taken]
    assert page.errors == []


def _meeting_id(live_server, day: date) -> int:
    with live_server.app_context():
        return next(m.id for m in db.session.scalars(select(Meeting)).all()
                    if m.series_id is None and m.starts_at.astimezone(CPH).date() == day)
