"""Hostile values in every referral, thanks and help form and in their query strings: a 4xx or the
form again with messages, never a 5xx, and nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import HelpRecord, Referral, SocialChange, Thanks
from tests.web.form_helpers import encode, path_piece
from tests.web.referrals_helpers import (
    build_ledger_world,
    client_as,
    give_referral,
    thank_business,
    thank_help,
)

HOSTILE = ["a\x00b", "\ud800", str(2**63), str(10**30), "-1", "x" * 100_000, "   ", "0001-01-01",
           "9999-12-31", "NaN", "1e999"]


@pytest.fixture
def lw(app):
    return build_ledger_world()


def _post(client, path: str, data: dict[str, str]):
    """A urlencoded post; lone surrogates go as their invalid UTF-8 bytes, as a hostile client sends."""
    return client.post(path, data=encode(list(data.items())),
                       content_type="application/x-www-form-urlencoded")


def _counts() -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Referral, Thanks, HelpRecord, SocialChange))


@pytest.mark.parametrize("value", HOSTILE)
def test_new_forms_survive_hostile_values_in_every_field(app, login, lw, value):
    client = client_as(app, login, lw, "receiver")
    before = _counts()
    forms = {
        "/referrals/new": ["receiver_id", "group_id", "contact_name", "contact_company", "contact_phone",
                           "contact_email", "about", "warmth", "request_id"],
        "/thanks/new": ["thanked_id", "group_id", "referral_id", "amount_dkk", "message", "wall_by_thanker"],
        "/thanks/help/new": ["giver_id", "group_id", "kind", "description", "given_on", "message",
                             "wall_by_thanker"],
    }
    for path, names in forms.items():
        response = _post(client, path, dict.fromkeys(names, value))
        assert response.status_code < 500, (path, response.status_code)
        assert response.status_code in (400, 403, 404, 422), (path, response.status_code)
    assert _counts() == before


@pytest.mark.parametrize("value", HOSTILE)
def test_item_forms_survive_hostile_values(app, login, lw, value):
    referral = give_referral(lw)
    business = thank_business(lw)
    helped = thank_help(lw)
    before = _counts()
    giver, receiver, organizer = (client_as(app, login, lw, role)
                                  for role in ("giver", "receiver", "organizer"))
    posts = [
        (giver, f"/referrals/{referral.id}/edit", {k: value for k in (
            "contact_name", "contact_company", "contact_phone", "contact_email", "about", "warmth")}),
        (receiver, f"/referrals/{referral.id}/status", {"status": value}),
        (receiver, f"/thanks/{business.id}/edit", {"amount_dkk": value, "message": value,
                                                   "wall_by_thanker": value}),
        (receiver, f"/help/{helped.help_id}/edit", {"kind": value, "description": value, "given_on": value}),
        (organizer, f"/give-and-take/thanks/{business.id}/hide", {"reason": value}),
        (giver, f"/give-and-take/referral/{referral.id}/withdraw", {"reason": value}),
    ]
    for client, path, data in posts:
        response = _post(client, path, data)
        assert response.status_code < 500, (path, response.status_code)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "new"
    assert db.session.get(Referral, referral.id).contact_name == "Karen Kunde"
    assert db.session.get(Thanks, business.id).amount_dkk == (None if value.strip() == "" else 12500)
    assert _counts()[:3] == before[:3]


@pytest.mark.parametrize("value", ["\x00", "\ud800", str(2**63), "-1", "abc"])
def test_query_strings_and_paths(app, login, lw, value):
    client = client_as(app, login, lw, "receiver")
    for path in ("/referrals/new?to={v}&request={v}", "/thanks/new?to={v}", "/thanks/new?referral={v}",
                 "/thanks/help/new?to={v}", "/thanks/wall/{v}", "/referrals/{v}", "/thanks/{v}",
                 "/give-and-take/referral/{v}/history"):
        response = client.get(path.format(v=path_piece(value)))
        assert response.status_code < 500, (path, value, response.status_code)
