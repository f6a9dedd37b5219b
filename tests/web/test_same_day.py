"""One meeting created or moved onto a day on which the group already has a meeting: the web form
warns (naming it) and asks "create/move anyway"; the API answers 409 naming it unless
`allow_same_day`. "The same day" is the local day in the group's zone; cancelled meetings and other
groups' meetings do not count, and a change within the same day is not asked about."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Meeting, MeetingStatus
from tests.factories import build_meeting_world, create_meeting
from tests.web.api_helpers import assert_problem, bearer, token_for
from tests.web.meeting_helpers import API_NEW_MEETING

CPH = ZoneInfo("Europe/Copenhagen")
# The world's meeting: »Morgenmøde i marts«, Wednesday 5 March 2031, 08:30-10:00 in Copenhagen.
SAME_DAY = {
    "title": "Ekstra møde", "date": "2031-03-05", "start_time": "14:00", "end_time": "15:00",
    "doors_open_time": "", "venue_name": "Revisorhuset", "venue_address": "Bredgade 12, 7400 Herning",
    "capacity": "", "rsvp_deadline": "", "guests_welcome": "y", "agenda": "",
}


@pytest.fixture
def world(app):
    return build_meeting_world()


def count() -> int:
    return db.session.scalar(select(func.count(Meeting.id)))


def test_web_create_on_a_day_with_a_meeting_warns_and_creates_when_confirmed(client, login, world):
    login(world.organizer)
    url = f"/groups/{world.group.slug}/meetings/new"
    response = client.post(url, data=SAME_DAY)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="same-day-warning"' in page and "Morgenmøde i marts" in page and "8:30" in page
    assert 'name="allow_same_day"' in page and "Yes, create it anyway" in page
    assert count() == 1
    response = client.post(url, data={**SAME_DAY, "allow_same_day": "y"})
    assert response.status_code == 302 and count() == 2


def test_web_create_on_a_free_day_or_beside_a_cancelled_meeting_asks_nothing(client, login, world):
    login(world.organizer)
    create_meeting(group=world.group, status=MeetingStatus.CANCELLED.value,
                   starts_at=datetime(2031, 3, 6, 8, 30, tzinfo=CPH),
                   ends_at=datetime(2031, 3, 6, 10, 0, tzinfo=CPH))
    url = f"/groups/{world.group.slug}/meetings/new"
    assert client.post(url, data={**SAME_DAY, "date": "2031-03-06"}).status_code == 302
    assert client.post(url, data={**SAME_DAY, "date": "2031-03-07"}).status_code == 302


def test_web_move_onto_a_day_with_a_meeting_warns_and_moves_when_confirmed(client, login, world):
    login(world.organizer)
    other = create_meeting(group=world.group, title="Flyttes",
                           starts_at=datetime(2031, 3, 12, 8, 30, tzinfo=CPH),
                           ends_at=datetime(2031, 3, 12, 10, 0, tzinfo=CPH))
    url = f"/meetings/{other.id}/edit"
    form = {**SAME_DAY, "title": "Flyttes", "scope": "this"}
    response = client.post(url, data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Morgenmøde i marts" in page and "Yes, move it anyway" in page
    assert other.starts_at.astimezone(CPH).day == 12
    # Another time on the same day it already has: nothing to ask.
    assert client.post(url, data={**form, "date": "2031-03-12"}).status_code == 302
    assert client.post(url, data={**form, "allow_same_day": "y"}).status_code == 302
    db.session.refresh(other)
    assert other.starts_at.astimezone(CPH).day == 5


def headers(world):
    return bearer(token_for(world.organizer))


def test_api_create_on_a_day_with_a_meeting_is_409_naming_it(client, world):
    url = f"/api/v1/groups/{world.group.slug}/meetings?lang=en"
    body = {**API_NEW_MEETING, "date": "2031-03-05", "start_time": "14:00", "end_time": "15:00",
            "rsvp_deadline": None}
    problem = assert_problem(client.post(url, json=body, headers=headers(world)), 409)
    assert "Morgenmøde i marts" in str(problem) and "8:30" in str(problem) and "date" in problem["errors"]
    assert count() == 1
    response = client.post(url, json={**body, "allow_same_day": True}, headers=headers(world))
    assert response.status_code == 201 and count() == 2


def test_api_move_onto_a_day_with_a_meeting_is_409_unless_allowed(client, world):
    other = create_meeting(group=world.group, title="Flyttes",
                           starts_at=datetime(2031, 3, 12, 8, 30, tzinfo=CPH),
                           ends_at=datetime(2031, 3, 12, 10, 0, tzinfo=CPH))
    url = f"/api/v1/meetings/{other.id}?lang=en"
    problem = assert_problem(client.patch(url, json={"date": "2031-03-05"}, headers=headers(world)), 409)
    assert "Morgenmøde i marts" in str(problem)
    assert client.patch(url, json={"title": "Nyt navn"}, headers=headers(world)).status_code == 200
    assert client.patch(url, json={"start_time": "07:30"}, headers=headers(world)).status_code == 200
    response = client.patch(url, json={"date": "2031-03-05", "allow_same_day": True}, headers=headers(world))
    assert response.status_code == 200
    assert assert_problem(client.patch(url, json={"allow_same_day": "ja"}, headers=headers(world)), 422)


def test_the_clash_names_the_other_meetings_time_as_the_reader_writes_it(client, world):
    """Danish writes 08.30, English 8:30 AM: the message uses the reader's locale in the group's zone."""
    url = f"/api/v1/groups/{world.group.slug}/meetings"
    body = {**API_NEW_MEETING, "date": "2031-03-05", "start_time": "14:00", "end_time": "15:00",
            "rsvp_deadline": None}
    danish = assert_problem(client.post(url, json=body, headers=headers(world)), 409)
    assert "08.30" in danish["errors"]["date"][0] and "10.00" in danish["errors"]["date"][0]
    english = assert_problem(client.post(url + "?lang=en", json=body, headers=headers(world)), 409)
    assert "8:30" in english["errors"]["date"][0]
