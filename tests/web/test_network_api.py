"""The Network API: a member's network with the web's permissions, and 1-to-1s."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OneToOne, OutboxMessage
from tests.web.api_helpers import assert_problem, assert_unauthorized, bearer, token_for
from tests.web.connections_helpers import build_net, local_today


@pytest.fixture
def net(app):
    return build_net()


def _get(client, viewer, member_id):
    return client.get(f"/api/v1/members/{member_id}/network", headers=bearer(token_for(viewer)))


@pytest.mark.parametrize("role,hidden,expected", [
    ("target", False, "full"), ("target", True, "full"),
    ("xena", False, "full"), ("xena", True, "none"),
    ("member", False, "full"), ("member", True, "none"),
    ("organizer", False, "full"), ("organizer", True, "aggregate"),
    ("admin", False, "full"), ("admin", True, "aggregate"),
    ("stranger", False, 404), ("stranger", True, 404),
])
def test_member_network_permissions(client, net, role, hidden, expected):
    net.target.hide_network = hidden
    db.session.commit()
    response = _get(client, getattr(net, role), net.target.id)
    if expected == 404:
        assert_problem(response, 404)
        return
    assert response.status_code == 200
    body = response.get_json()
    assert body["member_id"] == net.target.id and body["visibility"] == expected
    if expected == "none":
        assert body["counts"] is None and body["people"] is None
    else:
        assert body["counts"] == {"members_met": 2, "new_this_year": body["counts"]["new_this_year"],
                                  "one_to_ones": 0}
    if expected == "full":
        ids = [p["id"] for p in body["people"]]
        if role in ("admin", "target"):
            assert set(ids) == {net.xena.id, net.yann.id} and body["not_shown"] == 0
        else:  # Yann is in group B only
            assert ids == [net.xena.id] and body["not_shown"] == 1
    else:
        assert body["people"] is None
    if role == "target":
        assert body["tie"] is None
    elif role == "xena":
        assert body["tie"]["met"] is True and body["tie"]["times_met"] == 1 and body["tie"]["tables"] == 1
    else:
        assert body["tie"]["met"] is False


def test_the_strongest_first_with_their_numbers(client, net):
    body = _get(client, net.admin, net.target.id).get_json()
    yann, xena = body["people"]
    assert yann["id"] == net.yann.id and yann["relation"]["tables"] == 2  # two rounds at one meeting
    assert yann["relation"]["times_met"] == 1 and yann["relation"]["level"] == "known"
    assert xena["relation"]["tables"] == 1 and xena["relation"]["strength"] < yann["relation"]["strength"]


def test_unknown_ids_and_anonymous(client, net):
    assert_unauthorized(client.get(f"/api/v1/members/{net.target.id}/network"))
    headers = bearer(token_for(net.admin))
    assert_problem(client.get("/api/v1/members/987654/network", headers=headers), 404)
    assert client.get("/api/v1/members/99999999999/network", headers=headers).status_code == 404


def _propose(client, proposer, partner, **values):
    body = {"partner_id": partner.id, "met_on": (local_today() + timedelta(days=5)).isoformat(),
            "start_time": "08:30", "duration_minutes": 30, "place": "Kontoret", "note": "Kaffe"}
    body.update(values)
    return client.post("/api/v1/one-to-ones", json=body, headers=bearer(token_for(proposer)))


def test_one_to_one_flow(client, net):
    response = _propose(client, net.member, net.xena)
    assert response.status_code == 201
    created = response.get_json()
    assert created["status"] == "proposed" and created["partner"]["id"] == net.xena.id
    assert created["starts_at"].endswith(("+01:00", "+02:00")) and created["duration_minutes"] == 30
    assert db.session.scalar(select(OutboxMessage.kind)) == "one_to_one_invite"
    oid = created["id"]
    member, xena = bearer(token_for(net.member)), bearer(token_for(net.xena))
    assert_problem(client.post(f"/api/v1/one-to-ones/{oid}/confirm", headers=member), 403)
    assert_problem(client.post(f"/api/v1/one-to-ones/{oid}/cancel", headers=xena), 403)
    assert_problem(client.get(f"/api/v1/one-to-ones/{oid}", headers=bearer(token_for(net.stranger))), 404)
    confirmed = client.post(f"/api/v1/one-to-ones/{oid}/confirm", headers=xena)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    listed = client.get("/api/v1/one-to-ones", headers=xena).get_json()["one_to_ones"]
    assert [row["id"] for row in listed] == [oid]
    cancelled = client.post(f"/api/v1/one-to-ones/{oid}/cancel", headers=member)
    assert cancelled.get_json()["status"] == "cancelled"
    assert_problem(client.post(f"/api/v1/one-to-ones/{oid}/decline", headers=xena), 409)


@pytest.mark.parametrize("values", [
    {"partner_id": "1"}, {"partner_id": 2**40}, {"partner_id": None}, {"partner_id": True},
    {"met_on": "2026-02-30"}, {"met_on": 20260101}, {"met_on": "0001-01-01"},
    {"start_time": "24:61"}, {"start_time": 830}, {"duration_minutes": 5}, {"duration_minutes": 10**12},
    {"duration_minutes": "60"}, {"place": "x" * 301}, {"note": "a\x00b"}, {"note": "\ud800"},
    {"note": ["list"]}, {"unknown": 1},
])
def test_hostile_bodies_are_4xx(client, net, values):
    response = _propose(client, net.member, net.xena, **values)
    assert 400 <= response.status_code < 500
    assert db.session.scalar(select(OneToOne)) is None


def test_partner_outside_my_groups_and_myself(client, net):
    assert_problem(_propose(client, net.member, net.yann), 422)  # Yann is in group B only
    body = assert_problem(_propose(client, net.member, net.member), 422)
    assert "partner_id" in body["errors"]


def test_not_json_and_garbage(client, net):
    headers = bearer(token_for(net.member))
    assert client.post("/api/v1/one-to-ones", data="x", headers=headers).status_code == 415
    json_headers = {**headers, "Content-Type": "application/json"}
    response = client.post("/api/v1/one-to-ones", data="{", headers=json_headers)
    assert response.status_code == 400
    response = client.post("/api/v1/one-to-ones", json=[1, 2], headers=headers)
    assert 400 <= response.status_code < 500


def test_a_member_who_hides_their_network_is_counted_as_private_in_anothers_list(net, client):
    net.xena.hide_network = True
    db.session.commit()
    body = _get(client, net.admin, net.target.id).get_json()
    assert [p["id"] for p in body["people"]] == [net.yann.id]
    assert body["private"] == 1 and body["not_shown"] == 0
    body = _get(client, net.xena, net.target.id).get_json()  # her own tie she always sees
    assert net.xena.id in [p["id"] for p in body["people"]] and body["private"] == 0
