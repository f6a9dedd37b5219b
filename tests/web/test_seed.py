"""`flask seed-demo` creates a usable demo network once."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Group, Member, Membership, NetworkSettings


def test_seed_demo_creates_network_groups_and_members_once(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data created" in result.output
    groups = db.session.scalars(select(Group).order_by(Group.slug)).all()
    assert [g.slug for g in groups] == ["kaffeklub-oest", "kaffeklub-vest"]
    assert db.session.scalar(select(func.count()).select_from(Member)) == 40
    admin = db.session.scalar(select(Member).where(Member.is_admin.is_(True)))
    assert admin is not None and admin.active
    # Every member is in at least one group, and each group has an organizer.
    for member in db.session.scalars(select(Member)):
        assert member.memberships, member.email
    for group in groups:
        memberships = db.session.scalars(select(Membership).where(Membership.group_id == group.id))
        roles = {m.role for m in memberships}
        assert "organizer" in roles
    assert NetworkSettings.get().name == "Erhvervsnetværket Midt"
    emails = db.session.scalars(select(Member.email)).all()
    assert len(set(emails)) == len(emails)

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "already has members" in again.output
    assert db.session.scalar(select(func.count()).select_from(Member)) == 40
