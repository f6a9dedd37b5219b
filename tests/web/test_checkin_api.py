"""The check-in API: /api/v1/meetings/{id}/checkins and /close, with the web's permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CheckIn, CheckInVia, Meeting
from tests.web.api_helpers import assert_problem, bearer, token_for
from tests.web.checkin_helpers import build_door


@pytest.fixture
def door(app, english):
    return build_door()


def _url(door, tail=""):
    return f"/api/v1/meetings/{door.meeting.id}/checkins{tail}"


def _count():
    return db.session.scalar(select(func.count(CheckIn.id)))


def test_list_check_in_idempotent_and_undo(client, door):
    headers = bearer(token_for(door.organizer))
    listing = client.get(_url(door), headers=headers)
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["open"] is True and body["counts"]["expected"] == 3
    keys = {a["key"] for a in body["attendees"]}
    assert keys == {f"m{door.member.id}", f"m{door.second.id}", f"g{door.guest.id}"}
    first = client.post(_url(door), json={"member_id": door.member.id}, headers=headers)
    assert first.status_code == 201
    assert first.get_json()["created"] is True and first.get_json()["attendee"]["checked_in"] is True
    again = client.post(_url(door), json={"member_id": door.member.id}, headers=headers)
    assert again.status_code == 200 and again.get_json()["created"] is False
    row = db.session.scalar(select(CheckIn))
    assert row.via == CheckInVia.API.value and _count() == 1
    walk_in = client.post(_url(door), json={"member_id": door.walker.id}, headers=headers)
    assert walk_in.status_code == 201 and walk_in.get_json()["attendee"]["going"] is False
    visitor = {"visitor": {"name": "Vera Visitor", "email": "vera@example.test", "company": "V ApS",
                           "brought_by_id": door.member.id}}
    made = client.post(_url(door), json=visitor, headers=headers)
    assert made.status_code == 201 and made.get_json()["attendee"]["kind"] == "visitor"
    assert client.post(_url(door), json=visitor, headers=headers).status_code == 200
    checkin_id = made.get_json()["attendee"]["checkin_id"]
    assert client.delete(_url(door, f"/{checkin_id}"), headers=headers).status_code == 204
    assert_problem(client.delete(_url(door, f"/{checkin_id}"), headers=headers), 404)
    assert _count() == 2


@pytest.mark.parametrize("role, status", [("outsider", 404), ("member", 403), ("admin", 200)])
def test_permissions(client, door, role, status):
    headers = bearer(token_for(door.person(role)))
    response = client.get(_url(door), headers=headers)
    assert response.status_code == status
    post = client.post(_url(door), json={"member_id": door.member.id}, headers=headers)
    assert post.status_code == (201 if status == 200 else status)
    close = client.post(f"/api/v1/meetings/{door.meeting.id}/close", headers=headers)
    assert close.status_code == (409 if status == 200 else status)  # not started yet


def test_anonymous_gets_401(client, door):
    assert_problem(client.get(_url(door)), 401)
    assert_problem(client.post(_url(door), json={"member_id": door.member.id}), 401)
    assert _count() == 0


def test_cancelled_meeting_is_409(client, door):
    door.meeting.status = "cancelled"
    db.session.commit()
    headers = bearer(token_for(door.organizer))
    assert_problem(client.post(_url(door), json={"member_id": door.member.id}, headers=headers), 409)


@pytest.mark.parametrize("body", [
    {}, {"member_id": 1, "guest_id": 1}, {"member_id": "1"}, {"member_id": 1.5}, {"member_id": True},
    {"member_id": 2**31}, {"member_id": 2**63}, {"member_id": -1}, {"guest_id": None}, {"visitor": "Vera"},
    {"visitor": {"name": ""}}, {"visitor": {"name": "A\u0000B"}}, {"visitor": {"name": "\ud800"}},
    {"visitor": {"name": "x" * 300}}, {"visitor": {"name": "V", "email": "not-an-address"}},
    {"visitor": {"name": "V", "brought_by_id": "x"}}, {"visitor": {"name": "V", "brought_by_id": 999999}},
    [], "member", 5,
])
def test_hostile_bodies_are_422(client, door, body):
    headers = bearer(token_for(door.organizer))
    response = client.post(_url(door), json=body, headers=headers)
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert _count() == 0


def test_people_not_in_the_group_are_422(client, door):
    headers = bearer(token_for(door.organizer))
    response = client.post(_url(door), json={"member_id": door.outsider.id}, headers=headers)
    body = assert_problem(response, 422)
    assert "member_id" in body["errors"]
    assert client.post(_url(door), json={"guest_id": 999}, headers=headers).status_code == 422
    visitor = client.post(_url(door), json={"visitor": {"name": "X", "email": door.second.email}},
                          headers=headers)
    assert visitor.status_code == 422
    assert _count() == 0


def test_huge_ids_in_the_path(client, door):
    headers = bearer(token_for(door.organizer))
    assert client.get("/api/v1/meetings/99999999999/checkins", headers=headers).status_code == 404
    assert client.delete(_url(door, "/99999999999"), headers=headers).status_code == 404


def test_close_through_the_api(app, client, english):
    from datetime import timedelta

    door = build_door(starts_in=timedelta(minutes=-20))
    headers = bearer(token_for(door.organizer))
    client.post(_url(door), json={"member_id": door.member.id}, headers=headers)
    response = client.post(f"/api/v1/meetings/{door.meeting.id}/close", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["closed"] is True and body["counts"]["no_shows"] == 2
    again = client.post(f"/api/v1/meetings/{door.meeting.id}/close", headers=headers)
    assert again.get_json()["closed"] is False
    assert db.session.get(Meeting, door.meeting.id).closed_at is not None
    assert_problem(client.post(_url(door), json={"member_id": door.second.id}, headers=headers), 409)
