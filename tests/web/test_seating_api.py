"""The seating API (/api/v1/meetings/{id}/seating): the same permissions and messages as the web,
an edited plan checked, versions, and hostile bodies answered 4xx with problem+json, never 500."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.extensions import db
from app.models import Rsvp
from app.seating import services
from tests.factories import create_member
from tests.web.api_helpers import PROBLEM, assert_problem, bearer, token_for
from tests.web.seating_helpers import build_room, going, key, met, plan_of


@pytest.fixture(autouse=True)
def quick(app):
    app.config["SEATING_SECONDS"] = 60.0
    app.config["SEATING_MAX_ITERATIONS"] = 20000


@pytest.fixture
def room(app):
    return build_room(others=4, guest=True)


def url(room) -> str:
    return f"/api/v1/meetings/{room.meeting.id}/seating?lang=en"


def headers(room, role: str) -> dict[str, str]:
    person = room.person(role)
    return bearer(token_for(person)) if person is not None else {}


def generate(room, **settings):
    settings = settings or {"tables": 2, "rounds": 2}
    return services.generate(room.organizer, room.meeting.id, settings, seed=1).plan


def test_anonymous_is_401(client, room):
    assert_problem(client.get(url(room)), 401)
    assert_problem(client.post(url(room), json={"settings": {"tables": 2}}), 401)


@pytest.mark.parametrize("role, status", [("outsider", 404), ("member", 403), ("organizer", 200),
                                          ("admin", 200)])
def test_post_by_role(client, room, role, status):
    response = client.post(url(room), json={"settings": {"tables": 2, "rounds": 2}},
                           headers=headers(room, role))
    if status == 200:
        assert response.status_code == 200
        body = response.get_json()
        assert body["full"] is True and body["version"] == 1 and len(body["rounds"]) == 2
        assert body["quality"]["pairs"] == body["quality"]["new_pairs"] + body["quality"]["repeats"]
    else:
        assert_problem(response, status)
        assert plan_of(room.meeting) is None


def test_get_organizer_sees_everything(client, room):
    body = client.get(url(room), headers=headers(room, "organizer")).get_json()
    assert body == {**body, "version": 0, "rounds": [], "published": False, "full": True, "quality": None}
    plan = generate(room)
    body = client.get(url(room), headers=headers(room, "organizer")).get_json()
    assert body["version"] == plan.version and body["settings"]["tables"] == 2
    assert [[[p["key"] for p in t["people"]] for t in r] for r in body["rounds"]] == plan.rounds
    names = {p["name"] for r in body["rounds"] for t in r for p in t["people"]}
    assert "Gitte Gæst" in names and "Mads Member" in names


def test_get_member_only_own_tables_once_published(client, room):
    plan = generate(room)
    body = client.get(url(room), headers=headers(room, "member")).get_json()
    assert body["full"] is False and body["published"] is False and body["rounds"] == []
    assert body["quality"] is None
    services.publish(room.organizer, room.meeting.id, True, version=plan.version)
    body = client.get(url(room), headers=headers(room, "member")).get_json()
    assert body["published"] is True and len(body["rounds"]) == 2
    for number, tables in enumerate(body["rounds"]):
        assert len(tables) == 1
        mine = next(t for t in plan.rounds[number] if key(room.member) in t)
        assert tables[0]["table"] == plan.rounds[number].index(mine) + 1
        others = sorted(k for k in mine if k != key(room.member))
        assert sorted(p["key"] for p in tables[0]["people"]) == others
    assert_problem(client.get(url(room), headers=headers(room, "outsider")), 404)


def test_save_an_edited_plan(client, room):
    version = generate(room, tables=2, rounds=1).version
    a, b, c, d, e, f = (key(m) for m in room.going)
    g = f"g{room.guest.id}"
    met(room, room.going[0], room.going[1], date(2025, 5, 1))
    response = client.post(url(room), json={"rounds": [[[a, b, c, g], [d, e, f]]], "version": version},
                           headers=headers(room, "organizer"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == version + 1
    quality = body["quality"]
    assert quality["pairs"] == 6 + 3 and quality["repeats"] == 1 and quality["new_pairs"] == 8
    assert quality["repeated"] == [{"a": min(a, b), "b": max(a, b), "times": 1, "last_met": "2025-05-01",
                                    "met_count": 1}]


@pytest.mark.parametrize("edit, message", [
    (lambda a, b, c, d, e, f, g: [[[a, a, c, g], [d, e, f]]], "seated twice"),
    (lambda a, b, c, d, e, f, g: [[[a, c, g], [d, e, f]]], "has no seat"),
    (lambda a, b, c, d, e, f, g: [[[a, b, c, g], [d, e, f, "m99999"]]], "not among"),
    (lambda a, b, c, d, e, f, g: [[[a, b, c, g], [d, e, f, "bogus\u0000"]]], "not among"),
])
def test_an_edited_plan_is_checked(client, room, edit, message):
    plan = generate(room, tables=2, rounds=1)
    keys = [key(m) for m in room.going] + [f"g{room.guest.id}"]
    response = client.post(url(room), json={"rounds": edit(*keys), "version": plan.version},
                           headers=headers(room, "organizer"))
    body = assert_problem(response, 422)
    assert any(message in m for m in body["errors"]["rounds"]), body
    assert plan_of(room.meeting).version == plan.version


def test_version_conflict(client, room):
    plan = generate(room, tables=2, rounds=1)
    rounds = plan.rounds
    services.publish(room.organizer, room.meeting.id, True, version=plan.version)
    for body in [{"rounds": rounds, "version": 1}, {"replan": True, "version": 1},
                 {"settings": {"tables": 2}, "version": 1}]:
        problem = assert_problem(client.post(url(room), json=body, headers=headers(room, "organizer")), 409)
        assert "changed by someone else" in problem["detail"]
    assert plan_of(room.meeting).version == 2


def test_late_arrivals_and_cancellations_are_listed(client, room):
    plan = generate(room, tables=2, rounds=1)
    late = create_member(groups=[room.group], name="Lene Late")
    going(room.meeting, late)
    rsvp = db.session.query(Rsvp).filter_by(meeting_id=room.meeting.id, member_id=room.others[0].id).one()
    rsvp.status = "declined"
    db.session.commit()
    body = client.get(url(room), headers=headers(room, "organizer")).get_json()
    assert [p["key"] for p in body["not_seated"]] == [key(late)]
    assert [(p["key"], p["here"]) for p in body["gone"]] == [(key(room.others[0]), False)]
    response = client.post(url(room), json={"replan": True, "version": plan.version},
                           headers=headers(room, "organizer"))
    body = response.get_json()
    assert body["not_seated"] == [] and body["gone"] == []


def test_replan_and_publish_in_one_call(client, room):
    plan = generate(room, tables=2, rounds=2)
    response = client.post(url(room), json={"replan": True, "version": plan.version, "published": True},
                           headers=headers(room, "organizer"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["moved"] == 0 and body["published"] is True and body["version"] == 3


HOSTILE: list[Any] = ["a\x00b", "\ud800", 2**31, 10**30, -1, 0, "", True, 1.5, [], ["x"], {}, None,
                      "x" * 10_000]


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize("name", ["tables", "table_size", "table_sizes", "rounds", "hosts"])
def test_hostile_settings(client, room, name, value):
    settings = {"tables": 2, name: value} if name not in ("tables",) else {name: value}
    if name in ("table_size", "table_sizes"):
        settings = {name: value}
    response = client.post(url(room), json={"settings": settings}, headers=headers(room, "organizer"))
    assert response.status_code < 500
    if response.status_code != 200:
        assert response.mimetype == PROBLEM and response.status_code in (400, 409, 422)
        assert response.get_json()["detail"]


@pytest.mark.parametrize("body", [
    {}, {"settings": None}, {"settings": "tables=2"}, {"settings": [2]}, {"rounds": "x", "version": 1},
    {"rounds": [[["m1"]]]}, {"rounds": [[[1]]], "version": 1}, {"rounds": [[[["m1"]]]], "version": 1},
    {"rounds": [[[]]] * 5, "version": 1}, {"settings": {"tables": 2}, "rounds": [[[]]]},
    {"settings": {"tables": 2}, "replan": True}, {"replan": "yes", "version": 1}, {"replan": True},
    {"published": "yes"}, {"version": "1", "published": True}, {"version": 10**30, "published": True},
    {"settings": {"tables": 2}, "seed": -1}, {"settings": {"tables": 2, "unknown": 1}},
    {"settings": {"tables": 0}}, {"settings": {"table_size": 1}}, {"settings": {"tables": 50}},
])
def test_wrong_bodies_are_4xx_with_a_message(client, room, body):
    response = client.post(url(room), json=body, headers=headers(room, "organizer"))
    assert 400 <= response.status_code < 500, response.get_json()
    problem = response.get_json()
    assert response.mimetype == PROBLEM and problem["detail"]


@pytest.mark.parametrize("data", ['{"settings": ', "[1]", '"x"', "null", "[" * 3000 + "]" * 3000,
                                  '{"settings": {"tables": 1' + "0" * 5000 + "}}"])
def test_malformed_json(client, room, data):
    response = client.post(url(room), data=data, content_type="application/json",
                           headers=headers(room, "organizer"))
    assert 400 <= response.status_code < 500
    assert response.mimetype == PROBLEM


def test_messages_are_the_webs(client, room):
    response = client.post(url(room), json={"settings": {"table_size": 1}},
                           headers=headers(room, "organizer"))
    body = assert_problem(response, 422)
    assert body["errors"] == {"table_size": ["A table needs at least 2 people."]}
    response = client.post(url(room), json={"settings": {"tables": 9}}, headers=headers(room, "organizer"))
    assert assert_problem(response, 422)["errors"] == {"tables": ["More tables (9) than people (7)."]}
