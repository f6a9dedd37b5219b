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


def test_a_member_sees_their_answer_at_the_top_with_a_jump_to_the_sign_up_box(app, client, login):
    from app.rsvp import services as rsvp

    world = build_meeting_world()
    login(world.member)
    page = client.get(f"/meetings/{world.meeting.id}").get_data(as_text=True)
    top = page.split("data-rsvp-jump", 1)[1].split("</p>", 1)[0]
    assert "Not answered" in top and 'href="#rsvp"' in top and 'id="rsvp"' in page
    rsvp.answer(world.member, world.meeting.id, "yes")
    page = client.get(f"/meetings/{world.meeting.id}").get_data(as_text=True)
    assert "Going" in page.split("data-rsvp-jump", 1)[1].split("</p>", 1)[0]


def test_no_jump_for_outsiders_or_a_cancelled_meeting(app, client, login):
    world = build_meeting_world(public=True)
    login(world.outsider)
    assert "data-rsvp-jump" not in client.get(f"/meetings/{world.meeting.id}").get_data(as_text=True)
    meetings.cancel_meeting(world.organizer, world.meeting.id, "")
    login(world.member)
    assert "data-rsvp-jump" not in client.get(f"/meetings/{world.meeting.id}").get_data(as_text=True)
