"""The planner's input for a meeting, read from the database: who is seated, what each pair's
history costs, whom to keep apart or together, who can host a table and who needs a host.

- People: `app.checkin.attendees.seating_people` (the checked-in once anyone has checked in, else
  everyone going), keyed "m<id>", "g<id>", "v<id>".
- History: `app.connections.history.pair_ties` between the members; a pair's cost is
  `seating_cost(strength)` and they "have met" when `have_met` says so (`app.connections.strength`).
- Apart: the group's `SeatingRule` rows of kind apart between two people who are here.
- Together (first round): a member with the guests, substitutes and walk-ins they brought, and the
  group's rules of kind together (pairs joined into groups).
- Hosts: the members here with the most history in the group (total strength with the group's
  other members). Needs a host: guests, substitutes, walk-in visitors, and members who joined the
  group recently or have met few of its members.

`Context` keeps, beside the `Problem`, what the page shows about repeated pairs (when they last met
and how often).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.checkin.attendees import MEMBER, Attendee, seating_people
from app.connections.history import pair_ties
from app.connections.strength import MET_KINDS, Tie, have_met, seating_cost, strength
from app.extensions import db
from app.models import Meeting, Membership, SeatingRule, SeatingRuleKind
from app.seating import planner

NEWCOMER_DAYS = 120  # joined the group this recently: a newcomer
FEW_MET = 3  # has met fewer members of the group than this: a newcomer too
HOST_SHARE = 0.25  # at most this share of the people here are hosts (at least one per table)


@dataclass
class Context:
    meeting: Meeting
    people: list[Attendee]
    today: date
    pair_cost: dict[tuple[str, str], float] = field(default_factory=dict)
    met: set[tuple[str, str]] = field(default_factory=set)
    history: dict[tuple[str, str], tuple[date, int]] = field(default_factory=dict)  # last met, times
    apart: set[tuple[str, str]] = field(default_factory=set)
    together: list[tuple[str, ...]] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)
    needs_host: set[str] = field(default_factory=set)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(person.key for person in self.people)

    def problem(self, table_sizes: Sequence[Sequence[int]], *, use_hosts: bool,
                previous: Sequence | None = None) -> planner.Problem:
        keys = set(self.keys)
        pairs = {pair for pair in self.apart if pair[0] in keys and pair[1] in keys}
        extra = {}
        if previous is not None:
            extra["previous"] = tuple(tuple(tuple(table) for table in round_) for round_ in previous)
        return planner.Problem(
            people=self.keys,
            table_sizes=tuple(tuple(sizes) for sizes in table_sizes),
            pair_cost=dict(self.pair_cost),
            met=frozenset(self.met),
            apart=frozenset(pairs),
            together=tuple(group for group in self.together if all(k in keys for k in group)),
            hosts=frozenset(self.hosts) if use_hosts else frozenset(),
            needs_host=frozenset(self.needs_host) if use_hosts else frozenset(),
            **extra,
        )


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def meeting_day(meeting: Meeting) -> date:
    """The meeting's local date (history is weighed as on that day)."""
    return meeting.starts_at.astimezone(ZoneInfo(meeting.group.timezone)).date()


def _group_members(meeting: Meeting) -> dict[int, Membership]:
    rows = db.session.scalars(select(Membership).where(Membership.group_id == meeting.group_id)).all()
    return {m.member_id: m for m in rows}


def _last_met(ties: Iterable[Tie]) -> tuple[date, int] | None:
    met = [tie.on for tie in ties if tie.kind in MET_KINDS]
    return (max(met), len(met)) if met else None


def _together(people: list[Attendee], rules: list[SeatingRule]) -> list[tuple[str, ...]]:
    """A member with those they brought, joined with the together rules (union-find over keys)."""
    here = {p.key for p in people}
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for person in people:
        host = f"m{person.brought_by_id}" if person.brought_by_id else None
        if person.kind != MEMBER and host in here:
            join(person.key, host)
    for rule in rules:
        a, b = f"m{rule.member_a_id}", f"m{rule.member_b_id}"
        if rule.kind == SeatingRuleKind.TOGETHER.value and a in here and b in here:
            join(a, b)
    groups: dict[str, list[str]] = defaultdict(list)
    for key in parent:
        groups[find(key)].append(key)
    return [tuple(sorted(keys)) for keys in groups.values() if len(keys) > 1]


def context_for(meeting: Meeting, people: list[Attendee] | None = None) -> Context:
    """Everything the planner needs about `meeting` (a few queries, none per pair)."""
    people = seating_people(meeting) if people is None else people
    today = meeting_day(meeting)
    context = Context(meeting=meeting, people=people, today=today)
    memberships = _group_members(meeting)
    here_members = {p.member_id for p in people if p.kind == MEMBER and p.member_id is not None}
    ties = pair_ties(set(memberships) | here_members, today=today)

    total: dict[int, float] = defaultdict(float)
    met_count: dict[int, int] = defaultdict(int)
    for (a, b), pair_ties_ in ties.items():
        value = strength(pair_ties_, today)
        total[a] += value
        total[b] += value
        met = have_met(pair_ties_)
        if met:
            met_count[a] += 1
            met_count[b] += 1
        if a in here_members and b in here_members:
            key = pair(f"m{a}", f"m{b}")
            cost = seating_cost(value)
            if cost > 0:
                context.pair_cost[key] = cost
            if met:
                context.met.add(key)
            last = _last_met(pair_ties_)
            if last is not None:
                context.history[key] = last

    rules = db.session.scalars(select(SeatingRule).where(SeatingRule.group_id == meeting.group_id)).all()
    for rule in rules:
        a, b = f"m{rule.member_a_id}", f"m{rule.member_b_id}"
        if rule.kind == SeatingRuleKind.APART.value and rule.member_a_id in here_members \
                and rule.member_b_id in here_members:
            context.apart.add(pair(a, b))
    context.together = _together(people, list(rules))

    recent = datetime.now(UTC) - timedelta(days=NEWCOMER_DAYS)
    members_here = [p for p in people if p.kind == MEMBER and p.member_id is not None]
    ranked = sorted((p for p in members_here if total.get(p.member_id, 0.0) > 0),
                    key=lambda p: (-total[p.member_id], p.key))
    wanted = max(1, int(len(people) * HOST_SHARE))
    context.hosts = {p.key for p in ranked[:wanted]}
    for person in people:
        if person.kind != MEMBER:
            context.needs_host.add(person.key)
            continue
        membership = memberships.get(person.member_id)
        joined = membership.joined_at if membership is not None else None
        if joined is not None and joined.tzinfo is None:
            joined = joined.replace(tzinfo=UTC)
        if (joined is None or joined >= recent or met_count.get(person.member_id, 0) < FEW_MET) \
                and person.key not in context.hosts:
            context.needs_host.add(person.key)
    return context
