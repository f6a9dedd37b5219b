"""The visibility matrix on the rule itself (app.visibility): each member field x each viewer x each
level the member chose, and a meeting's host fields x each viewer x the host's levels. The expected
values are written out independently of the implementation (the issue's words), not computed by it."""

from __future__ import annotations

import pytest

from app.visibility import (
    KIND_FIELDS,
    MEETING_HOST_CONTACT_FIELDS,
    MEETING_PUBLIC_FIELDS,
    NEVER_PUBLIC_KINDS,
    Level,
    Viewer,
    meeting_fields,
    member_fields,
)

A, X, M, R, D, S = (Viewer.ANONYMOUS, Viewer.OUTSIDER, Viewer.MEMBER, Viewer.ORGANIZER, Viewer.ADMIN,
                    Viewer.SELF)
LEVELS = list(Level)
FIELD_KIND = {field: kind for kind, fields in KIND_FIELDS.items() for field in fields}


def sees(viewer: Viewer, level: Level, *, kind: str, profile: Level) -> bool:
    """The issue's rule for one kind at `level`, the member's profile at `profile`."""
    if viewer in (S, D, R):  # self, admins and organizers of a shared group: everything
        return True
    if viewer is M:  # members of a shared group: public and members
        return level in (Level.PUBLIC, Level.MEMBERS)
    # anonymous and outsiders: only public kinds of a public profile; meetings/network never
    return profile is Level.PUBLIC and level is Level.PUBLIC and kind not in NEVER_PUBLIC_KINDS


@pytest.mark.parametrize("level", LEVELS, ids=lambda v: v.value)
@pytest.mark.parametrize("viewer", list(Viewer), ids=lambda v: v.value)
@pytest.mark.parametrize("field", sorted(FIELD_KIND))
def test_member_field_x_viewer_x_level(field, viewer, level):
    kind = FIELD_KIND[field]
    # the kind at `level`, the profile public (so that the kind's own level decides)
    levels = {k: Level.MEMBERS for k in KIND_FIELDS} | {"profile": Level.PUBLIC, kind: level}
    expected = sees(viewer, level, kind=kind, profile=levels["profile"])
    assert (field in member_fields(viewer, levels)) is expected


@pytest.mark.parametrize("profile", LEVELS, ids=lambda v: v.value)
@pytest.mark.parametrize("viewer", [A, X], ids=lambda v: v.value)
@pytest.mark.parametrize("kind", ["email", "phone", "photo"])
def test_a_public_contact_needs_a_public_profile(kind, viewer, profile):
    levels = {k: Level.MEMBERS for k in KIND_FIELDS} | {"profile": profile, kind: Level.PUBLIC}
    shown = member_fields(viewer, levels)
    assert (kind in shown) is (profile is Level.PUBLIC)
    assert ("name" in shown) is (profile is Level.PUBLIC)


@pytest.mark.parametrize("viewer", list(Viewer), ids=lambda v: v.value)
def test_name_and_groups_for_members_whatever_the_levels(viewer):
    levels = {k: Level.ORGANIZERS for k in KIND_FIELDS}
    shown = member_fields(viewer, levels)
    assert ("name" in shown) is (viewer in (M, R, D, S))
    assert ("groups" in shown) is (viewer in (M, R, D, S))
    assert ("language" in shown) is (viewer in (D, S))


@pytest.mark.parametrize("level", LEVELS, ids=lambda v: v.value)
@pytest.mark.parametrize("viewer", list(Viewer), ids=lambda v: v.value)
def test_a_deleted_member_is_a_former_member_to_everyone(viewer, level):
    levels = dict.fromkeys(KIND_FIELDS, level)
    assert member_fields(viewer, levels, deleted=True) == {"id", "name"}


# --- the host of a meeting -----------------------------------------------------------------------

HOST_FIELD_KIND = {"host_company": "profile", "host_email": "email", "host_phone": "phone"}
MEETING_VIEWERS = [A, X, M, R, D]


@pytest.mark.parametrize("level", LEVELS, ids=lambda v: v.value)
@pytest.mark.parametrize("viewer", MEETING_VIEWERS, ids=lambda v: v.value)
@pytest.mark.parametrize("field", sorted(HOST_FIELD_KIND))
def test_host_field_x_viewer_x_host_level(field, viewer, level):
    levels = {k: Level.MEMBERS for k in KIND_FIELDS} | {HOST_FIELD_KIND[field]: level}
    shown = meeting_fields(viewer, levels)
    if viewer in (A, X):  # the venue, never who hosts it
        expected = False
    elif viewer is M:
        expected = level in (Level.PUBLIC, Level.MEMBERS)
    else:
        expected = True
    assert (field in shown) is expected
    assert ("host_name" in shown) is (viewer in (M, R, D))
    assert MEETING_PUBLIC_FIELDS <= shown


@pytest.mark.parametrize("viewer", [M, R, D], ids=lambda v: v.value)
def test_the_host_sees_their_own_details(viewer):
    levels = dict.fromkeys(KIND_FIELDS, Level.ORGANIZERS)
    assert MEETING_HOST_CONTACT_FIELDS <= meeting_fields(viewer, levels, viewer_is_host=True)


@pytest.mark.parametrize("viewer", MEETING_VIEWERS, ids=lambda v: v.value)
def test_a_deleted_host_is_a_former_member(viewer):
    shown = meeting_fields(viewer, None, host_deleted=True)
    assert not ({"host_company"} | MEETING_HOST_CONTACT_FIELDS) & shown
    assert ("host_name" in shown) is (viewer in (M, R, D))


def test_without_host_levels_the_defaults_apply():
    assert MEETING_HOST_CONTACT_FIELDS <= meeting_fields(M)
