"""Referrals: who sees which field (a table of field × viewer) on the page and in the mails, the
status moves and who may make them, correcting, withdrawing, hiding and the history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.ledger import referrals, services
from app.models import Referral, SocialChange
from tests.factories import add_membership, create_group
from tests.web.referrals_helpers import (
    CONTACT,
    MODERATORS,
    PARTIES,
    SECRET_WORDS,
    VIEWERS,
    build_ledger_world,
    client_as,
    give_referral,
    mail_text,
    mails,
)


@pytest.fixture
def lw(app):
    return build_ledger_world()


# --- the permission table ---------------------------------------------------------------------------

# field -> the viewers who see it on the referral's page
REFERRAL_TABLE = {
    "giver": (*PARTIES, "member", "organizer", "admin"),
    "status": (*PARTIES, "member", "organizer", "admin"),
    "contact_name": PARTIES,
    "contact_company": PARTIES,
    "contact_phone": PARTIES,
    "contact_email": PARTIES,
    "about": PARTIES,
}
PAGE_TEXT = {"giver": "Gitte Giver", "status": 'data-status="new"', "contact_name": "Karen Kunde",
             "contact_company": "Kundens Køkkener", "contact_phone": "87 65 43 21",
             "contact_email": "karen@kunde.example", "about": "nyt køkken"}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_referral_page_shows_each_field_only_to_whom_the_rule_says(app, login, lw, viewer):
    referral = give_referral(lw)
    response = client_as(app, login, lw, viewer).get(f"/referrals/{referral.id}")
    if viewer == "anonymous":
        assert response.status_code == 302  # to the login page
        return
    if viewer == "other":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for field, who in REFERRAL_TABLE.items():
        assert (PAGE_TEXT[field] in page) == (viewer in who), (field, viewer)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_hidden_referral_is_gone_for_members_and_marked_for_parties_and_organizers(app, login, lw, viewer):
    referral = give_referral(lw)
    services.hide(lw.organizer, "referral", referral.id, "Spam")
    response = client_as(app, login, lw, viewer).get(f"/referrals/{referral.id}")
    if viewer in (*PARTIES, *MODERATORS):
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "data-hidden" in page and "Spam" in page
        assert ("Karen Kunde" in page) == (viewer in PARTIES)
    else:
        assert response.status_code in (302, 404)


def test_a_withdrawn_referral_is_seen_by_nobody_but_its_history_stays_for_organizers(app, login, lw):
    referral = give_referral(lw)
    referrals.withdraw(lw.giver, referral.id, "Fejl")
    for role in VIEWERS[:-1]:
        assert client_as(app, login, lw, role).get(f"/referrals/{referral.id}").status_code == 404, role
    for role in MODERATORS:
        page = client_as(app, login, lw, role).get(f"/give-and-take/referral/{referral.id}/history")
        assert page.status_code == 200 and 'data-action="withdrawn"' in page.get_data(as_text=True)
    for role in (*PARTIES, "member", "other"):
        assert client_as(app, login, lw, role).get(
            f"/give-and-take/referral/{referral.id}/history").status_code == 404, role


# --- mails ------------------------------------------------------------------------------------------


def test_the_receiver_gets_the_contact_by_mail_and_nobody_else_is_mailed(app, lw):
    give_referral(lw)
    rows = mails()
    assert [row.kind for row in rows] == ["referral_new"]
    assert rows[0].recipients == lw.receiver.email
    text = mail_text(rows[0])
    for word in SECRET_WORDS:
        assert word in text
    assert "forventer et opkald" in text or "expects a call" in text


def test_the_giver_is_told_when_it_is_won_or_lost_not_when_contacted(app, lw):
    referral = give_referral(lw)
    referrals.set_status(lw.receiver, referral.id, "contacted")
    assert mails("referral_status") == []
    referrals.set_status(lw.receiver, referral.id, "won")
    rows = mails("referral_status")
    assert [row.recipients for row in rows] == [lw.giver.email]
    assert all(row.recipients in (lw.giver.email, lw.receiver.email) for row in mails())


# --- status moves ------------------------------------------------------------------------------------

MOVES = [("new", "contacted", True), ("new", "won", True), ("new", "lost", True),
         ("contacted", "won", True), ("contacted", "lost", True), ("won", "lost", True),
         ("lost", "won", True), ("contacted", "new", False), ("won", "new", False),
         ("won", "contacted", False), ("lost", "contacted", False)]


@pytest.mark.parametrize(("old", "new", "allowed"), MOVES)
def test_status_moves(app, lw, old, new, allowed):
    referral = give_referral(lw)
    referral.status = old
    db.session.commit()
    if allowed:
        assert referrals.set_status(lw.receiver, referral.id, new).status == new
        change = db.session.scalars(select(SocialChange).where(SocialChange.action == "status")).one()
        assert change.changes == {"status": [old, new]}
    else:
        with pytest.raises(Conflict):
            referrals.set_status(lw.receiver, referral.id, new)


@pytest.mark.parametrize("viewer", ["giver", "member", "organizer", "admin", "other"])
def test_only_the_receiver_changes_the_status(app, lw, viewer):
    referral = give_referral(lw)
    expected = NotFound if viewer == "other" else PermissionDenied
    with pytest.raises(expected):
        referrals.set_status(lw.person(viewer), referral.id, "won")
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "new"


def test_status_buttons_on_the_page_for_the_receiver_only(app, login, lw):
    referral = give_referral(lw)
    receiver = client_as(app, login, lw, "receiver")
    page = receiver.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert 'data-move="contacted"' in page and 'data-move="won"' in page
    giver_page = client_as(app, login, lw, "giver").get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "data-move=" not in giver_page
    response = receiver.post(f"/referrals/{referral.id}/status", data={"status": "won"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "won"
    assert client_as(app, login, lw, "giver").post(
        f"/referrals/{referral.id}/status", data={"status": "lost"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "won"


# --- validation ----------------------------------------------------------------------------------------


def _errors(lw, **values) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        give_referral(lw, **values)
    return caught.value.fields


def test_name_required_and_a_way_to_reach_them_unless_only_a_tip(app, lw):
    assert "contact_name" in _errors(lw, contact_name="  ")
    assert "contact_phone" in _errors(lw, contact_phone="", contact_email="")
    tip = give_referral(lw, contact_phone="", contact_email="", warmth="tip")
    assert tip.warmth == "tip"


@pytest.mark.parametrize(("field", "value"), [
    ("contact_name", "Karen\x00Kunde"), ("about", "\ud800"), ("contact_email", "not-an-address"),
    ("contact_phone", "ring mig"), ("warmth", "hot"), ("receiver_id", 10**30), ("receiver_id", "3"),
    ("receiver_id", True), ("contact_name", 42), ("about", ["a"]), ("request_id", 2**40),
])
def test_hostile_or_wrong_values_are_named(app, lw, field, value):
    assert field in _errors(lw, **{field: value})


def test_only_members_of_a_shared_group_and_the_group_is_chosen_when_several(app, lw):
    assert "receiver_id" in _errors(lw, receiver_id=lw.other.id)
    assert "receiver_id" in _errors(lw, receiver_id=lw.giver.id)
    second = create_group(name="Kaffeklub Kolding", slug="kaffeklub-kolding")
    add_membership(lw.giver, second)
    add_membership(lw.receiver, second)
    assert "group_id" in _errors(lw)
    assert "group_id" in _errors(lw, group_id=lw.other_group.id)
    assert give_referral(lw, group_id=second.id).group_id == second.id


def test_the_form_names_mistakes_next_to_the_fields(app, login, lw):
    client = client_as(app, login, lw, "giver")
    assert client.get(f"/referrals/new?to={lw.receiver.id}").status_code == 200
    response = client.post("/referrals/new", data={"receiver_id": str(lw.receiver.id), "contact_name": "",
                                                   "about": "x", "warmth": "may_call"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "kontaktens navn" in page.lower() or "contact's name" in page
    response = client.post("/referrals/new", data={"receiver_id": str(lw.receiver.id), **CONTACT})
    assert response.status_code == 303
    assert db.session.scalars(select(Referral)).one().contact_name == "Karen Kunde"


# --- correcting, withdrawing, hiding, history ------------------------------------------------------------


def test_the_giver_corrects_and_the_change_is_kept(app, login, lw):
    referral = give_referral(lw)
    referrals.correct(lw.giver, referral.id, {"contact_phone": "+45 11 11 11 11"})
    with pytest.raises(PermissionDenied):
        referrals.correct(lw.receiver, referral.id, {"contact_phone": "+45 22 22 22 22"})
    change = db.session.scalars(select(SocialChange).where(SocialChange.action == "updated")).one()
    assert change.changes == {"contact_phone": ["+45 87 65 43 21", "+45 11 11 11 11"]}
    party = client_as(app, login, lw, "receiver").get(f"/give-and-take/referral/{referral.id}/history")
    assert "+45 11 11 11 11" in party.get_data(as_text=True)
    organizer = client_as(app, login, lw, "organizer").get(f"/give-and-take/referral/{referral.id}/history")
    assert organizer.status_code == 200
    text = organizer.get_data(as_text=True)
    assert 'data-action="updated"' in text and "11 11 11 11" not in text and "87 65 43 21" not in text


@pytest.mark.parametrize("viewer", ["giver", "receiver", "member", "other"])
def test_only_organizers_and_admins_hide(app, lw, viewer):
    referral = give_referral(lw)
    with pytest.raises(NotFound if viewer == "other" else PermissionDenied):
        services.hide(lw.person(viewer), "referral", referral.id, "no")


def test_hiding_needs_a_reason_and_showing_again_is_kept(app, login, lw):
    referral = give_referral(lw)
    with pytest.raises(ValidationFailed):
        services.hide(lw.organizer, "referral", referral.id, "  ")
    client = client_as(app, login, lw, "organizer")
    hidden = client.post(f"/give-and-take/referral/{referral.id}/hide", data={"reason": "Krænkende"})
    assert hidden.status_code == 303
    assert client.post(f"/give-and-take/referral/{referral.id}/show", data={"reason": ""}).status_code == 303
    actions = [c.action for c in db.session.scalars(select(SocialChange).order_by(SocialChange.id))]
    assert actions == ["created", "hidden", "shown"]
    hidden = db.session.scalars(select(SocialChange).where(SocialChange.action == "hidden")).one()
    assert hidden.reason == "Krænkende" and hidden.actor_id == lw.organizer.id


def test_my_referrals_page_lists_received_and_given(app, login, lw):
    referral = give_referral(lw)
    page = client_as(app, login, lw, "receiver").get("/referrals").get_data(as_text=True)
    assert "data-referrals-received" in page and f"/referrals/{referral.id}" in page
    page = client_as(app, login, lw, "giver").get("/referrals").get_data(as_text=True)
    assert "data-referrals-given" in page and "Karen Kunde" in page
    page = client_as(app, login, lw, "member").get("/referrals").get_data(as_text=True)
    assert "Karen Kunde" not in page


def test_no_more_than_the_daily_number_of_referrals_and_thanks(app, login, lw, monkeypatch):
    monkeypatch.setattr(services, "MAX_PER_DAY", 2)
    give_referral(lw)
    from app.ledger import thanks

    thanks.thank_for_business(lw.giver, {"thanked_id": lw.receiver.id})
    with pytest.raises(Conflict):
        give_referral(lw)
    client = client_as(app, login, lw, "giver")
    response = client.post("/referrals/new", data={"receiver_id": str(lw.receiver.id), **CONTACT})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Referral.id))) == 1
    assert len(mails()) == 2
