"""The meeting page leads organizers to »Hvem kommer«, also for a past or cancelled meeting."""

from datetime import timedelta

import pytest

from app.meetings import services as meetings
from app.models import utcnow
from tests.factories import build_meeting_world, create_meeting


@pytest.mark.parametrize("state", ["coming", "past", "cancelled"])
def test_organizers_find_the_attendee_page_from_the_meeting_page(app, client, login, state):
    world = build_meeting_world()
    meeting = world.meeting
    if state == "past":
        start = utcnow() - timedelta(days=3)
        meeting = create_meeting(group=world.group, title="Sidste gang", starts_at=start,
                                 ends_at=start + timedelta(hours=1))
    elif state == "cancelled":
        meetings.cancel_meeting(world.organizer, meeting.id, "Syg vært")
    login(world.organizer)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/attendees" data-attendees-button' in page
    assert client.get(f"/meetings/{meeting.id}/attendees").status_code == 200


def test_members_get_no_attendee_button(app, client, login):
    world = build_meeting_world()
    login(world.member)
    page = client.get(f"/meetings/{world.meeting.id}").get_data(as_text=True)
    assert "data-attendees-button" not in page
    assert client.get(f"/meetings/{world.meeting.id}/attendees").status_code == 403
