"""Referrals, help and thanked business as ties (app.ledger.ties) and the strength they add."""

from __future__ import annotations

from datetime import timedelta

from app.connections import history
from app.connections.strength import BUSINESS, HELP, REFERRAL, REFERRAL_WON, Tie, strength
from app.extensions import db
from app.ledger.ties import social_ties
from tests.factories import create_group, create_member
from tests.web.connections_helpers import local_today
from tests.web.ledger_helpers import at, help_record, referral, thanks


def _pair(a, b):
    return (a.id, b.id) if a.id < b.id else (b.id, a.id)


def test_referral_help_and_business_become_ties(app):
    today = local_today()
    day = today - timedelta(days=3)
    g = create_group()
    anna, bo, carl, dina = (create_member(groups=[g]) for _ in range(4))
    referral(anna, bo, g, day, "new")
    won = referral(anna, carl, g, day - timedelta(days=5), "won", changed=at(day))
    help_record(carl, bo, g, day)
    thanks(dina, anna, g, day, "business", amount_dkk=100)  # without a referral: BUSINESS
    thanks(carl, anna, g, day, "business", referral_id=won.id)  # from a referral: the referral's tie
    referral(bo, dina, g, day, withdrawn_at=at(day))
    help_record(dina, carl, g, day, hidden_at=at(day))
    referral(dina, bo, g, today + timedelta(days=2))  # in the future: not yet
    ties = social_ties([m.id for m in (anna, bo, carl, dina)], today)
    assert ties == {
        _pair(anna, bo): [Tie(REFERRAL, day)],
        _pair(anna, carl): [Tie(REFERRAL_WON, day)],
        _pair(bo, carl): [Tie(HELP, day)],
        _pair(anna, dina): [Tie(BUSINESS, day)],
    }
    assert social_ties([anna.id], today) == {}
    assert _pair(anna, bo) not in social_ties([anna.id, carl.id], today)


def test_strength_goes_up_when_a_referral_is_given_and_again_when_won(app):
    today = local_today()
    g = create_group()
    anna, bo = create_member(groups=[g]), create_member(groups=[g])

    def current() -> float:
        ties = history.pair_ties([anna.id, bo.id], today=today).get(_pair(anna, bo), [])
        return strength(ties, today)

    before = current()
    given = referral(anna, bo, g, today)
    after_given = current()
    assert after_given > before
    given.status = "won"
    given.status_changed_at = at(today)
    db.session.commit()
    assert current() > after_given


def test_one_members_social_ties(app):
    today = local_today()
    day = today - timedelta(days=1)
    g = create_group()
    anna, bo, carl = (create_member(groups=[g]) for _ in range(3))
    referral(anna, bo, g, day)
    help_record(carl, anna, g, day)
    help_record(bo, carl, g, day)
    from app.ledger.ties import member_social_ties

    assert member_social_ties(anna.id, today) == {bo.id: [Tie(REFERRAL, day)], carl.id: [Tie(HELP, day)]}
