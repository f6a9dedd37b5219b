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

The plan is saved whole with its quality (`app.seating.quality`), so the pages show it without
running the planner. What the pages show is built by `app.seating.views`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from app import events
from app.auth import permissions
from app.checkin.attendees import Attendee, attendees
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.meetings.access import can_manage, get_meeting, lock_meeting_to_manage
from app.models import Meeting, SeatingPlan
from app.models.types import utcnow
from app.seating import planner
from app.seating.layout import DEFAULT, MAX_TABLE_SIZE, Settings, read_settings, stored_settings
from app.seating.layout import table_sizes as layout_sizes
from app.seating.problem import context_for
from app.seating.quality import Rounds, check_rounds, evaluation_context, quality_of
from app.seating.views import (
    MyTable,
    MyTables,
    Panel,
    PlanView,
    Seat,
    Table,
    load_plan,
    plan_view,
    seat_of,
    seats,
    unknown,
)

__all__ = ["MyTable", "MyTables", "Panel", "PlanView", "Seat", "Table"]


def stale_message() -> str:
    return _("The plan has been changed by someone else; load it again.")


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
    return plan_view(meeting, load_plan(meeting.id))


def my_tables(user, meeting_id: int) -> MyTables:
    """The caller's own tables, once the plan is published (members of the group and managers)."""
    meeting = get_meeting(user, meeting_id)
    if not (permissions.is_member_of(user, meeting.group) or can_manage(user, meeting.group)):
        raise PermissionDenied()
    plan = load_plan(meeting.id)
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
                    people = {p.key: seat_of(p, True) for p in attendees(meeting)}
                others = [people.get(k) or unknown(k) for k in table if k != mine]
                result.tables.append(MyTable(number, index, others))
    result.in_plan = bool(result.tables)
    return result



def meeting_panel(user, meeting: Meeting) -> Panel:
    """What the meeting page's seating hook shows (one query unless the caller is in the plan)."""
    managing = can_manage(user, meeting.group)
    plan = load_plan(meeting.id)
    published = plan is not None and plan.published_at is not None
    mine = None
    if published and getattr(user, "is_authenticated", False) and (
            managing or permissions.is_member_of(user, meeting.group)):
        key = f"m{user.id}"
        if any(key in table for round_ in plan.rounds for table in round_):
            mine = my_tables(user, meeting.id)
    return Panel(can_manage=managing, has_plan=plan is not None, published=published, mine=mine)


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


def _saved_plan_to_change(user, meeting_id: int, seen: int | None) -> tuple[Meeting, SeatingPlan]:
    """The managed meeting and its saved plan, refused if cancelled, missing or changed since `seen`."""
    meeting = _managed_meeting(user, meeting_id)
    _refuse_cancelled(meeting)
    plan = load_plan(meeting.id)
    if plan is None:
        raise Conflict(_("There is no seating plan yet: make one first."))
    _check_version(plan, seen)
    return meeting, plan


def _write(user, meeting_id: int, seen_version: int | None, rounds: Rounds, *, settings: Settings,
           quality: dict[str, Any], seed: int | None = None, published: bool | None = None) -> SeatingPlan:
    """Save the plan under the meeting's lock, if nobody changed it since `seen_version`; commits."""
    db.session.rollback()  # what this request read must not stand in for the locked rows
    meeting = lock_meeting_to_manage(user, meeting_id)
    _refuse_cancelled(meeting)
    plan = load_plan(meeting.id)
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
    if meeting.is_closed:
        # A plan corrected after the meeting (who really sat where): the encounters follow, as they
        # do after an attendance correction (app.checkin.services.correct).
        db.session.flush()
        events.meeting_closed.send(meeting, actor=user)
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
        current = load_plan(meeting.id)
        seen = current.version if current is not None else 0
    if seed is None:
        seed = random.SystemRandom().randrange(2**31 - 1)
    problem = context.problem((sizes,) * settings.rounds, use_hosts=settings.hosts)
    result = planner.plan_tables(problem, settings.rounds, seed=seed, **_limits())
    rounds = [[list(table) for table in round_] for round_ in result.rounds]
    quality = quality_of(context, rounds, settings, extra={"seconds": round(float(result.seconds), 2)})
    return Outcome(_write(user, meeting.id, seen, rounds, settings=settings, quality=quality, seed=seed))


def replan(user, meeting_id: int, *, version: Any) -> Outcome:
    """Plan again for the people seated now, starting from the saved plan: everyone keeps their table
    unless moving them helps a lot. Reports how many moved."""
    seen = _required_version(version)
    meeting, plan = _saved_plan_to_change(user, meeting_id, seen)
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
    quality = quality_of(context, rounds, settings, previous=previous,
                       extra={"seconds": round(float(result.seconds), 2)})
    saved = _write(user, meeting.id, seen, rounds, settings=settings, quality=quality)
    return Outcome(saved, moved=quality["moved"])


def save(user, meeting_id: int, rounds: Any, *, version: Any) -> Outcome:
    """Save an edited plan (the API): checked against the people seated now, with its quality."""
    seen = _required_version(version)
    meeting = _managed_meeting(user, meeting_id)
    _refuse_cancelled(meeting)
    plan = load_plan(meeting.id)
    _check_version(plan, seen)
    people, here = seats(meeting)
    clean = check_rounds(rounds, here, people)
    settings = stored_settings(plan.settings) if plan is not None else DEFAULT
    settings = replace(settings, rounds=len(clean))
    context = context_for(meeting, _attendees_for(meeting, here))
    quality = quality_of(context, clean, settings, previous=plan.rounds if plan is not None else None)
    return Outcome(_write(user, meeting.id, seen, clean, settings=settings, quality=quality))


def _attendees_for(meeting: Meeting, keys: Sequence[str]) -> list[Attendee]:
    by_key = {p.key: p for p in attendees(meeting)}
    return [by_key[k] for k in keys if k in by_key]


def move(user, meeting_id: int, round_number: Any, key: Any, table_number: Any, *, version: Any) -> Outcome:
    """Move one person to another table in one round (a manual move); the quality is computed again."""
    seen = _required_version(version)
    meeting, plan = _saved_plan_to_change(user, meeting_id, seen)
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
    context = evaluation_context(meeting, rounds)
    quality = quality_of(context, rounds, settings, extra={"seconds": plan.quality.get("seconds", 0)})
    return Outcome(_write(user, meeting.id, plan.version, rounds, settings=settings, quality=quality))


def publish(user, meeting_id: int, published: bool, *, version: Any) -> Outcome:
    """Show the plan to the members (their "mine borde"), or hide it again."""
    seen = _version_arg(version)
    meeting, plan = _saved_plan_to_change(user, meeting_id, seen)
    return Outcome(_write(user, meeting.id, plan.version, plan.rounds,
                          settings=stored_settings(plan.settings), quality=plan.quality,
                          published=bool(published)))

