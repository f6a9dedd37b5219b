"""A group's network in numbers, for its organizers: who has met whom, over time.

Everything is derived from one read of the ties (`history.pair_ties`, three queries) plus a few
queries for the group's members, closed meetings and their encounters, whatever the group's size.

Definitions (the documentation for organizers says the same in words):

- Current members: active members with a membership in the group today.
- Two members "have met" when they sat at the same table in a round or held a confirmed 1-to-1
  (`strength.MET_KINDS`), anywhere in the network; the date they first met is the first such tie.
- Share of pairs who have met: pairs of current members who have met / all pairs of current
  members; over time, the same pairs counted with the ties up to the end of each month.
- New acquaintances at a meeting: pairs who sat at the same table at that meeting (its encounters)
  and had never met before that day.
- Newcomers: current members who joined the group in the last `NEWCOMER_MONTHS` months. For each,
  how many members they had met after their 1st, 2nd and 3rd meeting of the group (meetings they
  checked in at or sat at a table at), and the days from joining until they had met 5 and 10.

Privacy: a member whose network the viewer may not see in full (`privacy.network_visibility`: an
organizer or admin sees only aggregates of a member who hides their network; `hidden` below) is
counted in every total and average, but never named: they are left out of the picture and the
named lists, and the ties to them are not drawn or counted for anyone named.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.connections.graph import Edge, Measures, Node, measure
from app.connections.history import pair_ties
from app.connections.privacy import FULL, network_visibility
from app.connections.strength import MET_KINDS, strength
from app.extensions import db
from app.models import (
    CheckIn,
    Encounter,
    Group,
    Meeting,
    MeetingStatus,
    Member,
    Membership,
    OneToOne,
    OneToOneStatus,
    utcnow,
)

NEWCOMER_MONTHS = 6
MAX_NEWCOMER_MONTHS = 36
MONTHS_SHOWN = 12
MEETINGS_SHOWN = 12
FIRST_MEETINGS = 3  # "met after their 1st, 2nd, 3rd meeting"
MET_TARGETS = (5, 10)  # "days until they had met 5 / 10 members"

Pair = tuple[int, int]


@dataclass(frozen=True)
class MonthPoint:
    month: date  # first day of the month
    met_pairs: int
    pairs: int
    isolated: int  # current members who had met none of the others by the month's end

    @property
    def share(self) -> float:
        return self.met_pairs / self.pairs if self.pairs else 0.0


@dataclass(frozen=True)
class MeetingPoint:
    meeting_id: int
    title: str
    on: date
    present: int  # members checked in (or, without check-ins, members at a table)
    new_pairs: int  # pairs who met for the first time at this meeting
    table_pairs: int  # pairs who sat together (new or not)


@dataclass(frozen=True)
class NewcomerRow:
    member_id: int
    name: str
    joined: date
    met_after: tuple[int | None, ...]  # members met after their 1st, 2nd, 3rd meeting (None: not yet)
    days_to: tuple[int | None, ...]  # days from joining until they had met 5, 10 (None: not yet)
    hidden: bool


@dataclass
class GroupNetwork:
    """The numbers of a group's network on `today` (see the module docstring)."""

    group: Group
    today: date
    members: list[Member]
    hidden: set[int]  # members who hide their network (counted, never named)
    newcomers: set[int]
    newcomer_months: int
    all_measures: Measures  # over every current member and every tie between them
    nodes: list[Node]  # the members who may be named
    edges: list[Edge]  # the ties between them (strength on `today`)
    visible: Measures  # over `nodes` and `edges` only
    months: list[MonthPoint] = field(default_factory=list)
    meetings: list[MeetingPoint] = field(default_factory=list)
    newcomer_rows: list[NewcomerRow] = field(default_factory=list)

    @property
    def names(self) -> dict[int, str]:
        return {m.id: m.name for m in self.members if m.id not in self.hidden}

    @property
    def last_meeting(self) -> MeetingPoint | None:
        return self.meetings[-1] if self.meetings else None

    @property
    def hidden_count(self) -> int:
        return len(self.hidden)

    def median_met_after(self, index: int) -> float | None:
        """The median over all newcomers (hidden ones too) of members met after meeting index+1."""
        values = [row.met_after[index] for row in self.newcomer_rows if row.met_after[index] is not None]
        return median(values) if values else None

    def median_days_to(self, index: int) -> float | None:
        values = [row.days_to[index] for row in self.newcomer_rows if row.days_to[index] is not None]
        return median(values) if values else None


def local_today(group: Group) -> date:
    return utcnow().astimezone(ZoneInfo(group.timezone)).date()


def current_members(group: Group) -> list[Member]:
    """The group's active members, by name."""
    query = (select(Member).join(Membership, Membership.member_id == Member.id)
             .where(Membership.group_id == group.id, Member.active.is_(True))
             .order_by(Member.name, Member.id))
    return list(db.session.scalars(query).all())


def named_for(viewer, group: Group, member: Member) -> bool:
    """Whether `viewer` (an organizer of `group` or an admin) may see whom `member` has met, by the
    one privacy rule (`privacy.network_visibility`); without a viewer: unless the member hides it."""
    if viewer is None:
        return not member.hide_network
    membership = viewer.membership_in(group) if getattr(viewer, "is_authenticated", False) else None
    roles = [membership.role] if membership is not None else []
    return network_visibility(viewer, member, roles) == FULL


def first_met(ties: dict[Pair, list]) -> dict[Pair, date]:
    """The day each pair first met (a table or a confirmed 1-to-1); pairs who never met are left out."""
    days = {}
    for pair, found in ties.items():
        met = [tie.on for tie in found if tie.kind in MET_KINDS]
        if met:
            days[pair] = min(met)
    return days


def _joined_dates(group: Group, tz: ZoneInfo) -> dict[int, date]:
    rows = db.session.execute(select(Membership.member_id, Membership.joined_at)
                              .where(Membership.group_id == group.id))
    return {member_id: joined.astimezone(tz).date() for member_id, joined in rows}


def _closed_meetings(group: Group, today: date, tz: ZoneInfo) -> list[Meeting]:
    end = datetime.combine(today + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
    query = (select(Meeting).where(Meeting.group_id == group.id, Meeting.closed_at.is_not(None),
                                   Meeting.status != MeetingStatus.CANCELLED.value, Meeting.starts_at < end)
             .order_by(Meeting.starts_at, Meeting.id))
    return list(db.session.scalars(query).all())


def _encounter_pairs(group: Group) -> dict[int, set[Pair]]:
    """{meeting: pairs who sat at a table there} for the group's meetings."""
    rows = db.session.execute(select(Encounter.meeting_id, Encounter.member_a_id, Encounter.member_b_id)
                              .where(Encounter.group_id == group.id).distinct())
    pairs: dict[int, set[Pair]] = defaultdict(set)
    for meeting_id, a, b in rows:
        pairs[meeting_id].add((a, b))
    return pairs


def _present(meeting_ids: list[int]) -> dict[int, set[int]]:
    """{meeting: members checked in}."""
    present: dict[int, set[int]] = defaultdict(set)
    if meeting_ids:
        rows = db.session.execute(select(CheckIn.meeting_id, CheckIn.member_id)
                                  .where(CheckIn.meeting_id.in_(meeting_ids), CheckIn.member_id.is_not(None)))
        for meeting_id, member_id in rows:
            present[meeting_id].add(member_id)
    return present


def _month_end(first: date) -> date:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _months_back(today: date, count: int) -> list[date]:
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def group_network(group: Group, *, today: date | None = None, newcomer_months: int = NEWCOMER_MONTHS,
                  viewer=None) -> GroupNetwork:
    """All the numbers of the organizers' network page for `group`."""
    tz = ZoneInfo(group.timezone)
    today = today or local_today(group)
    members = current_members(group)
    ids = [m.id for m in members]
    id_set = set(ids)
    meetings = _closed_meetings(group, today, tz)
    at_tables = _encounter_pairs(group)
    # Everyone who ever sat at one of the group's tables, so a pair's first meeting is known even
    # when one of them has left the group since.
    everyone = id_set | {m for pairs in at_tables.values() for pair in pairs for m in pair}
    ties = pair_ties(everyone, today=today)
    met_on = first_met(ties)

    joined = _joined_dates(group, tz)
    since = _shift_months(today, -newcomer_months)
    newcomers = {m for m in ids if joined.get(m, date.min) > since}
    hidden = {m.id for m in members if not named_for(viewer, group, m)}

    def edges_among(people: set[int]) -> list[Edge]:
        return [Edge(a, b, round(strength(ties[(a, b)], today), 4))
                for (a, b) in sorted(met_on) if a in people and b in people]

    all_nodes = [Node(m.id, m.name, m.industry or "", m.id in newcomers) for m in members]
    nodes = [node for node in all_nodes if node.id not in hidden]
    visible_ids = {node.id for node in nodes}
    edges = edges_among(visible_ids)
    result = GroupNetwork(
        group=group, today=today, members=members, hidden=hidden, newcomers=newcomers,
        newcomer_months=newcomer_months,
        all_measures=measure(all_nodes, edges_among(id_set)), nodes=nodes, edges=edges,
        visible=measure(nodes, edges),
    )

    # Over time: current members' pairs, with the ties up to each month's end.
    current_pairs = sorted(((a, b), day) for (a, b), day in met_on.items() if a in id_set and b in id_set)
    # From the month of the group's first closed meeting (or first tie), at most MONTHS_SHOWN back.
    starts = [meeting.starts_at.astimezone(tz).date() for meeting in meetings[:1]]
    starts += [min(day for _pair, day in current_pairs)] if current_pairs else []
    first_month = min(starts, default=today).replace(day=1)
    for month in _months_back(today, MONTHS_SHOWN):
        if month < first_month:
            continue
        end = min(_month_end(month), today)
        met = [pair for pair, day in current_pairs if day <= end]
        connected = {m for pair in met for m in pair}
        result.months.append(MonthPoint(month, len(met), len(ids) * (len(ids) - 1) // 2,
                                        len(id_set - connected)))

    present = _present([m.id for m in meetings])
    for meeting in meetings[-MEETINGS_SHOWN:]:
        day = meeting.starts_at.astimezone(tz).date()
        pairs = at_tables.get(meeting.id, set())
        people = present.get(meeting.id) or {m for pair in pairs for m in pair}
        new = sum(1 for pair in pairs if met_on.get(pair) == day)
        result.meetings.append(MeetingPoint(meeting.id, meeting.title, day, len(people), new, len(pairs)))

    # Newcomers: how fast they get to know the others.
    attended: dict[int, list[date]] = defaultdict(list)
    for meeting in meetings:
        day = meeting.starts_at.astimezone(tz).date()
        pairs = at_tables.get(meeting.id, set())
        people = present.get(meeting.id, set()) | {m for pair in pairs for m in pair}
        for member_id in people & newcomers:
            attended[member_id].append(day)
    partners: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for (a, b), day in met_on.items():
        if a in newcomers:
            partners[a].append((day, b))
        if b in newcomers:
            partners[b].append((day, a))
    for member in members:
        if member.id not in newcomers:
            continue
        mine = sorted(partners.get(member.id, []))
        counted = mine if member.id in hidden else [(d, o) for d, o in mine if o not in hidden]
        days = sorted(set(attended.get(member.id, [])))
        met_after = tuple(
            sum(1 for day, _other in counted if day <= days[k]) if k < len(days) else None
            for k in range(FIRST_MEETINGS)
        )
        start = joined.get(member.id, today)
        days_to = tuple(
            max((counted[target - 1][0] - start).days, 0) if len(counted) >= target else None
            for target in MET_TARGETS
        )
        result.newcomer_rows.append(NewcomerRow(member.id, member.name, start, met_after, days_to,
                                                member.id in hidden))
    return result


@dataclass(frozen=True)
class Summary:
    share: float  # of current members' pairs who have met
    members: int
    last_new_pairs: int | None  # new acquaintances at the last closed meeting (None: none closed yet)


def summary(group: Group, *, today: date | None = None) -> Summary:
    """The two headline numbers for the group page: the share of pairs who have met and the new
    acquaintances at the last closed meeting. Cheaper than `group_network` (the group page shows it
    to organizers on every visit): two grouped queries for the first day each pair met, no
    co-attendance."""
    tz = ZoneInfo(group.timezone)
    today = today or local_today(group)
    ids = set(db.session.scalars(select(Membership.member_id).join(Member, Member.id == Membership.member_id)
                                 .where(Membership.group_id == group.id, Member.active.is_(True))).all())
    last = db.session.scalar(
        select(Meeting).where(Meeting.group_id == group.id, Meeting.closed_at.is_not(None),
                              Meeting.status != MeetingStatus.CANCELLED.value)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1))
    pairs: set[Pair] = set()
    if last is not None:
        pairs = {(a, b) for a, b in db.session.execute(
            select(Encounter.member_a_id, Encounter.member_b_id).where(Encounter.meeting_id == last.id))}
    met_on = first_met_days(ids | {m for pair in pairs for m in pair}, today=today)
    met = sum(1 for a, b in met_on if a in ids and b in ids)
    total = len(ids) * (len(ids) - 1) // 2
    new = None
    if last is not None:
        day = last.starts_at.astimezone(tz).date()
        new = sum(1 for pair in pairs if met_on.get(pair) == day)
    return Summary(met / total if total else 0.0, len(ids), new)


def first_met_days(member_ids: set[int], *, today: date) -> dict[Pair, date]:
    """{(a, b): the first day they met} for pairs of these members who have met by `today` (a table
    or a confirmed 1-to-1): the same as `first_met(pair_ties(...))`, in two grouped queries."""
    if len(member_ids) < 2:
        return {}
    ids = sorted(member_ids)
    days: dict[Pair, date] = {}
    rows = db.session.execute(
        select(Encounter.member_a_id, Encounter.member_b_id, func.min(Encounter.met_on))
        .where(Encounter.member_a_id.in_(ids), Encounter.member_b_id.in_(ids), Encounter.met_on <= today)
        .group_by(Encounter.member_a_id, Encounter.member_b_id))
    for a, b, day in rows:
        days[(a, b)] = day
    rows = db.session.execute(
        select(OneToOne.proposer_id, OneToOne.partner_id, func.min(OneToOne.met_on))
        .where(OneToOne.status == OneToOneStatus.CONFIRMED.value, OneToOne.proposer_id.in_(ids),
               OneToOne.partner_id.in_(ids), OneToOne.met_on <= today)
        .group_by(OneToOne.proposer_id, OneToOne.partner_id))
    for a, b, day in rows:
        pair = (a, b) if a < b else (b, a)
        if pair not in days or day < days[pair]:
            days[pair] = day
    return days


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _month_end(date(year, month + 1, 1)).day
    return date(year, month + 1, min(day.day, last))


def group_network_for(user, slug: str, *, today: date | None = None,
                      newcomer_months: int | None = None) -> GroupNetwork:
    """The network page of a group, for its organizers and admins (NotFound when the group is
    hidden from the user, PermissionDenied for everyone else). Newcomers are those who joined in the
    last `newcomer_months` (1-36; anything else: NEWCOMER_MONTHS)."""
    from app.meetings.access import get_group_to_manage

    group = get_group_to_manage(user, slug)
    if not isinstance(newcomer_months, int) or not 1 <= newcomer_months <= MAX_NEWCOMER_MONTHS:
        newcomer_months = NEWCOMER_MONTHS
    return group_network(group, today=today, viewer=user, newcomer_months=newcomer_months)
