"""Indico-style creators: create_member(**kw), create_group(**kw) ... with sensible defaults.

They need an app context (the `app` fixture pushes one) and commit, so the rows are visible
to requests made by the test client.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from app.extensions import db
from app.models import Group, Member, Membership, Role, normalize_email

_seq = itertools.count(1)

# Members' language when a test does not say; the `english` fixture switches it to "en".
DEFAULT_LANGUAGE = "da"


def create_member(**kwargs) -> Member:
    n = next(_seq)
    kwargs.setdefault("name", f"Member {n}")
    kwargs.setdefault("email", f"member{n}@example.test")
    kwargs["email"] = normalize_email(kwargs["email"])
    kwargs.setdefault("company", f"Company {n} ApS")
    kwargs.setdefault("language", DEFAULT_LANGUAGE)
    groups = kwargs.pop("groups", [])
    role = kwargs.pop("role", Role.MEMBER.value)
    member = Member(**kwargs)
    db.session.add(member)
    db.session.flush()
    for group in groups:
        db.session.add(Membership(member=member, group=group, role=role))
    db.session.commit()
    return member


def create_group(**kwargs) -> Group:
    n = next(_seq)
    kwargs.setdefault("name", f"Kaffeklub {n}")
    kwargs.setdefault("slug", f"kaffeklub-{n}")
    kwargs.setdefault("timezone", "Europe/Copenhagen")
    kwargs.setdefault("is_public", False)
    group = Group(**kwargs)
    db.session.add(group)
    db.session.commit()
    return group


def add_membership(member: Member, group: Group, role: str = Role.MEMBER.value) -> Membership:
    membership = Membership(member=member, group=group, role=role)
    db.session.add(membership)
    db.session.commit()
    return membership


def create_admin(**kwargs) -> Member:
    kwargs.setdefault("is_admin", True)
    return create_member(**kwargs)


def create_organizer(group: Group, **kwargs) -> Member:
    return create_member(groups=[group], role=Role.ORGANIZER.value, **kwargs)


def create_meeting(**kwargs):
    """A scheduled meeting; default a week from now, 08:30-10:00 local in the group's zone.

    Pass `group`, or one is created. Pass `starts_at`/`ends_at` (aware) to place it exactly.
    """
    from datetime import UTC, datetime, timedelta

    from app.models import Meeting

    group = kwargs.pop("group", None) or create_group()
    n = next(_seq)
    start = kwargs.pop("starts_at", None) or (
        datetime.now(UTC).replace(hour=7, minute=30, second=0, microsecond=0) + timedelta(days=7)
    )
    kwargs.setdefault("title", f"Morgenmøde {n}")
    kwargs.setdefault("ends_at", start + timedelta(minutes=90))
    kwargs.setdefault("venue_name", f"Kontoret {n}")
    kwargs.setdefault("venue_address", "Bredgade 1, 7400 Herning")
    meeting = Meeting(group=group, starts_at=start, **kwargs)
    db.session.add(meeting)
    db.session.commit()
    return meeting


# --- role worlds: one person per role ----------------------------------------------------------
#
# The `world` fixture (tests/conftest.py) builds the network world below; tests that need a
# meeting use build_meeting_world(). Both live here so that every test module takes its people
# from one place.

ROLES = ("anonymous", "other", "member", "organizer", "admin")


@dataclass
class World:
    """A small network with one person per role, for the group and member permission tests.

    Group A (`private`) is members-only, group B (`public`) is public, group C is members-only
    and nobody else is there.
      anonymous  -- not logged in
      other      -- member of B only ("member of another group")
      member     -- member of A
      organizer  -- organizer of A
      admin      -- network admin, in no group
      outsider   -- in group C only: shares no group with anybody above
    """

    a: Group
    b: Group
    c: Group
    other: Member
    member: Member
    organizer: Member
    admin: Member
    outsider: Member

    @property
    def private(self) -> Group:
        return self.a

    @property
    def public(self) -> Group:
        return self.b

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


def client_for(app, login, world, role: str):
    """A fresh test client logged in as the role's person (or anonymous)."""
    client = app.test_client()
    person = world.person(role)
    if person is not None:
        login(person, test_client=client)
    return client


MEETING_ROLES = ("anonymous", "outsider", "member", "organizer", "admin")


@dataclass
class MeetingWorld:
    """A members-only group with one meeting (5 March 2031), one person per role, all in English;
    the outsider is a member of another group."""

    group: Group
    other_group: Group
    organizer: Member
    member: Member
    outsider: Member
    admin: Member
    meeting: object  # app.models.Meeting

    def user(self, role: str) -> Member | None:
        return None if role == "anonymous" else getattr(self, role)

    person = user


def build_meeting_world(*, public: bool = False) -> MeetingWorld:
    from datetime import UTC, datetime

    group = create_group(name="Kaffeklub Herning", is_public=public)
    other = create_group(name="Kaffeklub Viborg")
    meeting = create_meeting(
        group=group,
        title="Morgenmøde i marts",
        starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC),
        ends_at=datetime(2031, 3, 5, 9, 0, tzinfo=UTC),
    )
    return MeetingWorld(
        group=group,
        other_group=other,
        organizer=create_organizer(group, name="Olga Organizer", language="en"),
        member=create_member(groups=[group], name="Mads Member", language="en", phone="+45 11 22 33 44"),
        outsider=create_member(groups=[other], name="Otto Outsider", language="en"),
        admin=create_admin(name="Anna Admin", language="en"),
        meeting=meeting,
    )


def as_role(client, login, world, role: str) -> None:
    """Log `client` in as the role's person (nothing for anonymous)."""
    user = world.person(role)
    if user is not None:
        login(user, test_client=client)
