"""Group use cases. Read functions check visibility on the object; writes commit here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth import permissions
from app.errors import PermissionDenied
from app.extensions import db
from app.models import Group, Member, Membership


def list_visible_groups(user) -> list[Group]:
    """Groups the user may see: all for admins, public ones and their own for everyone else."""
    query = select(Group).order_by(Group.name)
    groups = db.session.scalars(query).all()
    return [g for g in groups if permissions.can_see_group(user, g)]


def get_group(user, slug: str) -> Group:
    """The group with this slug, or NotFound if it does not exist or is hidden from the user."""
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    return permissions.require_group_visible(user, group)


def list_group_members(user, group: Group, *, include_inactive: bool = False) -> list[Membership]:
    """The group's memberships (with members), for its members, organizers and admins."""
    if not permissions.can_see_group_members(user, group):
        raise PermissionDenied()
    query = (
        select(Membership)
        .join(Membership.member)
        .where(Membership.group_id == group.id)
        .options(selectinload(Membership.member))
        .order_by(Member.name)
    )
    if not include_inactive:
        query = query.where(Member.active.is_(True))
    return list(db.session.scalars(query).all())
