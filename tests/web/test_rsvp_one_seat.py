"""One person holds one seat: a member is never someone's guest or substitute, and a guest is not
brought twice by two members."""

from datetime import UTC, datetime

import pytest

from app.errors import ValidationFailed
from app.models import MeetingGuest
from app.rsvp import services as rsvp
from tests.factories import create_group, create_meeting, create_member, create_organizer


@pytest.fixture
def scene(app):
    group = create_group(name="G")
    organizer = create_organizer(group, name="Olga", email="olga@example.com")
    anne = create_member(groups=[group], name="Anne", email="anne@example.com")
    bo = create_member(groups=[group], name="Bo", email="bo@example.com")
    outsider = create_member(name="Otto", email="otto@example.com")  # in no group
    meeting = create_meeting(group=group, title="T", capacity=10,
                             starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC),
                             ends_at=datetime(2031, 3, 5, 9, 0, tzinfo=UTC))
    return group, organizer, anne, bo, outsider, meeting


def _fields(excinfo) -> dict:
    return excinfo.value.fields


def test_a_member_of_the_group_cannot_be_brought_as_a_guest(scene):
    _group, _organizer, anne, _bo, _outsider, meeting = scene
    with pytest.raises(ValidationFailed) as excinfo:
        rsvp.add_guest(anne, meeting.id, {"name": "Bo", "email": "BO@example.com"})
    assert "Bo" in _fields(excinfo)["email"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        rsvp.answer(anne, meeting.id, "yes", guests=[{"name": "Bo", "email": "bo@example.com"}])
    assert list(_fields(excinfo)) == ["guests-0-email"]
    assert MeetingGuest.query.count() == 0
    assert rsvp.my_answer(anne, meeting.id).status is None  # the refused answer changed nothing


def test_someone_outside_the_group_can_be_a_guest(scene):
    _group, _organizer, anne, _bo, _outsider, meeting = scene
    out = rsvp.add_guest(anne, meeting.id, {"name": "Otto", "email": "otto@example.com"})
    assert [g.name for g in out.answer.guests] == ["Otto"]


def test_a_guest_is_not_brought_by_two_members(scene):
    _group, organizer, anne, bo, _outsider, meeting = scene
    rsvp.add_guest(anne, meeting.id, {"name": "Gæst", "email": "gaest@example.com"})
    with pytest.raises(ValidationFailed) as excinfo:
        rsvp.add_guest(bo, meeting.id, {"name": "Gæst", "email": "gaest@example.com"})
    assert "Anne" in _fields(excinfo)["email"][0]
    with pytest.raises(ValidationFailed):
        rsvp.add_guest_for(organizer, meeting.id, bo.id, {"name": "Gæst", "email": "gaest@example.com"})
    # Anne may send her own guest list again, her guest included
    out = rsvp.answer(anne, meeting.id, "yes", guests=[{"name": "Gæst", "email": "gaest@example.com"}])
    assert [g.email for g in out.answer.guests] == ["gaest@example.com"]
    assert MeetingGuest.query.count() == 1


def test_a_member_of_the_group_is_no_substitute(scene):
    _group, _organizer, anne, _bo, _outsider, meeting = scene
    rsvp.answer(anne, meeting.id, "yes")
    with pytest.raises(ValidationFailed) as excinfo:
        rsvp.send_substitute(anne, meeting.id, {"name": "Bo", "email": "bo@example.com"})
    assert list(_fields(excinfo)) == ["substitute_email"]
    assert rsvp.my_answer(anne, meeting.id).status == "going"
