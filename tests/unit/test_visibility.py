"""app.visibility: the one rule for who sees which field, written out as a table."""

from __future__ import annotations

import pytest

from app.visibility import (
    MEETING_FIELDS,
    MEMBER_FIELDS,
    Viewer,
    meeting_fields,
    member_fields,
)

A, X, M, R, D, S = (Viewer.ANONYMOUS, Viewer.OUTSIDER, Viewer.MEMBER, Viewer.ORGANIZER, Viewer.ADMIN,
                    Viewer.SELF)  # X: a member of other groups only

# field -> the viewers who see it (a meeting has no "self" viewer)
MEETING_TABLE = {
    "title": {A, X, M, R, D},
    "starts_at": {A, X, M, R, D},
    "ends_at": {A, X, M, R, D},
    "doors_open_at": {A, X, M, R, D},
    "venue_name": {A, X, M, R, D},
    "venue_address": {A, X, M, R, D},
    "map_url": {A, X, M, R, D},
    "capacity": {A, X, M, R, D},
    "rsvp_deadline": {A, X, M, R, D},
    "guests_welcome": {A, X, M, R, D},
    "agenda": {A, X, M, R, D},
    "status": {A, X, M, R, D},
    "cancel_reason": {A, X, M, R, D},
    "host_id": {M, R, D},
    "host_name": {M, R, D},
    "host_company": {M, R, D},
    "host_email": {M, R, D},
    "host_phone": {M, R, D},
    "online_url": {M, R, D},
}

# field -> the viewers who see it on a member's record
MEMBER_TABLE = {
    "name": {M, R, D, S},
    "company": {M, R, D, S},
    "title": {M, R, D, S},
    "industry": {M, R, D, S},
    "competencies": {M, R, D, S},
    "bio": {M, R, D, S},
    "website": {M, R, D, S},
    "groups": {M, R, D, S},
    "email": {M, R, D, S},
    "phone": {M, R, D, S},
    "language": {D, S},
}

MEETING_VIEWERS = [A, X, M, R, D]


@pytest.mark.parametrize("viewer", MEETING_VIEWERS, ids=lambda v: v.value)
@pytest.mark.parametrize("field", sorted(MEETING_TABLE))
def test_meeting_field_by_viewer(field, viewer):
    assert (field in meeting_fields(viewer)) == (viewer in MEETING_TABLE[field])


@pytest.mark.parametrize("viewer", list(Viewer), ids=lambda v: v.value)
@pytest.mark.parametrize("field", sorted(MEMBER_TABLE))
def test_member_field_by_viewer(field, viewer):
    assert (field in member_fields(viewer)) == (viewer in MEMBER_TABLE[field])


@pytest.mark.parametrize("viewer", MEETING_VIEWERS, ids=lambda v: v.value)
def test_meeting_fields_are_known_names(viewer):
    assert meeting_fields(viewer) <= MEETING_FIELDS
    assert isinstance(meeting_fields(viewer), frozenset)


@pytest.mark.parametrize("viewer", list(Viewer), ids=lambda v: v.value)
def test_member_fields_are_known_names(viewer):
    assert member_fields(viewer) <= MEMBER_FIELDS
    assert isinstance(member_fields(viewer), frozenset)


def test_the_host_is_a_person_the_venue_is_not():
    # Anonymous visitors learn where to go, not who hosts nor how to reach them.
    public = meeting_fields(A)
    assert {"venue_name", "venue_address", "map_url"} <= public
    assert not public & {"host_id", "host_name", "host_company", "host_email", "host_phone", "online_url"}
    assert meeting_fields(X) == public


def test_insiders_see_more_of_a_meeting_than_outsiders():
    for insider in (M, R, D):
        assert meeting_fields(A) < meeting_fields(insider)


def test_anonymous_and_outsiders_never_see_a_member():
    assert member_fields(A) == frozenset()
    assert member_fields(X) == frozenset()


def test_a_meeting_has_no_self_viewer():
    with pytest.raises(ValueError):
        meeting_fields(S)


def test_every_field_in_the_tables_is_named_by_the_module():
    assert set(MEETING_TABLE) <= MEETING_FIELDS
    assert set(MEMBER_TABLE) <= MEMBER_FIELDS
