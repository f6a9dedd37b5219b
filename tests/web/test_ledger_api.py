"""The give-and-take API: the same rules as the pages (each field × each viewer for referrals and
thanks), status moves, amounts as numbers or text, hostile input (4xx, never 500), the ledger."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.ledger import services
from app.models import Referral, Thanks
from tests.web.api_helpers import PROBLEM, assert_problem, bearer, token_for
from tests.web.referrals_helpers import (
    CONTACT,
    MODERATORS,
    PARTIES,
    VIEWERS,
    build_ledger_world,
    give_referral,
    mails,
    thank_business,
    thank_help,
)

THANKED_PARTIES = ("giver", "receiver")  # the receiver thanks the giver in these tests


@pytest.fixture
def lw(app):
    return build_ledger_world()


def _headers(lw, role: str) -> dict[str, str]:
    person = lw.person(role)
    return bearer(token_for(person)) if person is not None else {}


def _post(client, path: str, headers: dict, body) -> object:
    return client.post(path, data=json.dumps(body) if not isinstance(body, str) else body,
                       headers={**headers, "Content-Type": "application/json"})


# --- referrals: field × viewer -------------------------------------------------------------------------

REFERRAL_PRIVATE = ("contact_name", "contact_company", "contact_phone", "contact_email", "about")
REFERRAL_PUBLIC = ("giver", "receiver", "group", "warmth", "status", "created_at")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_referral_in_the_api_has_only_the_fields_the_rule_gives(client, lw, viewer):
    referral = give_referral(lw)
    response = client.get(f"/api/v1/referrals/{referral.id}", headers=_headers(lw, viewer))
    if viewer == "anonymous":
        assert_problem(response, 401)
        return
    if viewer == "other":
        assert_problem(response, 404)
        return
    assert response.status_code == 200
    body = response.get_json()
    for field in REFERRAL_PUBLIC:
        assert field in body, field
    for field in REFERRAL_PRIVATE:
        assert (field in body) == (viewer in PARTIES), (field, viewer)
    assert "Karen" not in json.dumps(body) or viewer in PARTIES


def test_give_a_referral_and_the_receiver_moves_it(client, lw):
    giver, receiver = _headers(lw, "giver"), _headers(lw, "receiver")
    response = _post(client, "/api/v1/referrals", giver, {"receiver_id": lw.receiver.id, **CONTACT})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "new" and body["contact_name"] == "Karen Kunde"
    assert [m.kind for m in mails()] == ["referral_new"]
    path = f"/api/v1/referrals/{body['id']}"
    assert_problem(client.patch(path, json={"status": "won"}, headers=giver), 403)
    moved = client.patch(path, json={"status": "contacted"}, headers=receiver)
    assert moved.get_json()["status"] == "contacted"
    assert_problem(client.patch(path, json={"status": "new"}, headers=receiver), 409)
    assert client.patch(path, json={"status": "won"}, headers=receiver).get_json()["status"] == "won"
    assert [m.kind for m in mails("referral_status")] == ["referral_status"]
    listed = client.get("/api/v1/referrals", headers=receiver).get_json()
    assert [r["id"] for r in listed["received"]] == [body["id"]] and listed["given"] == []


def test_the_api_says_what_the_form_says(client, lw):
    response = _post(client, "/api/v1/referrals?lang=en", _headers(lw, "giver"),
                     {"receiver_id": lw.receiver.id, "contact_name": "", "about": "x", "warmth": "may_call",
                      "contact_phone": "+45 12 34 56 78"})
    body = assert_problem(response, 422)
    assert body["errors"]["contact_name"] == ["Please enter the contact's name."]


HOSTILE = [
    {"receiver_id": "1"}, {"receiver_id": 10**30}, {"receiver_id": -1}, {"receiver_id": 1.5},
    {"receiver_id": None}, {"receiver_id": [1]}, {"contact_name": "a\x00b"}, {"contact_name": "\ud800"},
    {"contact_name": 42}, {"about": {"a": 1}}, {"warmth": True}, {"group_id": "x"}, {"request_id": 2**63},
    {"contact_email": "@@"}, {"contact_name": "x" * 5000},
]


@pytest.mark.parametrize("change", HOSTILE)
def test_hostile_referral_input_is_a_4xx(client, lw, change):
    body = {"receiver_id": lw.receiver.id, **CONTACT, **change}
    response = _post(client, "/api/v1/referrals", _headers(lw, "giver"), body)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    assert db.session.scalar(select(Referral.id)) is None


@pytest.mark.parametrize("raw", ['{"receiver_id": 1e999}', '{"status": NaN}', "[1, 2]", '"text"', "{",
                                 '{"receiver_id": ' + "9" * 5000 + "}"])
def test_broken_json_is_a_4xx(client, lw, raw):
    response = _post(client, "/api/v1/referrals", _headers(lw, "giver"), raw)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("status", [None, 1, True, ["won"], "WON", "won\x00", {"a": 1}])
def test_hostile_status_is_a_4xx(client, lw, status):
    referral = give_referral(lw)
    response = client.patch(f"/api/v1/referrals/{referral.id}", json={"status": status},
                            headers=_headers(lw, "receiver"))
    assert 400 <= response.status_code < 500
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "new"


# --- thanks --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("wall", [False, True])
def test_a_thanks_amount_only_for_the_two_and_its_message_only_on_the_wall(client, lw, viewer, wall):
    row = thank_business(lw, wall_by_thanker=wall)
    if wall:
        row.wall_by_thanked = True
        db.session.commit()
    response = client.get(f"/api/v1/thanks/{row.id}", headers=_headers(lw, viewer))
    if viewer == "anonymous":
        assert_problem(response, 401)
        return
    if viewer == "other":
        assert_problem(response, 404)
        return
    body = response.get_json()
    assert ("amount_dkk" in body) == (viewer in THANKED_PARTIES)
    assert "12500" not in json.dumps(body) or viewer in THANKED_PARTIES
    assert ("message" in body) == (viewer in THANKED_PARTIES or wall)
    assert body["on_wall"] is wall


AMOUNTS = [(12500, 12500), ("12.500", 12500), ("12 500 kr", 12500), ("12500", 12500), (0, 0), (None, None),
           ("", None), (12500.0, 12500), ("12.500,00", 12500), ("1.000.000.000", 1_000_000_000)]


@pytest.mark.parametrize(("sent", "stored"), AMOUNTS)
def test_amounts_as_numbers_or_text(client, lw, sent, stored):
    response = _post(client, "/api/v1/thanks", _headers(lw, "receiver"),
                     {"thanked_id": lw.giver.id, "amount_dkk": sent})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["amount_dkk"] == stored


BAD_AMOUNTS = [-1, "-500", "12,50", 12.5, 10**30, "1" * 60, "NaN", True, [1], {"dkk": 1}, "tolv",
               1_000_000_001, "12\x00500", "inf"]


@pytest.mark.parametrize("sent", BAD_AMOUNTS)
def test_bad_amounts_are_named(client, lw, sent):
    response = _post(client, "/api/v1/thanks?lang=en", _headers(lw, "receiver"),
                     {"thanked_id": lw.giver.id, "amount_dkk": sent})
    body = assert_problem(response, 422)
    assert list(body["errors"]) == ["amount_dkk"]
    assert db.session.scalar(select(Thanks.id)) is None


def test_nan_in_the_json_body_is_refused(client, lw):
    response = _post(client, "/api/v1/thanks", _headers(lw, "receiver"),
                     f'{{"thanked_id": {lw.giver.id}, "amount_dkk": NaN}}')
    assert 400 <= response.status_code < 500


def test_thanks_from_a_referral_goes_to_its_giver_and_only_once(client, lw):
    referral = give_referral(lw)
    receiver = _headers(lw, "receiver")
    response = _post(client, "/api/v1/thanks", receiver, {"referral_id": referral.id, "amount_dkk": 4000})
    assert response.status_code == 201
    assert response.get_json()["thanked"]["id"] == lw.giver.id
    again = _post(client, "/api/v1/thanks?lang=en", receiver, {"referral_id": referral.id})
    assert "referral_id" in assert_problem(again, 422)["errors"]
    # the giver cannot thank for a referral they gave
    other = _post(client, "/api/v1/thanks", _headers(lw, "giver"), {"referral_id": referral.id})
    assert "referral_id" in assert_problem(other, 422)["errors"]


def test_thanks_for_help_records_the_help(client, lw):
    response = _post(client, "/api/v1/thanks", _headers(lw, "receiver"),
                     {"kind": "help", "thanked_id": lw.giver.id, "help_kind": "room",
                      "description": "Lånte os mødelokalet", "message": "Tak!"})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["kind"] == "help" and body["help_id"] and body.get("amount_dkk") is None
    member_view = client.get(f"/api/v1/thanks/{body['id']}", headers=_headers(lw, "member")).get_json()
    assert "message" not in member_view and "amount_dkk" not in member_view


@pytest.mark.parametrize("viewer", [*MODERATORS, "member"])
def test_a_hidden_thanks_for_the_others(client, lw, viewer):
    row = thank_help(lw)
    services.hide(lw.organizer, "thanks", row.id, "Spam")
    response = client.get(f"/api/v1/thanks/{row.id}", headers=_headers(lw, viewer))
    if viewer == "member":
        assert_problem(response, 404)
    else:
        assert response.get_json()["hidden"] is True and response.get_json()["hidden_reason"] == "Spam"


# --- the ledger ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_ledger_shows_amounts_only_to_the_member(client, lw, viewer):
    thank_business(lw)
    response = client.get(f"/api/v1/members/{lw.giver.id}/ledger", headers=_headers(lw, viewer))
    if viewer == "anonymous":
        assert_problem(response, 401)
        return
    if viewer == "other":
        assert_problem(response, 404)
        return
    assert response.status_code == 200
    body = response.get_json()
    assert body["member"]["id"] == lw.giver.id
    dump = json.dumps(body)
    assert ("12500" in dump) == (viewer == "giver")
    assert body["own"] is (viewer == "giver")
    assert body["periods"]["all"]["business_thanked"] == 1
