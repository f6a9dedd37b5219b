"""In real Chromium: an organizer plans a year of meetings from the preview and moves one meeting."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from dateutil import rrule
from flask_babel import force_locale
from sqlalchemy import select

from app.auth.tokens import issue_login_link
from app.extensions import db
from app.meetings.messages import reason_label
from app.models import Meeting, MeetingSeries
from tests.factories import create_group, create_organizer

pytestmark = pytest.mark.e2e

CPH = ZoneInfo("Europe/Copenhagen")
# 2027, or a later year once 2027 has begun, so the meetings are always still to come.
YEAR = max(2027, date.today().year + 1)


def third_wednesdays_without_july_and_holidays(year: int) -> tuple[list[date], list[date]]:
    """(meeting dates, skipped dates), computed independently of the app."""
    rule = rrule.rrule(rrule.MONTHLY, byweekday=rrule.WE(3), dtstart=datetime(year, 1, 1),
                       until=datetime(year, 12, 31))
    danish = holidays.country_holidays("DK", years=year)
    meetings, skipped = [], []
    for moment in rule:
        day = moment.date()
        (skipped if day.month == 7 or day in danish else meetings).append(day)
    return meetings, skipped


def test_organizer_plans_a_series_from_the_preview_and_moves_one_meeting(live_server, page):
    with live_server.app_context():
        group = create_group(name="Kaffeklub Midt", slug="kaffeklub-midt")
        organizer = create_organizer(group, name="Olga Organisator")
        link = issue_login_link(organizer)
        db.session.commit()
        with force_locale("da"):
            july_reason = reason_label("skipped_month")
    slug = "kaffeklub-midt"
    base = live_server.url

    # Log in with the link: the page asks first, the button uses the link up.
    page.goto(link)
    with page.expect_navigation():
        page.click("form[action*='/login/'] button[type=submit]")
    assert "/login" not in page.url

    # From the group page to its meetings, then to the series form.
    page.goto(f"{base}/groups/{slug}")
    with page.expect_navigation():
        page.click(f"main a[href='/groups/{slug}/meetings']")
    with page.expect_navigation():
        page.click(f"a[href='/groups/{slug}/series/new']")

    page.fill("#title", "Morgenmøde")
    page.check("input[name=frequency][value=monthly_nth_weekday]")
    page.select_option("#nth", "3")
    page.select_option("#weekday", "2")
    page.fill("#starts_on", f"{YEAR}-01-01")
    page.fill("#ends_on", f"{YEAR}-12-31")
    page.fill("#doors_open_time", "08:00")
    page.fill("#start_time", "08:30")
    page.fill("#end_time", "10:00")
    page.check("input[name=skip_months][value='7']")
    page.check("input[name=holiday_policy][value=skip]")
    page.fill("#venue_name", "Erhvervshuset")
    page.fill("#venue_address", "Fredhøjvej 1, 7400 Herning")
    page.fill("#rsvp_days_before", "2")  # sign up by Monday 12:00
    page.fill("#rsvp_time", "12:00")
    with page.expect_navigation():
        page.click("button[name=action][value=preview]")

    # The preview lists exactly the rule's dates, and the skipped ones with their reasons.
    expected, skipped = third_wednesdays_without_july_and_holidays(YEAR)
    rows = page.locator("#preview-dates tbody tr")
    assert rows.count() == len(expected)
    for day in expected:
        assert page.locator(f"#preview-dates time[datetime^='{day.isoformat()}T08:30']").count() == 1
    first_deadline = datetime.combine(expected[0] - timedelta(days=2), time(12), tzinfo=CPH)
    deadline_cell = page.locator("#preview-dates td.rsvp-deadline").first
    shown_deadline = deadline_cell.locator("time").get_attribute("datetime")
    assert shown_deadline == first_deadline.isoformat(timespec="minutes")
    assert page.locator("#preview-dates td.rsvp-deadline").count() == len(expected)
    skipped_items = page.locator("#preview-skipped li")
    assert skipped_items.count() == len(skipped)
    july = next(day for day in skipped if day.month == 7)
    july_item = page.locator("#preview-skipped li", has=page.locator(f"time[datetime='{july.isoformat()}']"))
    assert july_reason in july_item.inner_text()
    with live_server.app_context():
        assert db.session.scalars(select(Meeting)).all() == []  # the preview created nothing

    with page.expect_navigation():
        page.click("button[name=action][value=create]")
    assert page.url.endswith(f"/groups/{slug}/meetings")
    with live_server.app_context():
        series = db.session.scalars(select(MeetingSeries)).one()
        meetings = db.session.scalars(
            select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.starts_at)).all()
        assert [m.series_date for m in meetings] == expected
        assert all(
            m.rsvp_deadline == datetime.combine(m.series_date - timedelta(days=2), time(12), tzinfo=CPH)
            for m in meetings
        )
        target = meetings[-3]  # October: summer time
        target_id, old_day = target.id, target.series_date

    # Open one meeting and move it: the next day, 09:00-10:30, this meeting only.
    with page.expect_navigation():
        page.click(f"a[href='/meetings/{target_id}']")
    with page.expect_navigation():
        page.click(f"a[href='/meetings/{target_id}/edit']")
    new_day = old_day + timedelta(days=1)
    page.fill("#date", new_day.isoformat())
    page.fill("#start_time", "09:00")
    page.fill("#end_time", "10:30")
    page.check("input[name=scope][value=this]")
    with page.expect_navigation():
        page.click("form:has(#date) button[type=submit]")

    assert page.url.endswith(f"/meetings/{target_id}")
    new_start = datetime.combine(new_day, time(9, 0), tzinfo=CPH)
    shown = page.locator(f"time[datetime='{new_start.isoformat(timespec='minutes')}']")
    assert shown.count() >= 1 and shown.first.is_visible()
    assert "09" in shown.first.inner_text() and "00" in shown.first.inner_text()

    with live_server.app_context():
        moved = db.session.get(Meeting, target_id)
        assert moved.starts_at == new_start.astimezone(UTC)
        assert moved.ends_at == datetime.combine(new_day, time(10, 30), tzinfo=CPH).astimezone(UTC)
        assert moved.series_date == old_day and moved.sequence == 1
        others = db.session.scalars(
            select(Meeting).where(Meeting.series_id == series.id, Meeting.id != target_id)).all()
        assert len(others) == len(expected) - 1
        assert {m.starts_at.astimezone(CPH).time() for m in others} == {time(8, 30)}

    page.wait_for_load_state("networkidle")
    assert page.errors == []
