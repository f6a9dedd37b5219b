"""Who sat with whom: the `Encounter` rows written when a meeting is closed.

The receiver of `events.meeting_closed` reads the meeting's seating plan and records, for every
round and table, each pair of members seated there (person keys `"m<id>"`; guests and walk-in
visitors are not members and are not recorded). When anyone was checked in at the meeting, only the
members who checked in count: someone planned at a table who never came did not meet anybody.

It replaces the meeting's rows every time (the signal is sent again when attendance is corrected
after the close), so recording is idempotent. A cancelled meeting, or one without a plan, has no
encounters.
"""

from __future__ import annotations

from itertools import combinations
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select

from app import events
from app.extensions import db
from app.models import CheckIn, Encounter, Meeting, Member, SeatingPlan


def plan_pairs(rounds, allowed: set[int] | None = None) -> list[tuple[int, int, int, int]]:
    """(round, table, a, b) for every pair of members at a table, a < b; pure.

    `rounds` is a seating plan's data (rounds -> tables -> person keys); anything that is not a
    member key is skipped. A member listed twice in one round counts at their first table only.
    `allowed`, when given, keeps only those members.
    """
    found: list[tuple[int, int, int, int]] = []
    if not isinstance(rounds, list):
        return found
    for round_no, tables in enumerate(rounds, start=1):
        if not isinstance(tables, list):
            continue
        seated: set[int] = set()
        for table_no, table in enumerate(tables, start=1):
            if not isinstance(table, list):
                continue
            here = []
            for key in table:
                member_id = member_of(key)
                if member_id is None or member_id in seated:
                    continue
                if allowed is not None and member_id not in allowed:
                    continue
                seated.add(member_id)
                here.append(member_id)
            found.extend((round_no, table_no, a, b) for a, b in combinations(sorted(here), 2))
    return found


def member_of(key) -> int | None:
    """12 for the key "m12"; None for guests, visitors and anything malformed."""
    if isinstance(key, str) and 1 < len(key) <= 12 and key[0] == "m" and key[1:].isdigit():
        return int(key[1:])
    return None


def record(meeting: Meeting) -> int:
    """Replace the meeting's encounters from its plan and check-ins; returns the number of rows.

    Runs in the caller's transaction (does not commit)."""
    db.session.execute(delete(Encounter).where(Encounter.meeting_id == meeting.id))
    if meeting.is_cancelled:
        return 0
    plan = db.session.scalar(select(SeatingPlan).where(SeatingPlan.meeting_id == meeting.id))
    if plan is None:
        return 0
    checkins = db.session.execute(
        select(CheckIn.member_id).where(CheckIn.meeting_id == meeting.id)).scalars().all()
    keys = {member_of(key) for tables in (plan.rounds if isinstance(plan.rounds, list) else [])
            if isinstance(tables, list) for table in tables if isinstance(table, list) for key in table}
    keys.discard(None)
    # Members that exist (a plan may name someone deleted since), and when check-in was used at all,
    # only those who checked in.
    allowed = set(db.session.scalars(select(Member.id).where(Member.id.in_(keys)))) if keys else set()
    if checkins:
        allowed &= {member_id for member_id in checkins if member_id is not None}
    pairs = plan_pairs(plan.rounds, allowed)
    if not pairs:
        return 0
    day = meeting.starts_at.astimezone(ZoneInfo(meeting.group.timezone)).date()
    db.session.execute(insert(Encounter), [
        {"meeting_id": meeting.id, "group_id": meeting.group_id, "round": round_no, "table_no": table_no,
         "member_a_id": a, "member_b_id": b, "met_on": day}
        for round_no, table_no, a, b in pairs
    ])
    return len(pairs)


def on_meeting_closed(meeting: Meeting, actor=None, **_) -> None:
    record(meeting)


def connect_receivers() -> None:
    events.meeting_closed.connect(on_meeting_closed)
