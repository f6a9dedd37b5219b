"""A member's give and take (`app.ledger.ledger.member_ledger` and its pages) against the
hand-computed fixture of tests/web/ledger_helpers.py: periods, statuses, withdrawn and hidden
items, what each kind of viewer sees, amounts only for the member themself."""

from __future__ import annotations

import json

import pytest

from app.errors import NotFound
from app.ledger.ledger import member_ledger
from tests.web.ledger_helpers import build_ledger_world


@pytest.fixture
def lw(app):
    return build_ledger_world()


def numbers(counts, *names):
    return {name: getattr(counts, name) for name in names}


MAIN = ("requests_asked", "requests_solved", "answers_given", "referrals_given", "referrals_received",
        "help_given", "help_received", "thanks_received", "thanks_given", "business_thanked",
        "business_received", "one_to_ones", "meetings_attended", "meetings_hosted", "guests_brought")


def test_own_ledger_per_period(lw):
    led = member_ledger(lw.anna, lw.anna.id, today=lw.today)
    assert led.own
    # 6 months: q1 (solved); a1 and a2 (private: her own); r1 won, r5 hidden (own: counts), r6 lost
    # (group C); h1; t1 (business 5000); the meetings of A and C, hosted one, a guest, a 1-to-1.
    assert numbers(led.periods["6m"], *MAIN) == {
        "requests_asked": 1, "requests_solved": 1, "answers_given": 2, "referrals_given": 3,
        "referrals_received": 0, "help_given": 1, "help_received": 0, "thanks_received": 1,
        "thanks_given": 0, "business_thanked": 1, "business_received": 0, "one_to_ones": 1,
        "meetings_attended": 2, "meetings_hosted": 1, "guests_brought": 1}
    assert led.periods["6m"].referrals_given_by_status == {"new": 1, "contacted": 0, "won": 1, "lost": 1}
    assert led.periods["6m"].business_thanked_dkk == 5000
    # 12 months adds r2 (new), h2 received, t2 (business 12000) received, t3 said.
    twelve = led.periods["12m"]
    assert (twelve.referrals_given, twelve.help_received, twelve.thanks_received, twelve.thanks_given,
            twelve.business_thanked) == (4, 1, 2, 1, 2)
    assert twelve.referrals_given_by_status == {"new": 2, "contacted": 0, "won": 1, "lost": 1}
    assert twelve.business_thanked_dkk == 17000
    assert twelve.business_received_dkk == 0
    # All time adds q2 and r3 received (contacted); r4 and t4 (withdrawn) never count.
    whole = led.periods["all"]
    assert (whole.requests_asked, whole.requests_solved, whole.referrals_received) == (2, 1, 1)
    assert whole.referrals_received_by_status == {"new": 0, "contacted": 1, "won": 0, "lost": 0}
    assert whole.business_thanked_dkk == 17000
    listed = {(item.type, item.id) for item in led.recent}
    assert ("referral", lw.items["r4"].id) not in listed and ("thanks", lw.items["t4"].id) not in listed
    assert ("referral", lw.items["r5"].id) in listed
    hidden = next(item for item in led.recent if item.id == lw.items["r5"].id and item.type == "referral")
    assert hidden.hidden
    t1 = next(item for item in led.recent if item.type == "thanks" and item.id == lw.items["t1"].id)
    assert t1.amount_dkk == 5000 and t1.message == "Tusind tak for Kim!"


def test_a_member_of_a_shared_group_sees_only_the_groups_they_share(lw):
    led = member_ledger(lw.bo, lw.anna.id, today=lw.today)
    assert not led.own
    twelve = led.periods["12m"]
    # r1 and r2 only: r5 is hidden, r6 is in group C, r4 withdrawn. a2 is private to carl and anna.
    assert numbers(twelve, "referrals_given", "answers_given", "help_given", "help_received",
                   "thanks_received", "business_thanked", "meetings_attended", "meetings_hosted",
                   "guests_brought", "one_to_ones") == {
        "referrals_given": 2, "answers_given": 1, "help_given": 1, "help_received": 1, "thanks_received": 2,
        "business_thanked": 2, "meetings_attended": 1, "meetings_hosted": 1, "guests_brought": 1,
        "one_to_ones": 1}
    assert twelve.referrals_given_by_status == {"new": 1, "contacted": 0, "won": 1, "lost": 0}
    listed = {(item.type, item.id) for item in led.recent}
    assert ("referral", lw.items["r5"].id) not in listed
    assert ("referral", lw.items["r6"].id) not in listed
    assert ("answer", lw.items["a2"].id) not in listed
    t1 = next(item for item in led.recent if item.type == "thanks" and item.id == lw.items["t1"].id)
    t2 = next(item for item in led.recent if item.type == "thanks" and item.id == lw.items["t2"].id)
    assert t1.message == "Tusind tak for Kim!"  # on the wall: both agreed
    assert t2.message is None  # only the thanker agreed
    assert t1.amount_dkk is None and t2.amount_dkk is None


def test_an_organizer_sees_hidden_items_listed_but_not_counted(lw):
    led = member_ledger(lw.organizer, lw.anna.id, today=lw.today)
    assert led.periods["12m"].referrals_given == 2
    hidden = [item for item in led.recent if item.type == "referral" and item.id == lw.items["r5"].id]
    assert hidden and hidden[0].hidden


def test_an_admin_sees_every_group_but_no_amount_and_no_private_answer(lw):
    led = member_ledger(lw.admin, lw.anna.id, today=lw.today)
    twelve = led.periods["12m"]
    assert (twelve.referrals_given, twelve.answers_given, twelve.meetings_attended) == (3, 1, 2)
    assert twelve.business_thanked_dkk is None and twelve.business_received_dkk is None


@pytest.mark.parametrize("role", ["bo", "carl", "organizer", "admin", "eve"])
def test_amounts_only_for_the_member_themself(lw, role):
    led = member_ledger(lw.person(role), lw.anna.id, today=lw.today)
    data = json.dumps(led.to_dict())
    for counts in led.periods.values():
        assert counts.business_thanked_dkk is None and counts.business_received_dkk is None
    assert all(item.amount_dkk is None for item in led.recent)
    assert "5000" not in data and "12000" not in data and "17000" not in data


def test_to_dict_is_json_for_the_member(lw):
    data = member_ledger(lw.anna, lw.anna.id, today=lw.today).to_dict()
    json.dumps(data)
    assert data["periods"]["12m"]["business_thanked_dkk"] == 17000
    assert data["periods"]["12m"]["given"] == 4 + 1 + 2
    assert len(data["months"]) == 12


@pytest.mark.parametrize("role", ["other_organizer"])
def test_nobody_outside_the_shared_groups(lw, role):
    with pytest.raises(NotFound):
        member_ledger(lw.person(role), lw.anna.id, today=lw.today)
    with pytest.raises(NotFound):
        member_ledger(lw.anna, 10**9, today=lw.today)


# --- the pages ---------------------------------------------------------------------------------


def test_own_page_shows_amounts(lw, client, login, english):
    login(lw.anna)
    page = client.get("/give-and-take")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "You have given 4 referrals and received 0." in html
    assert "17,000 kr." in html or "17.000 kr." in html
    # which side of the business, the number before its status, the amount never broken
    assert "Business you brought others" in html and "Business you got through the network" in html
    assert "(2 new, 1 won, 1 lost)" in html and "Thanked 2 times</strong>, 2 of them for business" in html
    assert '<span class="text-nowrap">17,000 kr.</span>' in html
    assert "data-quote>“Tak for lokalet”<" in html  # the reader's quotation marks (»…« in Danish)
    assert "<svg" in html and "data-chart-table" in html
    six = client.get("/give-and-take?period=6m").get_data(as_text=True)
    assert "You have given 3 referrals and received 0." in six
    assert client.get("/give-and-take?period=bogus").status_code == 200
    assert client.get("/give-and-take?period=%00%ED%B3%BF").status_code == 400
    assert client.get(f"/members/{lw.anna.id}/give-and-take").status_code == 302
    # the ways to give: thanks, help thanks, a referral, and the list of one's own
    for link in ("/thanks/new", "/thanks/help/new", "/referrals/new", 'href="/referrals"'):
        assert link in html


@pytest.mark.parametrize("role,status", [("bo", 200), ("organizer", 200), ("admin", 200), ("eve", 200),
                                         ("other_organizer", 404), ("anonymous", 302)])
def test_member_page_permissions_and_no_amounts(lw, client, login, english, role, status):
    person = lw.person(role)
    if person is not None:
        login(person)
    page = client.get(f"/members/{lw.anna.id}/give-and-take")
    assert page.status_code == status
    html = page.get_data(as_text=True)
    for amount in ("5,000", "5.000", "12,000", "12.000", "17,000", "17.000", "data-amount"):
        assert amount not in html
    if status == 200:
        assert "Anna Andersen has given" in html


def test_profile_card_summary(lw, client, login, english):
    login(lw.bo)
    html = client.get(f"/members/{lw.anna.id}").get_data(as_text=True)
    assert "data-member-ledger" in html
    assert f"/members/{lw.anna.id}/give-and-take" in html
    assert "2 referrals given" in html
    assert f"/referrals/new?to={lw.anna.id}" in html and f"/thanks/new?to={lw.anna.id}" in html
    assert "Give Anna Andersen a referral" in html
    login(lw.anna)
    html = client.get(f"/members/{lw.anna.id}").get_data(as_text=True)
    assert "/give-and-take" in html and "4 referrals given" in html
    assert "data-member-actions" not in html  # no thank-you to oneself


def _statements(run) -> int:
    from sqlalchemy import event

    from app.extensions import db

    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_queries_do_not_grow_with_the_items(lw):
    from app.extensions import db
    from tests.web.ledger_helpers import help_record, referral, thanks

    def run():
        db.session.expire_all()
        member_ledger(lw.bo, lw.anna.id, today=lw.today)

    run()  # warm: the viewer's memberships are loaded once
    before = _statements(run)
    for _ in range(15):
        referral(lw.anna, lw.carl, lw.a, lw.recent)
        help_record(lw.carl, lw.anna, lw.a, lw.nine)
        thanks(lw.carl, lw.anna, lw.a, lw.recent, "help")
    assert _statements(run) == before
    assert before <= 14


def test_danish_pages_render(lw, client, login):
    login(lw.anna)
    html = client.get("/give-and-take?period=all").get_data(as_text=True)
    assert "17.000 kr." in html
    login(lw.organizer)
    assert client.get(f"/groups/{lw.a.slug}/give-and-take?by=year").status_code == 200
    assert client.get(f"/members/{lw.anna.id}/give-and-take?period=6m").status_code == 200
