"""GET/POST /api/v1/meetings/{id}/invitations: the preview and the sending of calendar invitations
over the same service as the meeting page's button; problems (401/403/404/409) as problem+json."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import MeetingInvite, OutboxMessage, utcnow
from app.models.meeting import MeetingStatus
from tests.factories import build_meeting_world, create_meeting, create_member
from tests.web.api_helpers import assert_problem, assert_unauthorized, bearer, token_for


def _sent() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id))
                             .where(OutboxMessage.kind == "calendar_invite"))


@pytest.fixture
def world(app):
    world = build_meeting_world()
    create_member(groups=[world.group], name="Karen Kofoed", language="en")
    return world  # organizer, member, Karen: three in the group


def _url(world, suffix: str = "") -> str:
    return f"/api/v1/meetings/{world.meeting.id}/invitations{suffix}"


def test_preview_then_send_then_send_again(client, world):
    headers = bearer(token_for(world.organizer))
    before = client.get(_url(world), headers=headers)
    assert before.status_code == 200
    assert before.headers["Cache-Control"] == "no-store"
    assert before.get_json() == {
        "meeting_id": world.meeting.id, "to_invite": 3, "already": 0, "sent_at": None, "can_send": True,
        "replies": {"ACCEPTED": 0, "TENTATIVE": 0, "DECLINED": 0, "NEEDS-ACTION": 0}}

    sent = client.post(_url(world), headers=headers)
    assert sent.status_code == 200
    assert sent.get_json() == {"meeting_id": world.meeting.id, "invited": 3, "already": 0}
    assert _sent() == 3

    again = client.post(_url(world), headers=headers)
    assert again.get_json() == {"meeting_id": world.meeting.id, "invited": 0, "already": 3}
    assert _sent() == 3

    after = client.get(_url(world), headers=headers).get_json()
    assert (after["to_invite"], after["already"]) == (0, 3)
    assert after["replies"]["NEEDS-ACTION"] == 3
    sent_at = datetime.fromisoformat(after["sent_at"])
    assert sent_at.utcoffset() == timedelta(hours=1)  # the group's zone (Copenhagen, winter)
    assert abs(sent_at - utcnow()) < timedelta(minutes=5)


def test_an_accepted_answer_shows_in_the_replies(client, world):
    from app.rsvp import services as rsvp

    headers = bearer(token_for(world.organizer))
    rsvp.answer(world.member, world.meeting.id, "yes")
    client.post(_url(world), headers=headers)
    replies = client.get(_url(world), headers=headers).get_json()["replies"]
    assert replies["ACCEPTED"] == 1 and replies["NEEDS-ACTION"] == 2


def test_admin_may_send(client, world):
    response = client.post(_url(world), headers=bearer(token_for(world.admin)))
    assert response.status_code == 200 and response.get_json()["invited"] == 3


@pytest.mark.parametrize("method", ["get", "post"])
def test_member_403_outsider_404_anonymous_401(client, world, method):
    call = getattr(client, method)
    assert_problem(call(_url(world), headers=bearer(token_for(world.member))), 403)
    assert_problem(call(_url(world), headers=bearer(token_for(world.outsider))), 404)
    assert_unauthorized(call(_url(world)))
    assert_problem(call("/api/v1/meetings/987654/invitations", headers=bearer(token_for(world.admin))), 404)
    assert _sent() == 0


def test_cancelled_and_past_meetings_answer_409(client, world):
    headers = bearer(token_for(world.organizer))
    world.meeting.status = MeetingStatus.CANCELLED.value
    db.session.commit()
    problem = assert_problem(client.post(_url(world) + "?lang=en", headers=headers), 409)
    assert "cancelled" in problem["detail"]
    assert client.get(_url(world), headers=headers).get_json()["can_send"] is False

    past = create_meeting(group=world.group, starts_at=utcnow() - timedelta(days=1))
    response = client.post(f"/api/v1/meetings/{past.id}/invitations?lang=en", headers=headers)
    problem = assert_problem(response, 409)
    assert "invitations can no longer be sent" in problem["detail"]
    assert _sent() == 0 and db.session.scalar(select(func.count(MeetingInvite.id))) == 0


def test_bad_input_is_a_clear_4xx(client, world):
    headers = bearer(token_for(world.organizer))
    assert client.post(_url(world) + "?lang=xx", headers=headers).status_code == 422
    assert client.post(_url(world), headers=headers, data="<xml/>",
                       content_type="application/xml").status_code == 415
    assert client.get("/api/v1/meetings/99999999999999999999/invitations", headers=headers).status_code == 404
    assert client.post(_url(world), headers={"Authorization": "Bearer kk_nope"}).status_code == 401
    assert _sent() == 0


def test_the_document_describes_both_operations(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    path = spec["paths"]["/api/v1/meetings/{meeting_id}/invitations"]
    assert path["post"]["tags"] == ["Calendar invitations"] == path["get"]["tags"]
    assert {"200", "401", "403", "404", "409"} <= set(path["post"]["responses"])
    assert {"200", "401", "403", "404"} <= set(path["get"]["responses"])
    assert "409" not in path["get"]["responses"]
    assert path["post"]["security"] == [{"bearerAuth": []}]
    conflict = path["post"]["responses"]["409"]["content"]
    assert "application/problem+json" in conflict
    result = spec["components"]["schemas"]["InviteResult"]
    assert set(result["required"]) == {"meeting_id", "invited", "already"}
    tags = {tag["name"]: tag for tag in spec["tags"]}
    assert tags["Calendar invitations"]["description"]
