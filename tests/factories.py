"""Indico-style creators: create_member(**kw), create_group(**kw) ... with sensible defaults.

They need an app context (the `app` fixture pushes one) and commit, so the rows are visible
to requests made by the test client.
"""

from __future__ import annotations

import itertools

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
