"""The ties between members, read from the database: who sat with whom, confirmed 1-to-1s, and who
was at the same closed meeting.

Three kinds of tie (`app.connections.strength`):

- `TABLE`: one per round two members sat at the same table (an `Encounter` row).
- `ONE_TO_ONE`: a confirmed 1-to-1 on its date (proposed, declined and cancelled ones do not count).
- `MEETING`: both checked in (`CheckIn`) at the same closed, not cancelled meeting and never shared
  a table there; dated on the meeting's local date.

Referrals, help and business thanked for between the two (`REFERRAL` or `REFERRAL_WON`, `HELP`,
`BUSINESS`) come from `app.ledger.ties` and are added to the same list.

Ties after `today` are left out (a 1-to-1 confirmed for next week has not happened yet).

Everything is read in three or four queries whatever the number of members, and three more for
the referrals, help and thanks (no query per member or pair): 80 members with two years of
meetings is some 20,000 rows, about 0.2 s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from operator import attrgetter
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from app.connections.strength import MEETING, MET_KINDS, ONE_TO_ONE, TABLE, Tie, level, strength
from app.extensions import db
from app.ledger.ties import member_social_ties, social_ties
from app.models import CheckIn, Encounter, Group, Meeting, MeetingStatus, OneToOne, OneToOneStatus

Pair = tuple[int, int]

# Above this many members the queries read every row and filter in Python instead of sending a
# long IN list (SQLite's and PostgreSQL's parameter limits; a whole-network read is as cheap).
_IN_LIMIT = 900


def ordered(a: int, b: int) -> Pair:
    return (a, b) if a < b else (b, a)


def pair_ties(member_ids: Collection[int], *, today: date) -> dict[Pair, list[Tie]]:
    """{(a, b): ties} for every pair of `member_ids` (a < b) that has at least one tie by `today`.

    Each pair's ties are ordered by date.
    """
    ids = {int(m) for m in member_ids}
    if len(ids) < 2:
        return {}
    small = len(ids) <= _IN_LIMIT

    ties: dict[Pair, list[Tie]] = defaultdict(list)
    sat: set[tuple[int, int, int]] = set()  # (meeting, a, b): shared a table at that meeting

    # The rows are plain ids (a date per row costs more to read than everything else); each
    # meeting's date and its one Tie object come from a small query of their own.
    days = select(Encounter.meeting_id, Encounter.met_on).distinct()
    query = select(Encounter.meeting_id, Encounter.member_a_id, Encounter.member_b_id)
    if small:
        among = (Encounter.member_a_id.in_(ids), Encounter.member_b_id.in_(ids))
        days, query = days.where(*among), query.where(*among)
    table_tie = {meeting_id: Tie(TABLE, on) for meeting_id, on in db.session.execute(days)}
    for meeting_id, a, b in db.session.execute(query).tuples():
        if a in ids and b in ids:
            sat.add((meeting_id, a, b))
            tie = table_tie.get(meeting_id)
            if tie is not None and tie.on <= today:
                ties[(a, b)].append(tie)

    query = _one_to_ones()
    if small:
        query = query.where(OneToOne.proposer_id.in_(ids), OneToOne.partner_id.in_(ids))
    for a, b, on in db.session.execute(query):
        if a in ids and b in ids and on <= today:
            ties[ordered(a, b)].append(Tie(ONE_TO_ONE, on))

    query = _checkins()
    if small:
        query = query.where(CheckIn.member_id.in_(ids))
    for meeting_id, on, present in _by_meeting(db.session.execute(query)):
        if on > today:
            continue
        tie = Tie(MEETING, on)
        for a, b in combinations(sorted(m for m in present if m in ids), 2):
            if (meeting_id, a, b) not in sat:
                ties[(a, b)].append(tie)

    for pair, found in social_ties(ids, today).items():
        ties[pair].extend(found)

    return {pair: sorted(found, key=_tie_order) for pair, found in ties.items()}


def member_ties(member_id: int, *, today: date) -> dict[int, list[Tie]]:
    """{other member: ties} for everyone `member_id` has a tie with by `today` (ordered by date)."""
    ties: dict[int, list[Tie]] = defaultdict(list)
    sat: set[tuple[int, int]] = set()  # (meeting, other)

    query = _encounters().where(or_(Encounter.member_a_id == member_id, Encounter.member_b_id == member_id))
    for meeting_id, a, b, on in db.session.execute(query):
        other = b if a == member_id else a
        sat.add((meeting_id, other))
        if on <= today:
            ties[other].append(Tie(TABLE, on))

    query = _one_to_ones().where(or_(OneToOne.proposer_id == member_id, OneToOne.partner_id == member_id))
    for a, b, on in db.session.execute(query):
        if on <= today:
            ties[b if a == member_id else a].append(Tie(ONE_TO_ONE, on))

    mine = select(CheckIn.meeting_id).where(CheckIn.member_id == member_id)
    query = _checkins().where(CheckIn.meeting_id.in_(mine))
    for meeting_id, on, present in _by_meeting(db.session.execute(query)):
        if on > today or member_id not in present:
            continue
        for other in present:
            if other != member_id and (meeting_id, other) not in sat:
                ties[other].append(Tie(MEETING, on))

    for other, found in member_social_ties(member_id, today).items():
        ties[other].extend(found)

    return {other: sorted(found, key=_tie_order) for other, found in ties.items()}


@dataclass(frozen=True, slots=True)
class Relation:
    """One member's relationship with another, summed up for pages and the API."""

    other_id: int
    ties: tuple[Tie, ...]
    strength: float  # strength.strength on `today`
    level: str  # strength.level: strong | known | acquainted | faint | none
    met: bool  # sat at a table or held a confirmed 1-to-1
    times_met: int  # days on which they sat at a table or held a 1-to-1 (two rounds of one meeting: once)
    tables: int  # rounds at the same table
    one_to_ones: int  # confirmed 1-to-1s
    meetings: int  # meetings both attended without sharing a table
    first_met: date | None
    last_met: date | None  # the last table or 1-to-1
    peak: float  # the highest strength the tie ever had (on the day of one of its ties)


def summarize(other_id: int, ties: Iterable[Tie], *, today: date) -> Relation:
    ties = tuple(sorted(ties, key=_tie_order))
    met_days = sorted({tie.on for tie in ties if tie.kind in MET_KINDS})
    value = strength(ties, today)
    met = bool(met_days)
    peak = max((strength([t for t in ties if t.on <= day], day) for day in {t.on for t in ties}), default=0.0)
    return Relation(
        other_id=other_id,
        ties=ties,
        strength=value,
        level=level(value, met),
        met=met,
        times_met=len(met_days),
        tables=sum(1 for tie in ties if tie.kind == TABLE),
        one_to_ones=sum(1 for tie in ties if tie.kind == ONE_TO_ONE),
        meetings=sum(1 for tie in ties if tie.kind == MEETING),
        first_met=met_days[0] if met_days else None,
        last_met=met_days[-1] if met_days else None,
        peak=max(peak, value),
    )


def relations(member_id: int, *, today: date) -> dict[int, Relation]:
    """{other member: Relation} for everyone `member_id` has any tie with."""
    return {other: summarize(other, ties, today=today)
            for other, ties in member_ties(member_id, today=today).items()}


def relation(a: int, b: int, *, today: date) -> Relation:
    """The relationship between two members (an empty one when they have no tie)."""
    if a == b:
        return summarize(b, (), today=today)
    return summarize(b, pair_ties((a, b), today=today).get(ordered(a, b), ()), today=today)


_tie_order = attrgetter("on", "kind")


def _encounters():
    return select(Encounter.meeting_id, Encounter.member_a_id, Encounter.member_b_id, Encounter.met_on)


def _one_to_ones():
    return select(OneToOne.proposer_id, OneToOne.partner_id, OneToOne.met_on).where(
        OneToOne.status == OneToOneStatus.CONFIRMED.value)


def _checkins():
    """Members' check-ins at closed, not cancelled meetings, with the meeting's start and zone."""
    return (
        select(CheckIn.meeting_id, CheckIn.member_id, Meeting.starts_at, Group.timezone)
        .join(Meeting, Meeting.id == CheckIn.meeting_id)
        .join(Group, Group.id == Meeting.group_id)
        .where(and_(CheckIn.member_id.is_not(None), Meeting.closed_at.is_not(None),
                    Meeting.status != MeetingStatus.CANCELLED.value))
    )


def _by_meeting(rows) -> list[tuple[int, date, set[int]]]:
    """(meeting, local date, members checked in) from `_checkins` rows."""
    present: dict[int, set[int]] = defaultdict(set)
    days: dict[int, date] = {}
    zones: dict[str, ZoneInfo] = {}
    for meeting_id, member_id, starts_at, tz in rows:
        present[meeting_id].add(member_id)
        if meeting_id not in days:
            zone = zones.get(tz) or zones.setdefault(tz, ZoneInfo(tz))
            days[meeting_id] = starts_at.astimezone(zone).date()
    return [(meeting_id, days[meeting_id], members) for meeting_id, members in present.items()]
