"""A small network with one person per role, for the group and member permission tests.

Group A is members-only, group B is public, group C is members-only and nobody's here.
  anonymous  -- not logged in
  other      -- member of B only ("member of another group")
  member     -- member of A
  organizer  -- organizer of A
  admin      -- network admin, in no group
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Group, Member
from tests.factories import create_admin, create_group, create_member, create_organizer

ROLES = ("anonymous", "other", "member", "organizer", "admin")


@dataclass
class World:
    a: Group
    b: Group
    c: Group
    other: Member
    member: Member
    organizer: Member
    admin: Member
    outsider: Member  # in group C only: shares no group with anybody above

    def person(self, role: str) -> Member | None:
        return None if role == "anonymous" else getattr(self, role)


def build_world() -> World:
    a = create_group(name="Kaffeklub Aarhus", slug="kaffeklub-aarhus", is_public=False,
                     description="Vi mødes hver fredag.")
    b = create_group(name="Kaffeklub Bornholm", slug="kaffeklub-bornholm", is_public=True)
    c = create_group(name="Kaffeklub Christiansø", slug="kaffeklub-christiansoe", is_public=False)
    return World(
        a=a, b=b, c=c,
        other=create_member(name="Olga Other", groups=[b], company="Bornholm Bolcher"),
        member=create_member(name="Mads Member", groups=[a], company="Mads Maling ApS",
                             industry="Maler", phone="+45 11 22 33 44"),
        organizer=create_organizer(a, name="Ole Organizer"),
        admin=create_admin(name="Anna Admin"),
        outsider=create_member(name="Ulla Outsider", groups=[c]),
    )


def client_for(app, login, world: World, role: str):
    """A fresh test client logged in as the role's person (or anonymous)."""
    client = app.test_client()
    person = world.person(role)
    if person is not None:
        login(person, test_client=client)
    return client
