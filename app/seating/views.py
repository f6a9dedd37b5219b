"""What the seating pages and the API show of a plan: each seat with the person's name and company,
the tables per round, who is not seated yet or no longer coming, a member's own tables.

Read models only (they read the attendee list and the saved plan); who may see them is decided by
`app.seating.services`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.checkin.attendees import Attendee, attendees, seating_people
from app.extensions import db
from app.models import Meeting, SeatingPlan
from app.seating.layout import DEFAULT, Settings, stored_settings


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


def seat_of(person: Attendee, here: bool) -> Seat:
    return Seat(person.key, person.name, person.company, person.kind, here)


def seats(meeting: Meeting) -> tuple[dict[str, Seat], list[str]]:
    """Everyone at or going to the meeting by key, and the keys of those seated now."""
    everyone = attendees(meeting)
    here = {p.key for p in seating_people(meeting)} if everyone else set()
    return {p.key: seat_of(p, p.key in here) for p in everyone}, [p.key for p in everyone if p.key in here]


def unknown(key: str) -> Seat:
    return Seat(key, _("(no longer on the list)"), "", "unknown", False)


def load_plan(meeting_id: int) -> SeatingPlan | None:
    return db.session.scalar(select(SeatingPlan).where(SeatingPlan.meeting_id == meeting_id))


def plan_view(meeting: Meeting, plan: SeatingPlan | None) -> PlanView:
    people, here = seats(meeting)
    rounds_ = plan.rounds if plan is not None else []
    tables = [[Table(i + 1, [people.get(k) or unknown(k) for k in table]) for i, table in enumerate(round_)]
              for round_ in rounds_]
    seated = {k for round_ in rounds_ for table in round_ for k in table}
    for key in seated:
        people.setdefault(key, unknown(key))
    return PlanView(
        meeting=meeting, plan=plan,
        settings=stored_settings(plan.settings) if plan is not None else DEFAULT,
        rounds=tables, quality=dict(plan.quality or {}) if plan is not None else {}, people=people,
        not_seated=[people[k] for k in here if k not in seated] if plan is not None else [],
        gone=sorted((people[k] for k in seated if not people[k].here),
                    key=lambda s: (s.name.casefold(), s.key)),
    )


@dataclass
class Panel:
    can_manage: bool
    has_plan: bool
    published: bool
    mine: MyTables | None
