"""A member who is deactivated or leaves a group gives up their seats at its coming meetings."""

from datetime import UTC, datetime

from app.extensions import db
from app.members import services as members
from app.models import OutboxMessage
from app.rsvp import services as rsvp
from tests.factories import create_admin, create_group, create_meeting, create_member


def test_deactivated_member_frees_seat(app):
    group = create_group(name="G")
    admin = create_admin(name="Adm")
    a, b = (create_member(groups=[group], name=n) for n in ("Anne", "Bo"))
    m = create_meeting(group=group, title="T", capacity=1, starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC),
                       ends_at=datetime(2031, 3, 5, 9, 0, tzinfo=UTC))
    rsvp.answer(a, m.id, "yes")
    assert rsvp.answer(b, m.id, "yes").answer.status == "waitlisted"
    members.deactivate_member(admin, a.id)
    db.session.expire_all()
    assert rsvp.answer_of(b, m).status == "going"
    assert any(o.kind == "rsvp_promoted" for o in OutboxMessage.query.all())


def test_expected_mode_deactivation_frees_expected_seat(app):
    group = create_group(name="G", rsvp_mode="expected")
    admin = create_admin(name="Adm")
    a, b = (create_member(groups=[group], name=n) for n in ("Anne", "Bo"))
    m = create_meeting(group=group, title="T", capacity=2, starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC),
                       ends_at=datetime(2031, 3, 5, 9, 0, tzinfo=UTC))
    out = rsvp.add_guest(b, m.id, {"name": "Gæst", "email": "g@example.com"})
    assert out.answer.guests[0].status == "waitlisted"
    members.deactivate_member(admin, a.id)
    db.session.expire_all()
    assert rsvp.answer_of(b, m).guests[0].status == "going"


def test_member_removed_from_group_frees_seat_and_cancels_guests(app):
    from app.groups import services as groups
    from app.models import Membership
    from tests.factories import create_organizer

    group = create_group(name="G")
    organizer = create_organizer(group, name="Olga")
    a, b = (create_member(groups=[group], name=n) for n in ("Anne", "Bo"))
    m = create_meeting(group=group, title="T", capacity=2, starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC),
                       ends_at=datetime(2031, 3, 5, 9, 0, tzinfo=UTC))
    rsvp.answer(a, m.id, "yes", guests=[{"name": "Gæst", "email": "g@example.com"}])
    assert rsvp.answer(b, m.id, "yes").answer.status == "waitlisted"
    membership = Membership.query.filter_by(member_id=a.id, group_id=group.id).one()
    groups.remove_member_from_group(organizer, group.slug, membership.id)
    db.session.expire_all()
    assert rsvp.answer_of(b, m).status == "going"
    assert rsvp.answer_of(a, m).status == "declined"
    recipients = {o.recipients for o in OutboxMessage.query.filter_by(kind="rsvp_guest")}
    assert "g@example.com" in recipients  # the guest is told their seat went with their host
