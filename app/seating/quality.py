"""Checking an edited plan and computing a plan's quality as it is saved and shown.

- `check_rounds`: a plan sent by the API is exactly the people seated now, once per round, with
  tables of allowed sizes (ValidationFailed with every problem, field `rounds`).
- `quality`: the planner's numbers (`app.seating.planner.evaluate`: pairs, new pairs, repeats,
  repeats within the meeting, the lower bound, broken rules) plus, for each repeated pair, when
  they last met and how often, and the hosts the planner spread over the tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _

from app.checkin.attendees import VISITOR, Attendee, attendees, parse_key
from app.errors import ValidationFailed
from app.models import Meeting
from app.models.seating import MAX_ROUNDS
from app.seating import planner
from app.seating.layout import MAX_TABLE_SIZE, MAX_TABLES, Settings
from app.seating.problem import Context, context_for, pair
from app.seating.views import Seat

Rounds = list[list[list[str]]]


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


def evaluation_context(meeting: Meeting, rounds: Rounds) -> Context:
    everyone = {p.key: p for p in attendees(meeting)}
    keys = list(dict.fromkeys(k for round_ in rounds for table in round_ for k in table))
    people = [everyone.get(k) or Attendee(k, VISITOR, k, "", "", None, None, None, None, False, False)
              for k in keys]
    return context_for(meeting, people)


def quality_of(context: Context, rounds: Rounds, settings: Settings, *, previous: Rounds | None = None,
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
