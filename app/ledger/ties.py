"""Referrals, help and thanked business as ties between two members, for
`app.connections.history` (`pair_ties`, `member_ties`) and through it the strength function
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
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, date, datetime

from sqlalchemy import or_, select

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


def _kept(found: list[Tie], today: date) -> list[Tie]:
    return sorted((t for t in found if t.on <= today), key=lambda t: (t.on, t.kind))


def _ties(among: Callable) -> Iterator[tuple[int, int, Tie]]:
    """(a, b, tie) for every referral, help and thanked business; `among(a_column, b_column)` gives
    the query's filter on the two members (a tuple of conditions)."""
    for giver, receiver, status, created_at, changed_at in db.session.execute(
            select(Referral.giver_id, Referral.receiver_id, Referral.status, Referral.created_at,
                   Referral.status_changed_at)
            .where(Referral.withdrawn_at.is_(None), Referral.hidden_at.is_(None),
                   *among(Referral.giver_id, Referral.receiver_id))):
        if status == ReferralStatus.WON.value:
            yield giver, receiver, Tie(REFERRAL_WON, _day(changed_at or created_at))
        else:
            yield giver, receiver, Tie(REFERRAL, _day(created_at))
    for giver, receiver, given_on in db.session.execute(
            select(HelpRecord.giver_id, HelpRecord.receiver_id, HelpRecord.given_on)
            .where(HelpRecord.withdrawn_at.is_(None), HelpRecord.hidden_at.is_(None),
                   *among(HelpRecord.giver_id, HelpRecord.receiver_id))):
        yield giver, receiver, Tie(HELP, given_on)
    for thanker, thanked, created_at in db.session.execute(
            select(Thanks.thanker_id, Thanks.thanked_id, Thanks.created_at)
            .where(Thanks.kind == ThanksKind.BUSINESS.value, Thanks.referral_id.is_(None),
                   Thanks.withdrawn_at.is_(None), Thanks.hidden_at.is_(None),
                   *among(Thanks.thanker_id, Thanks.thanked_id))):
        yield thanker, thanked, Tie(BUSINESS, _day(created_at))


def social_ties(member_ids: Collection[int], today: date) -> dict[Pair, list[Tie]]:
    """{(a, b): ties} (a < b, ordered by date) from referrals, help and thanked business among
    `member_ids`."""
    ids = {int(m) for m in member_ids}
    if len(ids) < 2:
        return {}
    small = len(ids) <= _IN_LIMIT
    ties: dict[Pair, list[Tie]] = defaultdict(list)
    for a, b, tie in _ties(lambda x, y: (x.in_(ids), y.in_(ids)) if small else ()):
        if a in ids and b in ids:
            ties[_ordered(a, b)].append(tie)
    return {pair: kept for pair, found in ties.items() if (kept := _kept(found, today))}


def member_social_ties(member_id: int, today: date) -> dict[int, list[Tie]]:
    """{other member: ties} from the referrals, help and thanked business `member_id` took part in."""
    ties: dict[int, list[Tie]] = defaultdict(list)
    for a, b, tie in _ties(lambda x, y: (or_(x == member_id, y == member_id),)):
        ties[b if a == member_id else a].append(tie)
    return {other: kept for other, found in ties.items() if (kept := _kept(found, today))}


__all__ = ["member_social_ties", "social_ties"]
