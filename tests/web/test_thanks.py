"""Thanks ("Tak for forretningen", "Tak for hjælpen"): who sees which field on the page (field ×
viewer), the mail to the thanked member only, the wall's two consents and its one-click link, amounts
typed the Danish way in the form, correcting and withdrawing with history an organizer reads without
the amount."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.ledger import referrals, services, thanks
from app.models import SocialChange, Thanks
from tests.web.referrals_helpers import (
    MODERATORS,
    VIEWERS,
    build_ledger_world,
    client_as,
    give_referral,
    mail_text,
    mails,
    thank_business,
    thank_help,
)

PARTIES = ("giver", "receiver")  # the receiver (thanker) thanks the giver (thanked)


@pytest.fixture
def lw(app):
    return build_ledger_world()


def _page(app, login, lw, role, thanks_id):
    return client_as(app, login, lw, role).get(f"/thanks/{thanks_id}")


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("wall", [False, True])
def test_thanks_page_field_by_viewer(app, login, lw, viewer, wall):
    row = thank_business(lw, wall_by_thanker=wall)
    if wall:
        thanks.agree_to_wall(lw.giver, row.id)
    response = _page(app, login, lw, viewer, row.id)
    if viewer == "anonymous":
        assert response.status_code == 302
        return
    if viewer == "other":
        assert response.status_code == 404
        return
    page = response.get_data(as_text=True)
    assert "Gitte Giver" in page and "Rasmus Modtager" in page  # who thanked whom: everyone inside
    assert ("data-amount" in page) == (viewer in PARTIES)
    assert ("12.500" in page) == (viewer in PARTIES)
    assert ("Tusind tak for Karen" in page) == (viewer in PARTIES or wall)


def test_the_thanked_member_gets_the_amount_by_mail_and_nobody_else_is_mailed(app, lw):
    thank_business(lw)
    rows = mails()
    assert [(m.kind, m.recipients) for m in rows] == [("thanks_new", lw.giver.email)]
    text = mail_text(rows[0])
    assert "12.500 kr." in text and "Tusind tak for Karen" in text


def test_no_mail_to_a_third_party_ever_holds_an_amount_or_a_contact(app, lw):
    referral = give_referral(lw)

    referrals.set_status(lw.receiver, referral.id, "won")
    thanks.thank_for_business(lw.receiver, {"referral_id": referral.id, "amount_dkk": "98 765"})
    thank_help(lw)
    services.hide(lw.organizer, "referral", referral.id, "test")
    for row in mails():
        assert row.recipients in (lw.giver.email, lw.receiver.email), row.kind
    for row in mails():
        if row.recipients == lw.giver.email and row.kind == "referral_new":
            pytest.fail("the giver got the receiver's mail")


@pytest.mark.parametrize(("typed", "stored"), [("12 500 kr", 12500), ("12.500", 12500), ("12500", 12500),
                                               ("", None), ("12.500,-", 12500)])
def test_the_form_takes_amounts_the_danish_way(app, login, lw, typed, stored):
    client = client_as(app, login, lw, "receiver")
    assert client.get(f"/thanks/new?to={lw.giver.id}").status_code == 200
    response = client.post("/thanks/new", data={"thanked_id": str(lw.giver.id), "group_id": "0",
                                                "amount_dkk": typed, "message": "Tak"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert db.session.scalars(select(Thanks)).one().amount_dkk == stored


@pytest.mark.parametrize(("typed", "words"), [("-5", "cannot be negative"), ("12,50", "without øre"),
                                              ("1" * 35, "at most 1.000.000.000"), ("tolv", "whole kroner"),
                                              ("12\x00", "cannot be saved")])
def test_the_form_names_a_bad_amount(app, english, login, typed, words):
    lw = build_ledger_world()
    client = client_as(app, login, lw, "receiver")
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = client.post("/thanks/new", data={"thanked_id": str(lw.giver.id), "amount_dkk": typed})
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert db.session.scalar(select(Thanks.id)) is None


def test_thanks_from_a_referral_is_prefilled_with_its_giver(app, login, lw):
    referral = give_referral(lw)
    client = client_as(app, login, lw, "receiver")
    page = client.get(f"/thanks/new?referral={referral.id}").get_data(as_text=True)
    assert "data-from-referral" in page and "Gitte Giver" in page
    response = client.post("/thanks/new", data={"referral_id": str(referral.id), "amount_dkk": "4.000"})
    assert response.status_code == 303
    row = db.session.scalars(select(Thanks)).one()
    assert (row.thanked_id, row.referral_id, row.amount_dkk) == (lw.giver.id, referral.id, 4000)
    # the giver may not thank for their own referral
    assert client_as(app, login, lw, "giver").get(f"/thanks/new?referral={referral.id}").status_code == 403


def test_a_thanked_referral_says_so_and_offers_no_second_thank_you(app, login, lw):
    referral = give_referral(lw)
    from app.ledger import referrals
    referrals.set_status(lw.receiver, referral.id, "won")
    client = client_as(app, login, lw, "receiver")
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert f"/thanks/new?referral={referral.id}" in page and "data-referral-thanked" not in page
    row = thank_business(lw, referral_id=referral.id)
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert f"/thanks/new?referral={referral.id}" not in page
    assert "data-referral-thanked" in page and "12.500" in page and f"/thanks/{row.id}" in page
    page = client_as(app, login, lw, "giver").get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "data-referral-thanked" in page and "12.500" in page and "Rasmus Modtager" in page
    assert "Din henvisning til Rasmus Modtager" in page or "Your referral to Rasmus Modtager" in page
    for role in ("organizer", "admin"):  # the thank-you and its amount are the two members' own
        page = client_as(app, login, lw, role).get(f"/referrals/{referral.id}").get_data(as_text=True)
        assert "data-referral-thanked" not in page and "12.500" not in page


# --- the wall ------------------------------------------------------------------------------------------


def test_the_wall_needs_both_and_the_mail_link_gives_the_second_consent(app, lw):
    row = thank_business(lw, wall_by_thanker=True)
    text = mail_text(mails("thanks_new")[0])
    match = re.search(r"https?://\S+/thanks/wall/[^\s\"<]+", text)
    assert match, text
    path = urlsplit(match.group(0)).path
    client = app.test_client()
    page = client.get(path)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and "data-link-button" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Thanks, row.id).wall_by_thanked is False
    assert client.post(path).status_code == 303
    db.session.expire_all()
    assert db.session.get(Thanks, row.id).wall_by_thanked is True
    assert services.on_wall(db.session.get(Thanks, row.id))
    done = client.get(path).get_data(as_text=True)  # the heading no longer asks
    assert "data-link-done" in done and "data-link-button" not in done and "?</h1>" not in done
    assert app.test_client().get("/thanks/wall/forged-token").status_code == 404
    change = db.session.scalars(select(SocialChange).where(SocialChange.action == "wall")).one()
    assert change.actor_id == lw.giver.id


def test_no_wall_link_when_the_thanker_did_not_choose_the_wall(app, lw):
    thank_business(lw, wall_by_thanker=False)
    assert "/thanks/wall/" not in mail_text(mails("thanks_new")[0])


def test_only_the_thanked_agrees_to_the_wall(app, lw):
    row = thank_business(lw, wall_by_thanker=True)
    for role in ("receiver", "member", "organizer"):
        with pytest.raises(PermissionDenied):
            thanks.agree_to_wall(lw.person(role), row.id)


# --- correcting, withdrawing, hiding, history ---------------------------------------------------------------


def test_correcting_the_amount_is_kept_and_organizers_never_read_it(app, login, lw):
    row = thank_business(lw)
    client = client_as(app, login, lw, "receiver")
    assert client.get(f"/thanks/{row.id}/edit").status_code == 200
    response = client.post(f"/thanks/{row.id}/edit",
                           data={"amount_dkk": "15 000", "message": "Tusind tak for Karen!"})
    assert response.status_code == 303
    change = db.session.scalars(select(SocialChange).where(SocialChange.action == "updated")).one()
    assert change.changes == {"amount_dkk": [12500, 15000]}
    party = client.get(f"/give-and-take/thanks/{row.id}/history").get_data(as_text=True)
    assert "12500" in party and "15000" in party
    for role in MODERATORS:
        page = client_as(app, login, lw, role).get(f"/give-and-take/thanks/{row.id}/history")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert 'data-action="updated"' in text and "12500" not in text and "15000" not in text
    member = client_as(app, login, lw, "member")
    assert member.get(f"/give-and-take/thanks/{row.id}/history").status_code == 404
    with pytest.raises(PermissionDenied):
        thanks.correct_thanks(lw.giver, row.id, {"amount_dkk": 1})


def test_thanks_for_help_has_no_amount(app, lw):
    row = thank_help(lw)
    with pytest.raises(ValidationFailed):
        thanks.correct_thanks(lw.receiver, row.id, {"amount_dkk": 100})


def test_withdrawn_thanks_is_gone_for_everyone(app, login, lw):
    row = thank_business(lw)
    client = client_as(app, login, lw, "receiver")
    response = client.post(f"/give-and-take/thanks/{row.id}/withdraw", data={"reason": "Forkert person"})
    assert response.status_code == 303
    for role in VIEWERS[:-1]:
        assert _page(app, login, lw, role, row.id).status_code == 404, role
    page = client.get("/referrals").get_data(as_text=True)
    assert "Gitte" not in page.split('id="thanks"')[1].split("</section>")[0]


def test_organizers_hide_thanks_with_a_reason_and_the_parties_see_it(app, login, lw):
    row = thank_business(lw)
    organizer = client_as(app, login, lw, "organizer")
    assert organizer.post(f"/give-and-take/thanks/{row.id}/hide", data={"reason": ""}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Thanks, row.id).hidden_at is None  # a reason is needed
    organizer.post(f"/give-and-take/thanks/{row.id}/hide", data={"reason": "Reklame"})
    assert _page(app, login, lw, "member", row.id).status_code == 404
    page = _page(app, login, lw, "giver", row.id).get_data(as_text=True)
    assert "data-hidden" in page and "Reklame" in page
    mine = client_as(app, login, lw, "receiver").get("/referrals").get_data(as_text=True)
    assert "text-bg-warning" in mine.split('id="thanks"', 1)[1]  # the own list marks it hidden


def test_a_help_thank_you_says_what_the_help_was(app, login, lw):
    row = thank_help(lw)
    page = _page(app, login, lw, "giver", row.id).get_data(as_text=True)
    assert "data-help-kind" in page and "Hjalp med momsregnskabet" in page
    own = _page(app, login, lw, "receiver", row.id).get_data(as_text=True)
    assert "<details data-withdraw-fold>" in own  # one's own thank-you: withdrawing is folded away
    page = _page(app, login, lw, "organizer", row.id).get_data(as_text=True)
    assert "data-help-kind" in page and "Hjalp med momsregnskabet" not in page  # the kind, not the what
