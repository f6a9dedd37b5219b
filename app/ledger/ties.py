"""Referrals, help and thanked business as ties between two members, for
`app.connections.history.pair_ties` and through it the strength function
(`app.connections.strength`), the network pages and the seating planner.

- A referral given is a `REFERRAL` tie on the day it was recorded; once the receiver marked it won
  it is a `REFERRAL_WON` tie instead, on the day it was marked won.
- Help given (advice, an introduction, a lent room, a solved request) is a `HELP` tie on `given_on`.
- Business thanked for without a referral ("Tak for forretningen" straight from the network) is a
  `BUSINESS` tie on the day of the thank-you (business from a referral is already the referral's tie).
- Withdrawn and hidden items are no ties. Ties after `today` are left out.

Three queries whatever the number of members.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, date, datetime

from sqlalchemy import select

from app.connections.strength import BUSINESS, HELP, REFERRAL, REFERRAL_WON, Tie
from app.extensions import db
from app.models.social import HelpRecord, Referral, ReferralStatus, Thanks, ThanksKind

Pair = tuple[int, int]

# Above this many members every row is read and filtered in Python (parameter limits), as
# app.connections.history does.
_IN_LIMIT = 900


def _day(value: datetime) -> date:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()


def _ordered(a: int, b: int) -> Pair:
    return (a, b) if a < b else (b, a)


def social_ties(member_ids: Collection[int], today: date) -> dict[Pair, list[Tie]]:
    """{(a, b): ties} (a < b) from referrals, help and thanked business among `member_ids`."""
    ids = {int(m) for m in member_ids}
    if len(ids) < 2:
        return {}
    small = len(ids) <= _IN_LIMIT
    ties: dict[Pair, list[Tie]] = defaultdict(list)

    def among(a_column, b_column):
        return (a_column.in_(ids), b_column.in_(ids)) if small else ()

    for giver, receiver, status, created_at, changed_at in db.session.execute(
            select(Referral.giver_id, Referral.receiver_id, Referral.status, Referral.created_at,
                   Referral.status_changed_at)
            .where(Referral.withdrawn_at.is_(None), Referral.hidden_at.is_(None),
                   *among(Referral.giver_id, Referral.receiver_id))):
        if status == ReferralStatus.WON.value:
            tie = Tie(REFERRAL_WON, _day(changed_at or created_at))
        else:
            tie = Tie(REFERRAL, _day(created_at))
        ties[_ordered(giver, receiver)].append(tie)

    for giver, receiver, given_on in db.session.execute(
            select(HelpRecord.giver_id, HelpRecord.receiver_id, HelpRecord.given_on)
            .where(HelpRecord.withdrawn_at.is_(None), HelpRecord.hidden_at.is_(None),
                   *among(HelpRecord.giver_id, HelpRecord.receiver_id))):
        ties[_ordered(giver, receiver)].append(Tie(HELP, given_on))

    for thanker, thanked, created_at in db.session.execute(
            select(Thanks.thanker_id, Thanks.thanked_id, Thanks.created_at)
            .where(Thanks.kind == ThanksKind.BUSINESS.value, Thanks.referral_id.is_(None),
                   Thanks.withdrawn_at.is_(None), Thanks.hidden_at.is_(None),
                   *among(Thanks.thanker_id, Thanks.thanked_id))):
        ties[_ordered(thanker, thanked)].append(Tie(BUSINESS, _day(created_at)))

    result = {}
    for (a, b), found in ties.items():
        if a in ids and b in ids:
            kept = sorted((t for t in found if t.on <= today), key=lambda t: (t.on, t.kind))
            if kept:
                result[(a, b)] = kept
    return result


__all__ = ["social_ties"]
