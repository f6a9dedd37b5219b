"""The requests API (tag "Requests"): the same services, permissions and messages as the pages;
hostile input is a 4xx problem, never a 500."""

from __future__ import annotations

import json

import pytest

from app import events
from app.extensions import db
from app.models import OutboxMessage
from app.models.social import HelpRequest, RequestAnswer
from tests.web.api_helpers import PROBLEM, bearer, token_for
from tests.web.asks_helpers import VIEWERS, answer, build_ask_world, next_week, post, reload


@pytest.fixture
def w(app):
    return build_ask_world()


def _h(w, role: str) -> dict:
    person = w.person(role)
    return bearer(token_for(person)) if person is not None else {}


def _post(client, url, payload, headers):
    return client.post(url, data=json.dumps(payload), content_type="application/json", headers=headers)


def test_post_a_request_to_the_path_group_and_more(app, client, w):
    from app.models import Membership

    db.session.add(Membership(member_id=w.asker.id, group_id=w.b.id))
    db.session.commit()
    sent = []
    with events.request_posted.connected_to(lambda sender, **kw: sent.append(sender.id)):
        response = _post(
            client,
            f"/api/v1/groups/{w.a.slug}/requests",
            {
                "title": "Et lokale til 40 personer",
                "deadline": next_week().isoformat(),
                "category": "premises",
                "groups": [w.b.slug],
                "raise_at_group": w.a.slug,
            },
            _h(w, "asker"),
        )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert sorted(g["slug"] for g in body["groups"]) == sorted([w.a.slug, w.b.slug])
    assert body["raise_at_meeting"]["id"] == w.meeting.id
    assert body["answers"] == [] and body["status"] == "open"
    assert "hidden" not in body
    assert sent == [body["id"]]


@pytest.mark.parametrize(
    "payload,field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": 5}, "title"),
        ({"title": "x", "deadline": "0001-01-01"}, "deadline"),
        ({"title": "x", "deadline": "9999-12-31"}, "deadline"),
        ({"title": "x", "deadline": "2000-01-01"}, "deadline"),
        ({"title": "x", "deadline": 20270101}, "deadline"),
        ({"title": "x", "category": "nonsense"}, "category"),
        ({"title": "x", "groups": "kaffeklub-bornholm"}, "groups"),
        ({"title": "x", "groups": ["kaffeklub-bornholm"]}, "groups"),
        ({"title": "x", "groups": [2**63]}, "groups"),
        ({"title": "a\x00b"}, "title"),
        ({"title": "\ud800"}, "title"),
        ({"title": "x", "raise_at_group": "kaffeklub-bornholm"}, "raise_at_group"),
    ],
)
def test_post_refuses_bad_bodies_with_a_422_naming_the_field(app, client, w, payload, field):
    response = client.post(
        f"/api/v1/groups/{w.a.slug}/requests",
        data=json.dumps(payload),
        content_type="application/json",
        headers=_h(w, "asker"),
    )
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == PROBLEM
    assert field in response.get_json()["errors"]
    assert db.session.scalar(db.select(db.func.count(HelpRequest.id))) == 0


def test_the_title_message_is_the_pages_own(app, client, w):
    response = _post(client, f"/api/v1/groups/{w.a.slug}/requests?lang=en", {"title": " "}, _h(w, "asker"))
    assert response.get_json()["errors"]["title"] == ["Please say what you need."]


@pytest.mark.parametrize(
    "body", ["[1, 2]", '"x"', "null", '{"title": "x"', "1" + "0" * 5000, "[" * 5000 + "]" * 5000]
)
def test_malformed_bodies_are_4xx(app, client, w, body):
    for url in (
        f"/api/v1/groups/{w.a.slug}/requests",
        f"/api/v1/requests/{post(w)}/answers",
        f"/api/v1/requests/{post(w)}/solve",
    ):
        response = client.post(url, data=body, content_type="application/json", headers=_h(w, "asker"))
        assert 400 <= response.status_code < 500


def test_post_to_a_group_i_am_not_in(app, client, w):
    assert (
        _post(client, f"/api/v1/groups/{w.b.slug}/requests", {"title": "x"}, _h(w, "asker")).status_code
        == 403
    )
    assert _post(client, "/api/v1/groups/nope/requests", {"title": "x"}, _h(w, "asker")).status_code == 404
    assert _post(client, f"/api/v1/groups/{w.a.slug}/requests", {"title": "x"}, {}).status_code == 401


@pytest.mark.parametrize(
    "role,status",
    [("asker", 200), ("member", 200), ("organizer", 200), ("admin", 200), ("other", 404), ("anonymous", 401)],
)
def test_get_a_request_by_role(app, client, w, role, status):
    rid = post(w)
    assert client.get(f"/api/v1/requests/{rid}", headers=_h(w, role)).status_code == status


@pytest.mark.parametrize(
    "role,status", [("member", 200), ("organizer", 200), ("admin", 200), ("other", 404), ("anonymous", 401)]
)
def test_list_a_groups_requests_by_role(app, client, w, role, status):
    post(w)
    response = client.get(f"/api/v1/groups/{w.a.slug}/requests", headers=_h(w, role))
    assert response.status_code == status
    if status == 200:
        assert len(response.get_json()) == 1
        assert response.headers["X-Total-Count"] == "1"


def test_a_public_groups_requests_are_for_its_members_only(app, client, w):
    # group B is public: a member of another group may see the group, not its requests
    assert client.get(f"/api/v1/groups/{w.b.slug}/requests", headers=_h(w, "asker")).status_code == 403
    assert client.get(f"/api/v1/groups/{w.b.slug}/requests", headers=_h(w, "other")).status_code == 200


def test_list_filters_and_hostile_queries(app, client, w):
    post(w, category="advice")
    post(w, title="Andet")
    url = f"/api/v1/groups/{w.a.slug}/requests"
    assert len(client.get(url + "?category=advice", headers=_h(w, "member")).get_json()) == 1
    assert len(client.get(url + "?status=solved", headers=_h(w, "member")).get_json()) == 0
    for query in ("?status=x", "?category=%00", "?page=0", "?per_page=100000", "?page=99999999999999"):
        assert client.get(url + query, headers=_h(w, "member")).status_code in (400, 422)
    for number in ("0", "99999999999999999999", "-1"):
        assert client.get(f"/api/v1/requests/{number}", headers=_h(w, "member")).status_code == 404


def test_answer_and_solve_by_api(app, client, w):
    rid = post(w)
    response = _post(
        client,
        f"/api/v1/requests/{rid}/answers",
        {"kind": "referral", "referred_member_id": w.member.id, "private": True},
        _h(w, "helper"),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["referred_member"]["id"] == w.member.id
    assert (
        db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "ask_answer")).member_id
        == w.asker.id
    )
    got = []
    with events.request_solved.connected_to(
        lambda sender, helper_ids, actor: got.append((helper_ids, actor.id))
    ):
        assert (
            _post(
                client, f"/api/v1/requests/{rid}/solve", {"helper_ids": [w.helper.id]}, _h(w, "helper")
            ).status_code
            == 403
        )
        response = _post(
            client, f"/api/v1/requests/{rid}/solve", {"helper_ids": [w.helper.id]}, _h(w, "asker")
        )
        assert response.status_code == 200
        assert response.get_json()["helpers"] == [{"id": w.helper.id, "name": w.helper.name}]
        again = _post(client, f"/api/v1/requests/{rid}/solve", {"helper_ids": [w.helper.id]}, _h(w, "asker"))
    assert again.status_code == 409
    assert got == [([w.helper.id], w.asker.id)]


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"helper_ids": "x"}, "helper_ids"),
        ({"helper_ids": [True]}, "helper_ids"),
        ({"helper_ids": [2**31]}, "helper_ids"),
        ({"helper_ids": [1.5]}, "helper_ids"),
        ({"helper_ids": list(range(1, 500))}, "helper_ids"),
    ],
)
def test_solve_refuses_wrong_helper_ids(app, client, w, payload, field):
    rid = post(w)
    response = _post(client, f"/api/v1/requests/{rid}/solve", payload, _h(w, "asker"))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert reload(HelpRequest, rid).status == "open"


def test_solve_with_someone_from_another_group_is_refused(app, client, w):
    rid = post(w)
    response = _post(client, f"/api/v1/requests/{rid}/solve", {"helper_ids": [w.other.id]}, _h(w, "asker"))
    assert response.status_code == 422
    assert "helper_ids" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "payload,field",
    [
        ({}, "kind"),
        ({"kind": "bribe"}, "kind"),
        ({"kind": "offer"}, "body"),
        ({"kind": "offer", "body": 7}, "body"),
        ({"kind": "referral"}, "referred_name"),
        ({"kind": "referral", "referred_member_id": 2**40}, "referred_member_id"),
        ({"kind": "referral", "referred_member_id": "1"}, "referred_member_id"),
        ({"kind": "offer", "body": "x", "private": "yes"}, "private"),
    ],
)
def test_answer_refuses_bad_bodies(app, client, w, payload, field):
    rid = post(w)
    response = _post(client, f"/api/v1/requests/{rid}/answers", payload, _h(w, "helper"))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_answer_permissions(app, client, w):
    rid = post(w)
    ok = {"kind": "offer", "body": "Jeg kan"}
    assert _post(client, f"/api/v1/requests/{rid}/answers", ok, _h(w, "asker")).status_code == 403
    assert _post(client, f"/api/v1/requests/{rid}/answers", ok, _h(w, "other")).status_code == 404
    assert _post(client, f"/api/v1/requests/{rid}/answers", ok, _h(w, "admin")).status_code == 403
    assert _post(client, f"/api/v1/requests/{rid}/answers", ok, {}).status_code == 401


def test_patch_withdraw_and_moderation_by_api(app, client, w):
    rid = post(w)
    aid = answer(w, rid)
    response = client.patch(
        f"/api/v1/requests/{rid}",
        data=json.dumps({"title": "Ny titel"}),
        content_type="application/json",
        headers=_h(w, "asker"),
    )
    assert response.status_code == 200 and response.get_json()["title"] == "Ny titel"
    assert reload(HelpRequest, rid).body == "Vi vokser og har brug for hjælp."  # left out: kept
    assert (
        client.patch(
            f"/api/v1/requests/{rid}",
            data=json.dumps({"title": "x"}),
            content_type="application/json",
            headers=_h(w, "member"),
        ).status_code
        == 403
    )
    response = client.patch(
        f"/api/v1/answers/{aid}",
        data=json.dumps({"body": "Rettet"}),
        content_type="application/json",
        headers=_h(w, "helper"),
    )
    assert response.status_code == 200 and response.get_json()["body"] == "Rettet"
    assert _post(client, f"/api/v1/answers/{aid}/hide", {"reason": "x"}, _h(w, "member")).status_code == 403
    assert _post(client, f"/api/v1/answers/{aid}/hide", {}, _h(w, "organizer")).status_code == 422
    response = _post(client, f"/api/v1/answers/{aid}/hide", {"reason": "Reklame"}, _h(w, "organizer"))
    assert response.status_code == 200
    hidden = response.get_json()["answers"][0]
    assert hidden["hidden"] is True and hidden["hidden_reason"] == "Reklame"
    assert hidden["hidden_by"]["id"] == w.organizer.id
    assert client.get(f"/api/v1/requests/{rid}", headers=_h(w, "member")).get_json()["answers"] == []
    assert (
        _post(client, f"/api/v1/answers/{aid}/hide", {"reason": "igen"}, _h(w, "organizer")).status_code
        == 409
    )
    assert _post(client, f"/api/v1/answers/{aid}/show", {}, _h(w, "admin")).status_code == 200
    assert _post(client, f"/api/v1/answers/{aid}/withdraw", {}, _h(w, "member")).status_code == 403
    assert _post(client, f"/api/v1/answers/{aid}/withdraw", {}, _h(w, "helper")).status_code == 204
    assert reload(RequestAnswer, aid).withdrawn_at is not None
    assert _post(client, f"/api/v1/requests/{rid}/withdraw", {}, _h(w, "member")).status_code == 403
    assert _post(client, f"/api/v1/requests/{rid}/withdraw", {}, _h(w, "asker")).status_code == 204
    assert client.get(f"/api/v1/requests/{rid}", headers=_h(w, "asker")).status_code == 404


def test_viewers_constant_covers_every_role():
    assert set(VIEWERS) == {"asker", "helper", "member", "organizer", "admin", "other", "anonymous"}


def test_an_offer_that_names_someone_is_a_referral(app, client, w):
    rid = post(w)
    named = {"kind": "offer", "referred_member_id": w.member.id, "body": "Hun er god"}
    response = _post(client, f"/api/v1/requests/{rid}/answers", named, _h(w, "helper"))
    assert response.status_code == 201, response.get_json()
    row = response.get_json()
    assert row["kind"] == "referral" and row["referred_member"]["id"] == w.member.id
    # a name alone (no message) is a referral too; a blank name is not
    response = _post(client, f"/api/v1/requests/{rid}/answers",
                     {"kind": "offer", "referred_name": "Gitte, Gittes Tæpper"}, _h(w, "organizer"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["kind"] == "referral"
    assert response.get_json()["referred_name"] == "Gitte, Gittes Tæpper"
    blank = _post(client, f"/api/v1/requests/{rid}/answers",
                  {"kind": "offer", "referred_name": "   "}, _h(w, "member"))
    assert blank.status_code == 422 and "body" in blank.get_json()["errors"]
