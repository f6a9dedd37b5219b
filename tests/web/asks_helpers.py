"""A small network for the "Spørg netværket" tests: one person per relation to a request.

Group A (members-only) holds the asker, a helper, a bystander (plain members) and the organizer;
group B holds `other` (a member of another group only); the admin is in no group. A meeting of A
lies ahead, so a request can be raised at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.asks import services
from app.extensions import db
from app.models import Group, Meeting, Member
from tests.factories import create_admin, create_group, create_meeting, create_member, create_organizer

VIEWERS = ("asker", "helper", "member", "organizer", "admin", "other", "anonymous")


@dataclass
class AskWorld:
    a: Group
    b: Group
    asker: Member
    helper: Member
    member: Member
    organizer: Member
    admin: Member
    other: Member
    meeting: Meeting

    def person(self, role: str) -> Member | None:
        return None if role == "anonymous" else getattr(self, role)


def build_ask_world() -> AskWorld:
    a = create_group(name="Kaffeklub Aarhus", slug="kaffeklub-aarhus", is_public=False)
    b = create_group(name="Kaffeklub Bornholm", slug="kaffeklub-bornholm", is_public=True)
    return AskWorld(
        a=a, b=b,
        asker=create_member(name="Anne Asker", groups=[a], company="Anne Byg ApS"),
        helper=create_member(name="Henrik Helper", groups=[a], company="Henrik Regnskab"),
        member=create_member(name="Mette Member", groups=[a]),
        organizer=create_organizer(a, name="Ole Organizer"),
        admin=create_admin(name="Anna Admin"),
        other=create_member(name="Olga Other", groups=[b]),
        meeting=create_meeting(group=a, title="Morgenmøde"),
    )


def post(world: AskWorld, **data) -> int:
    """A request by the asker in group A (committed); returns its id."""
    data.setdefault("title", "En bogholder med forstand på byggeri")
    data.setdefault("body", "Vi vokser og har brug for hjælp.")
    data.setdefault("group_ids", [world.a.id])
    req = services.post_request(world.asker, data)
    return req.id


def answer(world: AskWorld, request_id: int, author: Member | None = None, **data) -> int:
    data.setdefault("kind", "offer")
    data.setdefault("body", "Det kan jeg hjælpe med.")
    row = services.answer_request(author or world.helper, request_id, data)
    return row.id


def next_week() -> date:
    return services.local_today() + timedelta(days=7)


def reload(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)
