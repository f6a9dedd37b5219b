"""A meeting's seating plan: generate it from the organizer's settings, move people by hand,
re-plan after late arrivals or cancellations, publish it; each member's own tables.

Who may do what (checked here, on the meeting):
- organizers of the meeting's group and admins manage the plan and see all of it (the organizer
  page, the big screen, the table cards, the whole plan in the API);
- members of the group see only their own tables, and only once the plan is published;
- anyone else gets what `app.meetings.access` gives them (404 for a hidden group, 403 else).

Every change carries the plan's `version` as the organizer saw it; a change based on an older
version is refused with 409 ("the plan was changed by someone else"), so two organizers moving
people at once never undo each other's moves. The planner runs outside the meeting's row lock (it
takes up to SEATING_SECONDS); the version is checked again under the lock before the plan is saved.

The plan is saved whole with its quality (`app.seating.planner.evaluate`, plus for each repeated
pair when they last met and how often), so the pages show it without running the planner.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth import permissions
from app.checkin.attendees import VISITOR, Attendee, attendees, parse_key, seating_people
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.meetings.access import can_manage, get_meeting, lock_meeting_to_manage
from app.models import Meeting, SeatingPlan
from app.models.seating import MAX_ROUNDS
from app.models.types import utcnow
from app.seating import planner
from app.seating.layout import DEFAULT, MAX_TABLE_SIZE, MAX_TABLES, Settings, read_settings, stored_settings
from app.seating.layout import table_sizes as layout_sizes
from app.seating.problem import Context, context_for, pair

Rounds = list[list[list[str]]]


def stale_message() -> str:
    return _("The plan has been changed by someone else; load it again.")


# --- what the pages show --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seat:
    key: str
    name: str
    company: str
    kind: str  # member | guest | substitute | visitor | unknown
    here: bool  # among the people seated now (false: cancelled or left since the plan was made)


@dataclass
class Table:
    number: int  # 1-based, as on the cards
    seats: list[Seat]


@dataclass
class PlanView:
    meeting: Meeting
    plan: SeatingPlan | None
    settings: Settings
    rounds: list[list[Table]]
    quality: dict[str, Any]
    people: dict[str, Seat]
    not_seated: list[Seat]  # here now but not in the plan (late arrivals)
    gone: list[Seat]  # in the plan but no longer here
    can_manage: bool = True

    @property
    def version(self) -> int:
        return self.plan.version if self.plan is not None else 0

    @property
    def published(self) -> bool:
        return self.plan is not None and self.plan.published_at is not None

    def round_tables(self, number: int) -> list[Table]:
        return self.rounds[number - 1] if 1 <= number <= len(self.rounds) else []

    def repeated(self) -> list[dict[str, Any]]:
        """The repeated pairs with names, for the quality box."""
        out = []
        for item in self.quality.get("repeated", []):
            a, b = self.people.get(item.get("a")), self.people.get(item.get("b"))
            last = item.get("last_met")
            out.append({**item, "a_name": a.name if a else item.get("a"),
                        "b_name": b.name if b else item.get("b"),
                        "last_met_date": date.fromisoformat(last) if last else None})
        return out


@dataclass
class MyTable:
    round: int
    table: int
    others: list[Seat]


@dataclass
class MyTables:
    meeting: Meeting
    published: bool
    in_plan: bool
    tables: list[MyTable] = field(default_factory=list)


def _seat(person: Attendee, here: bool) -> Seat:
    return Seat(person.key, person.name, person.company, person.kind, here)


def _seats(meeting: Meeting) -> tuple[dict[str, Seat], list[str]]:
    """Everyone at or going to the meeting by key, and the keys of those seated now."""
    everyone = attendees(meeting)
    here = {p.key for p in seating_people(meeting)} if everyone else set()
    return {p.key: _seat(p, p.key in here) for p in everyone}, [p.key for p in everyone if p.key in here]


def _unknown(key: str) -> Seat:
    return Seat(key, _("(no longer on the list)"), "", "unknown", False)


def _load_plan(meeting_id: int) -> SeatingPlan | None:
    return db.session.scalar(select(SeatingPlan).where(SeatingPlan.meeting_id == meeting_id))


def _view(meeting: Meeting, plan: SeatingPlan | None) -> PlanView:
    people, here = _seats(meeting)
    rounds_ = plan.rounds if plan is not None else []
    tables = [[Table(i + 1, [people.get(k) or _unknown(k) for k in table]) for i, table in enumerate(round_)]
              for round_ in rounds_]
    seated = {k for round_ in rounds_ for table in round_ for k in table}
    for key in seated:
        people.setdefault(key, _unknown(key))
    return PlanView(
        meeting=meeting, plan=plan,
        settings=stored_settings(plan.settings) if plan is not None else DEFAULT,
        rounds=tables, quality=dict(plan.quality or {}) if plan is not None else {}, people=people,
        not_seated=[people[k] for k in here if k not in seated] if plan is not None else [],
        gone=sorted((people[k] for k in seated if not people[k].here),
                    key=lambda s: (s.name.casefold(), s.key)),
    )


def _managed_meeting(user, meeting_id: int) -> Meeting:
    meeting = get_meeting(user, meeting_id)
    if not can_manage(user, meeting.group):
        raise PermissionDenied()
    return meeting


def require_manage(user, meeting_id: int) -> None:
    """NotFound when the meeting is hidden from the user, PermissionDenied when they may not manage it."""
    _managed_meeting(user, meeting_id)


def plan_for(user, meeting_id: int) -> PlanView:
    """The whole plan, for the group's organizers and admins."""
    meeting = _managed_meeting(user, meeting_id)
    return _view(meeting, _load_plan(meeting.id))


def my_tables(user, meeting_id: int) -> MyTables:
    """The caller's own tables, once the plan is published (members of the group and managers)."""
    meeting = get_meeting(user, meeting_id)
    if not (permissions.is_member_of(user, meeting.group) or can_manage(user, meeting.group)):
        raise PermissionDenied()
    plan = _load_plan(meeting.id)
    published = plan is not None and plan.published_at is not None
    result = MyTables(meeting=meeting, published=published, in_plan=False)
    if not published:
        return result
    mine = f"m{user.id}"
    people = None
    for number, round_ in enumerate(plan.rounds, start=1):
        for index, table in enumerate(round_, start=1):
            if mine in table:
                if people is None:
                    people = {p.key: _seat(p, True) for p in attendees(meeting)}
                others = [people.get(k) or _unknown(k) for k in table if k != mine]
                result.tables.append(MyTable(number, index, others))
    result.in_plan = bool(result.tables)
    return result


@dataclass
class Panel:
    can_manage: bool
    has_plan: bool
    published: bool
    mine: MyTables | None


def meeting_panel(user, meeting: Meeting) -> Panel:
    """What the meeting page's seating hook shows (one query unless the caller is in the plan)."""
    managing = can_manage(user, meeting.group)
    plan = _load_plan(meeting.id)
    published = plan is not None and plan.published_at is not None
    mine = None
    if published and getattr(user, "is_authenticated", False) and (
            managing or permissions.is_member_of(user, meeting.group)):
        key = f"m{user.id}"
        if any(key in table for round_ in plan.rounds for table in round_):
            mine = my_tables(user, meeting.id)
    return Panel(can_manage=managing, has_plan=plan is not None, published=published, mine=mine)


# --- checking a plan --------------------------------------------------------------------------------


def _rounds_message() -> str:
    return _("The plan must be a list of rounds, each a list of tables, each a list of people.")


def check_rounds(rounds: Any, people: Sequence[str], names: Mapping[str, Seat] | None = None) -> Rounds:
    """`rounds` as a plan of exactly `people`: every person once in every round, tables of 1 to
    MAX_TABLE_SIZE, 1 to MAX_ROUNDS rounds, known keys only. ValidationFailed (field `rounds`)."""
    names = names or {}
    problems: list[str] = []

    def name(key: str) -> str:
        seat = names.get(key)
        return seat.name if seat is not None else key

    if not isinstance(rounds, list) or not 1 <= len(rounds) <= MAX_ROUNDS:
        raise ValidationFailed(_rounds_message(), fields={"rounds": [
            _rounds_message() if not isinstance(rounds, list)
            else _("Please give from 1 to %(num)d rounds.", num=MAX_ROUNDS)]})
    wanted = set(people)
    clean: Rounds = []
    for number, round_ in enumerate(rounds, start=1):
        if not isinstance(round_, list) or not all(isinstance(t, list) for t in round_) \
                or not all(isinstance(k, str) for t in round_ for k in t):
            raise ValidationFailed(_rounds_message(), fields={"rounds": [_rounds_message()]})
        if not 1 <= len(round_) <= MAX_TABLES:
            problems.append(_("Round %(round)d: from 1 to %(num)d tables.", round=number, num=MAX_TABLES))
            continue
        seen: set[str] = set()
        for index, table in enumerate(round_, start=1):
            if not 1 <= len(table) <= MAX_TABLE_SIZE:
                problems.append(_("Round %(round)d, table %(table)d: from 1 to %(num)d people.",
                                  round=number, table=index, num=MAX_TABLE_SIZE))
            for key in table:
                if parse_key(key) is None or key not in wanted:
                    shown = key if parse_key(key) is not None else "?"
                    problems.append(_("Round %(round)d: %(key)s is not among the people to seat.",
                                      round=number, key=shown))
                elif key in seen:
                    problems.append(_("Round %(round)d: %(name)s is seated twice.", round=number,
                                      name=name(key)))
                seen.add(key)
        for key in sorted(wanted - seen):
            problems.append(_("Round %(round)d: %(name)s has no seat.", round=number, name=name(key)))
        clean.append([list(table) for table in round_])
    if problems:
        unique = list(dict.fromkeys(problems))
        raise ValidationFailed(_("The plan cannot be saved: %(problem)s", problem=unique[0]),
                               fields={"rounds": unique[:50]})
    return clean


# --- quality ------------------------------------------------------------------------------------------


def _evaluation_context(meeting: Meeting, rounds: Rounds) -> Context:
    everyone = {p.key: p for p in attendees(meeting)}
    keys = list(dict.fromkeys(k for round_ in rounds for table in round_ for k in table))
    people = [everyone.get(k) or Attendee(k, VISITOR, k, "", "", None, None, None, None, False, False)
              for k in keys]
    return context_for(meeting, people)


def _quality(context: Context, rounds: Rounds, settings: Settings, *, previous: Rounds | None = None,
             extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The plan's quality as stored and shown: the planner's numbers and the repeated pairs' history."""
    sizes = tuple(tuple(len(table) for table in round_) for round_ in rounds)
    problem = context.problem(sizes, use_hosts=settings.hosts)
    quality = planner.evaluate(problem, [[list(t) for t in r] for r in rounds])
    repeated = []
    for a, b, times in quality.repeated:
        last = context.history.get(pair(a, b))
        repeated.append({"a": a, "b": b, "times": int(times),
                         "last_met": last[0].isoformat() if last else None,
                         "met_count": last[1] if last else 0})
    repeated.sort(key=lambda r: (r["last_met"] or "9999", r["a"], r["b"]), reverse=False)
    result = {
        "people": len(context.people),
        "pairs": int(quality.pairs),
        "new_pairs": int(quality.new_pairs),
        "repeats": int(quality.repeats),
        "repeats_in_meeting": int(quality.repeats_in_meeting),
        "lower_bound": int(quality.lower_bound),
        "violations": int(quality.violations),
        "moved": moved_count(previous, rounds) if previous is not None else 0,
        "repeated": repeated,
        # The well-connected members the planner spread over the tables (the "hosts" option).
        "hosts": sorted(context.hosts) if settings.hosts else [],
    }
    result.update(extra or {})
    return result


def moved_count(previous: Rounds | None, rounds: Rounds) -> int:
    """People in both plans whose table differs in at least one round."""
    if not previous:
        return 0
    moved = set()
    for old, new in zip(previous, rounds, strict=False):
        before = {k: i for i, table in enumerate(old) for k in table}
        for i, table in enumerate(new):
            moved.update(k for k in table if k in before and before[k] != i)
    return len(moved)


# --- changing the plan ----------------------------------------------------------------------------------


def _check_version(plan: SeatingPlan | None, version: Any) -> None:
    current = plan.version if plan is not None else 0
    if version is None:
        return
    if isinstance(version, bool) or not isinstance(version, int) or version != current:
        raise Conflict(stale_message())


def _refuse_cancelled(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise Conflict(_("The meeting is cancelled: its seating plan can no longer be changed."))


def _write(user, meeting_id: int, seen_version: int | None, rounds: Rounds, *, settings: Settings,
           quality: dict[str, Any], seed: int | None = None, published: bool | None = None) -> SeatingPlan:
    """Save the plan under the meeting's lock, if nobody changed it since `seen_version`; commits."""
    db.session.rollback()  # what this request read must not stand in for the locked rows
    meeting = lock_meeting_to_manage(user, meeting_id)
    _refuse_cancelled(meeting)
    plan = _load_plan(meeting.id)
    _check_version(plan, seen_version)
    if plan is None:
        plan = SeatingPlan(meeting_id=meeting.id, version=0, created_by_id=user.id)
        db.session.add(plan)
    plan.rounds = rounds
    plan.round_count = max(1, len(rounds))
    plan.settings = settings.as_dict()
    plan.quality = quality
    if seed is not None:
        plan.seed = seed
    if published is not None:
        plan.published_at = (plan.published_at or utcnow()) if published else None
    plan.version = (plan.version or 0) + 1
    plan.updated_by_id = user.id
    plan.updated_at = utcnow()
    db.session.commit()
    return plan


def _limits() -> dict[str, Any]:
    """The planner's bounds: SEATING_SECONDS, and (tests, benchmarks) SEATING_MAX_ITERATIONS, which
    makes a plan depend on the seed alone, not on how busy the machine is."""
    iterations = current_app.config.get("SEATING_MAX_ITERATIONS")
    return {"seconds": float(current_app.config.get("SEATING_SECONDS", 3.0)),
            "max_iterations": int(iterations) if iterations else None}


def _version_arg(version: Any) -> int | None:
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationFailed(_("The plan's version must be a whole number."),
                               fields={"version": [_("The plan's version must be a whole number.")]})
    return version


def _required_version(version: Any) -> int:
    seen = _version_arg(version)
    if seen is None:
        raise ValidationFailed(_("Please send the plan's version."),
                               fields={"version": [_("Please send the plan's version.")]})
    return seen


@dataclass
class Outcome:
    plan: SeatingPlan
    moved: int = 0


def generate(user, meeting_id: int, raw_settings: Mapping[str, Any], *, version: Any = None,
             seed: int | None = None) -> Outcome:
    """Plan the tables from the settings for the people seated now, and save it (unpublished if new)."""
    seen = _version_arg(version)
    meeting = _managed_meeting(user, meeting_id)
    _refuse_cancelled(meeting)
    settings = read_settings(raw_settings)
    context = context_for(meeting)
    sizes = layout_sizes(settings, len(context.people))
    if seen is None:
        current = _load_plan(meeting.id)
        seen = current.version if current is not None else 0
    if seed is None:
        seed = random.SystemRandom().randrange(2**31 - 1)
    problem = context.problem((sizes,) * settings.rounds, use_hosts=settings.hosts)
    result = planner.plan_tables(problem, settings.rounds, seed=seed, **_limits())
    rounds = [[list(table) for table in round_] for round_ in result.rounds]
    quality = _quality(context, rounds, settings, extra={"seconds": round(float(result.seconds), 2)})
    return Outcome(_write(user, meeting.id, seen, rounds, settings=settings, quality=quality, seed=seed))


def replan(user, meeting_id: int, *, version: Any) -> Outcome:
    """Plan again for the people seated now, starting from the saved plan: everyone keeps their table
    unless moving them helps a lot. Reports how many moved."""
    seen = _required_version(version)
    meeting = _managed_meeting(user, meeting_id)
    _refuse_cancelled(meeting)
    plan = _load_plan(meeting.id)
    if plan is None:
        raise Conflict(_("There is no seating plan yet: make one first."))
    _check_version(plan, seen)
    seen = plan.version
    settings = stored_settings(plan.settings)
    context = context_for(meeting)
    here = set(context.keys)
    sizes = layout_sizes(settings, len(context.people))
    previous = [[[k for k in table if k in here] for table in round_]
                for round_ in plan.rounds][:settings.rounds]
    problem = context.problem((sizes,) * settings.rounds, use_hosts=settings.hosts, previous=previous)
    result = planner.plan_tables(problem, settings.rounds, seed=plan.seed, **_limits())
    rounds = [[list(table) for table in round_] for round_ in result.rounds]
    quality = _quality(context, rounds, settings, previous=previous,
                       extra={"seconds": round(float(result.seconds), 2)})
    saved = _write(user, meeting.id, seen, rounds, settings=settings, quality=quality)
    return Outcome(saved, moved=quality["moved"])


def save(user, meeting_id: int, rounds: Any, *, version: Any) -> Outcome:
    """Save an edited plan (the API): checked against the people seated now, with its quality."""
    seen = _required_version(version)
    meeting = _managed_meeting(user, meeting_id)
    _refuse_cancelled(meeting)
    plan = _load_plan(meeting.id)
    _check_version(plan, seen)
    people, here = _seats(meeting)
    clean = check_rounds(rounds, here, people)
    settings = stored_settings(plan.settings) if plan is not None else DEFAULT
    settings = replace(settings, rounds=len(clean))
    context = context_for(meeting, _attendees_for(meeting, here))
    quality = _quality(context, clean, settings, previous=plan.rounds if plan is not None else None)
    return Outcome(_write(user, meeting.id, seen, clean, settings=settings, quality=quality))


def _attendees_for(meeting: Meeting, keys: Sequence[str]) -> list[Attendee]:
    by_key = {p.key: p for p in attendees(meeting)}
    return [by_key[k] for k in keys if k in by_key]


def move(user, meeting_id: int, round_number: Any, key: Any, table_number: Any, *, version: Any) -> Outcome:
    """Move one person to another table in one round (a manual move); the quality is computed again."""
    seen = _required_version(version)
    meeting = _managed_meeting(user, meeting_id)
    _refuse_cancelled(meeting)
    plan = _load_plan(meeting.id)
    if plan is None:
        raise Conflict(_("There is no seating plan yet: make one first."))
    _check_version(plan, seen)
    rounds = [[list(table) for table in round_] for round_ in plan.rounds]
    errors: dict[str, list[str]] = {}
    if not isinstance(round_number, int) or isinstance(round_number, bool) \
            or not 1 <= round_number <= len(rounds):
        errors["round"] = [_("Please choose a round from 1 to %(num)d.", num=len(rounds))]
    elif not isinstance(table_number, int) or isinstance(table_number, bool) \
            or not 1 <= table_number <= len(rounds[round_number - 1]):
        errors["table"] = [_("Please choose a table from 1 to %(num)d.", num=len(rounds[round_number - 1]))]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    tables = rounds[round_number - 1]
    source = next((t for t in tables if isinstance(key, str) and key in t), None)
    if source is None:
        raise NotFound(_("That person is not in the plan (the page was out of date)."))
    target = tables[table_number - 1]
    if source is not target:
        if len(target) >= MAX_TABLE_SIZE:
            full = _("At most %(num)d people at a table.", num=MAX_TABLE_SIZE)
            raise ValidationFailed(full, fields={"table": [full]})
        source.remove(key)
        target.append(key)
        if not source:  # an emptied table goes; the tables after it move up a number
            tables.remove(source)
    settings = stored_settings(plan.settings)
    context = _evaluation_context(meeting, rounds)
    quality = _quality(context, rounds, settings, extra={"seconds": plan.quality.get("seconds", 0)})
    return Outcome(_write(user, meeting.id, plan.version, rounds, settings=settings, quality=quality))


def publish(user, meeting_id: int, published: bool, *, version: Any) -> Outcome:
    """Show the plan to the members (their "mine borde"), or hide it again."""
    seen = _version_arg(version)
    meeting = _managed_meeting(user, meeting_id)
    _refuse_cancelled(meeting)
    plan = _load_plan(meeting.id)
    if plan is None:
        raise Conflict(_("There is no seating plan yet: make one first."))
    _check_version(plan, seen)
    return Outcome(_write(user, meeting.id, plan.version, plan.rounds,
                          settings=stored_settings(plan.settings), quality=plan.quality,
                          published=bool(published)))


def get_plan_or_404(meeting_id: int) -> SeatingPlan:
    plan = _load_plan(meeting_id)
    if plan is None:
        raise NotFound()
    return plan
