"""Issue 8: a typo never locks a meeting in the past, cancelled meetings stay visible until their
date, one cancel scope name on both channels, and the "where is the next meeting" pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.meetings import calendar_view
from app.models import Meeting, MeetingChange, utcnow
from tests.factories import MeetingWorld as World
from tests.factories import build_meeting_world as make_world
from tests.factories import create_meeting
from tests.web.api_helpers import assert_problem, bearer, token_for
from tests.web.meeting_helpers import API_NEW_MEETING

CPH = ZoneInfo("Europe/Copenhagen")

FORM = {
    "title": "Frokostmøde",
    "date": "2031-01-15",
    "start_time": "08:30",
    "end_time": "10:00",
    "venue_name": "Revisorhuset",
    "guests_welcome": "y",
}
PAST_MESSAGE = "The date is in the past."


@pytest.fixture
def world(app) -> World:
    return make_world()


def count() -> int:
    return db.session.scalar(select(func.count(Meeting.id)))


def last_year() -> str:
    return (utcnow().astimezone(CPH).date() - timedelta(days=365)).isoformat()


def organizer_headers(world: World) -> dict[str, str]:
    return bearer(token_for(world.organizer))


# --- past dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["1900-01-01", "last year"])
def test_web_refuses_a_new_meeting_in_the_past(client, login, world, day):
    login(world.organizer)
    before = count()
    day = last_year() if day == "last year" else day
    response = client.post(f"/groups/{world.group.slug}/meetings/new", data={**FORM, "date": day})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="date-error"' in page and PAST_MESSAGE in page
    assert 'name="record_past"' in page
    assert count() == before


def test_web_records_a_past_meeting_when_asked(client, login, world):
    login(world.organizer)
    response = client.post(f"/groups/{world.group.slug}/meetings/new",
                           data={**FORM, "date": last_year(), "record_past": "y"})
    assert response.status_code == 302
    meeting = db.session.scalars(select(Meeting).where(Meeting.title == "Frokostmøde")).one()
    assert meeting.ends_at < utcnow()


def test_web_refuses_moving_a_coming_meeting_into_the_past(client, login, world):
    login(world.organizer)
    meeting = world.meeting
    response = client.post(f"/meetings/{meeting.id}/edit", data={**FORM, "date": "1900-01-01"})
    assert response.status_code == 422
    assert PAST_MESSAGE in response.get_data(as_text=True)
    assert meeting.starts_at == datetime(2031, 3, 5, 7, 30, tzinfo=UTC)
    assert db.session.scalar(select(func.count(MeetingChange.id))) == 0


def test_a_meeting_moved_into_the_past_on_purpose_can_be_moved_back(client, login, world):
    login(world.organizer)
    meeting = world.meeting
    response = client.post(f"/meetings/{meeting.id}/edit",
                           data={**FORM, "date": "1900-01-01", "record_past": "y"})
    assert response.status_code == 302
    assert meeting.starts_at.year == 1900
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/edit"' in page  # nothing a typo does is irreversible
    assert f'href="/meetings/{meeting.id}/cancel"' not in page
    response = client.post(f"/meetings/{meeting.id}/edit", data={**FORM, "date": "2031-03-05"})
    assert response.status_code == 302
    assert meeting.starts_at == datetime(2031, 3, 5, 7, 30, tzinfo=UTC)


def test_web_corrects_a_past_meeting_and_records_it_in_its_history(client, login, world):
    login(world.organizer)
    start = (utcnow() - timedelta(days=10)).replace(second=0, microsecond=0)
    past = create_meeting(group=world.group, title="Tastefejl", starts_at=start)
    local = start.astimezone(CPH)
    assert client.get(f"/meetings/{past.id}/edit").status_code == 200
    data = {**FORM, "title": "Rettet titel", "date": local.date().isoformat(),
            "start_time": local.strftime("%H:%M"),
            "end_time": (local + timedelta(minutes=90)).strftime("%H:%M"),
            "venue_name": "Det rigtige sted", "agenda": "Referat"}
    response = client.post(f"/meetings/{past.id}/edit", data=data)
    assert response.status_code == 302
    assert past.title == "Rettet titel" and past.venue_name == "Det rigtige sted"
    assert past.agenda == "Referat" and past.starts_at == start
    change = past.changes[-1]
    assert change.member_id == world.organizer.id
    assert change.changes["title"] == ["Tastefejl", "Rettet titel"]
    assert utcnow() - change.at < timedelta(hours=1)  # recorded as today
    page = client.get(f"/meetings/{past.id}").get_data(as_text=True)
    assert "Rettet titel" in page and "Change history" in page
    # Sign-up related actions stop after the meeting: it cannot be cancelled any more.
    assert client.post(f"/meetings/{past.id}/cancel", data={}).status_code == 302
    assert not past.is_cancelled


def test_api_refuses_a_past_start_on_create_and_move(client, world):
    headers = organizer_headers(world)
    before = count()
    response = client.post(f"/api/v1/groups/{world.group.slug}/meetings?lang=en",
                           json={**API_NEW_MEETING, "date": last_year(), "rsvp_deadline": None},
                           headers=headers)
    body = assert_problem(response, 422)
    assert PAST_MESSAGE in body["errors"]["date"][0]
    assert count() == before
    response = client.patch(f"/api/v1/meetings/{world.meeting.id}", json={"date": "1900-01-01"},
                            headers=headers)
    assert "date" in assert_problem(response, 422)["errors"]
    assert world.meeting.starts_at.year == 2031


def test_api_record_past(client, world):
    headers = organizer_headers(world)
    response = client.post(f"/api/v1/groups/{world.group.slug}/meetings",
                           json={**API_NEW_MEETING, "date": last_year(), "rsvp_deadline": None,
                                 "record_past": True}, headers=headers)
    assert response.status_code == 201
    response = client.patch(f"/api/v1/meetings/{world.meeting.id}",
                            json={"date": "2020-01-01", "record_past": True}, headers=headers)
    assert response.status_code == 200
    assert world.meeting.starts_at.year == 2020
    response = client.patch(f"/api/v1/meetings/{world.meeting.id}", json={"record_past": "maybe"},
                            headers=headers)
    assert "record_past" in assert_problem(response, 422)["errors"]


def test_api_corrects_a_past_meeting_with_a_history_entry(client, world):
    headers = organizer_headers(world)
    past = create_meeting(group=world.group, title="Tastefejl", starts_at=utcnow() - timedelta(days=3))
    response = client.patch(f"/api/v1/meetings/{past.id}",
                            json={"title": "Rettet", "venue_name": "Andet sted", "agenda": "Referat"},
                            headers=headers)
    assert response.status_code == 200 and response.json["title"] == "Rettet"
    assert past.changes[-1].changes["title"] == ["Tastefejl", "Rettet"]
    # Moving a past meeting's times within the past is a correction too.
    response = client.patch(f"/api/v1/meetings/{past.id}", json={"start_time": "07:00"}, headers=headers)
    assert response.status_code == 200
    assert past.changes[-1].action == "moved"
    # Cancelling it is not (a sign-up related action).
    response = client.post(f"/api/v1/meetings/{past.id}/cancel", json={}, headers=headers)
    assert_problem(response, 422)


# --- cancelled meetings stay visible until their date ---------------------------------------------


def _cancelled_and_gone(world: World):
    soon = create_meeting(group=world.group, title="Aflyst snart", status="cancelled",
                          cancelled_at=utcnow(), cancel_reason="Værten er syg")
    gone = create_meeting(group=world.group, title="Aflyst og forbi", status="cancelled",
                          cancelled_at=utcnow(), cancel_reason="Gammel grund",
                          starts_at=utcnow() - timedelta(days=2))
    return soon, gone


@pytest.mark.parametrize("path", ["/", "/meetings", "group"])
def test_cancelled_meetings_stay_visible_with_reason_until_their_date(client, login, world, path):
    _cancelled_and_gone(world)
    login(world.member)
    url = f"/groups/{world.group.slug}/meetings" if path == "group" else path
    page = client.get(url).get_data(as_text=True)
    assert "Aflyst snart" in page and "Værten er syg" in page and "Cancelled" in page
    assert "data-cancelled" in page
    assert "Aflyst og forbi" not in page and "Gammel grund" not in page


def test_a_cancelled_meeting_is_not_the_next_meeting(client, login, world):
    create_meeting(group=world.group, title="Aflyst snart", status="cancelled", cancelled_at=utcnow())
    login(world.member)
    page = client.get(f"/groups/{world.group.slug}").get_data(as_text=True)
    section = page.split("data-next-meeting", 1)[1].split("</section>", 1)[0]
    assert "Aflyst snart" not in section
    assert "Morgenmøde i marts" in section and f'href="/meetings/{world.meeting.id}"' in section


# --- one cancel scope name --------------------------------------------------------------------------


def _series_of_three(world: World) -> list[Meeting]:
    from app.meetings import services

    _series, created = services.create_series(world.organizer, world.group, {
        "title": "Serie", "frequency": "weekly", "weekday": 2, "starts_on": "2031-06-01",
        "ends_on": "2031-06-30", "start_time": "08:30", "end_time": "10:00",
    })
    return created


@pytest.mark.parametrize("scope", ["following", "rest_of_series"])
def test_api_cancel_scope_following_and_the_deprecated_alias(client, world, scope):
    created = _series_of_three(world)
    response = client.post(f"/api/v1/meetings/{created[1].id}/cancel",
                           json={"scope": scope, "reason": "Pause"},
                           headers=organizer_headers(world))
    assert response.status_code == 200
    assert [m.is_cancelled for m in created] == [False] + [True] * (len(created) - 1)


def test_the_scope_word_is_following_on_web_and_in_the_api_documents(client, login, world):
    created = _series_of_three(world)
    login(world.organizer)
    page = client.get(f"/meetings/{created[1].id}/cancel").get_data(as_text=True)
    assert 'value="following"' in page
    spec = client.get("/api/v1/openapi.json").json
    cancel = spec["components"]["schemas"]["CancelInput"]["properties"]["scope"]
    patch = spec["components"]["schemas"]["MeetingPatch"]["properties"]["scope"]
    assert cancel["enum"][:2] == patch["enum"] == ["this", "following"]
    assert "deprecated" in cancel["description"]


# --- where the next meeting is ---------------------------------------------------------------------


def test_group_page_shows_the_next_meeting(client, login, world):
    create_meeting(group=world.group, title="Forbi", starts_at=utcnow() - timedelta(days=2))
    login(world.member)
    page = client.get(f"/groups/{world.group.slug}").get_data(as_text=True)
    section = page.split("data-next-meeting", 1)[1].split("</section>", 1)[0]
    assert "Next meeting" in section and "Morgenmøde i marts" in section and "Forbi" not in section


def test_group_page_says_when_no_meeting_is_planned(client, login, world):
    world.meeting.starts_at = utcnow() - timedelta(days=3)
    world.meeting.ends_at = world.meeting.starts_at + timedelta(hours=1)
    db.session.commit()
    login(world.member)
    page = client.get(f"/groups/{world.group.slug}").get_data(as_text=True)
    section = page.split("data-next-meeting", 1)[1].split("</section>", 1)[0]
    assert "No meetings are planned yet." in section


def test_month_view_opens_on_the_month_of_the_next_meeting(client, login, world):
    create_meeting(group=world.group, title="Forbi", starts_at=utcnow() - timedelta(days=2))
    login(world.member)
    page = client.get(f"/groups/{world.group.slug}/meetings?view=month").get_data(as_text=True)
    assert "March 2031" in page and f'href="/meetings/{world.meeting.id}"' in page
    # An explicit month is still shown as asked.
    page = client.get(f"/groups/{world.group.slug}/meetings?view=month&month=2031-04").get_data(as_text=True)
    assert "April 2031" in page


def test_default_month_without_a_next_meeting_is_the_current_month():
    today = datetime(2027, 5, 17).date()
    assert calendar_view.default_month(today, None) == (2027, 5)
    assert calendar_view.default_month(today, datetime(2027, 9, 1).date()) == (2027, 9)


def test_start_page_links_to_all_my_meetings(client, login, world):
    for n in range(6):
        create_meeting(group=world.group, title=f"Møde {n}")
    login(world.member)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/meetings" data-see-all' in page


# --- a series creates no meetings in the past ------------------------------------------------------


def _weekly_around_today() -> dict:
    today = utcnow().astimezone(CPH).date()
    return {
        "title": "Ugentlig", "frequency": "weekly", "weekday": str(today.weekday()),
        "starts_on": (today - timedelta(days=21)).isoformat(),
        "ends_on": (today + timedelta(days=21)).isoformat(),
        "start_time": "08:30", "end_time": "10:00", "holiday_policy": "ignore",
    }


def test_series_skips_dates_in_the_past_in_preview_and_creation(app, world):
    from app.meetings import services

    data = _weekly_around_today()
    data["weekday"] = int(data["weekday"])
    plan = services.preview_series(world.organizer, world.group, data)
    past = [s for s in plan.skipped if s.reason == "past"]
    assert len(past) >= 3
    assert all(o.start >= utcnow() for o in plan.occurrences)
    _series, created = services.create_series(world.organizer, world.group, data)
    assert created and all(m.starts_at >= utcnow() - timedelta(minutes=1) for m in created)


def test_series_preview_on_the_web_says_in_the_past(client, login, world):
    login(world.organizer)
    response = client.post(f"/groups/{world.group.slug}/series/new",
                           data={**_weekly_around_today(), "action": "preview"})
    assert response.status_code == 200
    assert "In the past" in response.get_data(as_text=True)


def test_series_dry_run_in_the_api_marks_past_dates(client, world):
    body = {**_weekly_around_today(), "weekday": int(_weekly_around_today()["weekday"]), "dry_run": True}
    response = client.post(f"/api/v1/groups/{world.group.slug}/series?lang=en", json=body,
                           headers=organizer_headers(world))
    assert response.status_code == 200
    past = [s for s in response.json["skipped"] if s["reason"] == "past"]
    assert len(past) >= 3 and past[0]["reason_text"] == "In the past"
