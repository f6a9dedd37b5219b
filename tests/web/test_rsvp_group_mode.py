"""Switching a group from "expected unless afbud" to "sign up to come" frees the expected seats."""

from datetime import UTC, datetime

from app.extensions import db
from app.groups import services as groups
from app.models import OutboxMessage
from app.rsvp import services as rsvp
from tests.factories import create_group, create_meeting, create_member, create_organizer


def _meeting(group, capacity):
    return create_meeting(group=group, title="T", capacity=capacity,
                          starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC),
                          ends_at=datetime(2031, 3, 5, 9, 0, tzinfo=UTC))


def test_leaving_expected_mode_moves_the_waitlist_into_the_freed_seats(app):
    group = create_group(name="G", rsvp_mode="expected")
    organizer = create_organizer(group, name="Olga")
    bo = create_member(groups=[group], name="Bo")
    create_member(groups=[group], name="Anne")
    meeting = _meeting(group, capacity=3)  # Olga, Bo and Anne are expected: full
    out = rsvp.add_guest(bo, meeting.id, {"name": "Gæst", "email": "gaest@example.com"})
    assert out.answer.guests[0].status == "waitlisted"

    groups.update_group(organizer, group.slug, {"name": group.name, "slug": group.slug,
                                                "timezone": group.timezone, "rsvp_mode": "opt_in"})
    db.session.expire_all()
    answer = rsvp.answer_of(bo, meeting)
    assert answer.status == "going"  # Bo had answered (by bringing a guest)
    assert answer.guests[0].status == "going"  # Olga's and Anne's expected seats are free now
    promoted = OutboxMessage.query.filter_by(kind="rsvp_promoted").all()
    assert [m.recipients for m in promoted] == ["gaest@example.com"]


def test_a_change_that_keeps_the_mode_moves_nobody(app):
    group = create_group(name="G", rsvp_mode="expected")
    organizer = create_organizer(group, name="Olga")
    bo = create_member(groups=[group], name="Bo")
    meeting = _meeting(group, capacity=2)
    rsvp.add_guest(bo, meeting.id, {"name": "Gæst", "email": "gaest@example.com"})
    groups.update_group(organizer, group.slug, {"name": "Nyt navn", "slug": group.slug,
                                                "timezone": group.timezone})
    db.session.expire_all()
    assert rsvp.answer_of(bo, meeting).guests[0].status == "waitlisted"
    assert OutboxMessage.query.filter_by(kind="rsvp_promoted").count() == 0
