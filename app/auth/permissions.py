"""Who may do what, decided on the object. Services call these; routes never decide alone."""

from __future__ import annotations

from app.errors import NotFound, PermissionDenied
from app.models import Group, Member


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user) -> bool:
    return _authenticated(user) and bool(user.is_admin)


def is_member_of(user, group: Group) -> bool:
    return _authenticated(user) and user.membership_in(group) is not None


def is_organizer_of(user, group: Group) -> bool:
    if not _authenticated(user):
        return False
    membership = user.membership_in(group)
    return membership is not None and membership.is_organizer


def can_see_group(user, group: Group) -> bool:
    """Public groups are visible to everyone; members-only groups to their members and admins."""
    return group.is_public or is_admin(user) or is_member_of(user, group)


def can_see_group_members(user, group: Group) -> bool:
    """A group's member list is for its own members and admins, never for outsiders."""
    return is_admin(user) or is_member_of(user, group)


def can_manage_group(user, group: Group) -> bool:
    """Organizers run their groups' members and meetings; admins run everything."""
    return is_admin(user) or is_organizer_of(user, group)


def can_manage_member(user, member: Member) -> bool:
    """Admins manage everyone; organizers manage members of the groups they organize."""
    if is_admin(user):
        return True
    if not _authenticated(user):
        return False
    organized = {m.group_id for m in user.memberships if m.is_organizer}
    return any(m.group_id in organized for m in member.memberships)


def can_view_member(user, member: Member) -> bool:
    """Members see themselves and the members of the groups they share."""
    if not _authenticated(user):
        return False
    if is_admin(user) or user.id == member.id:
        return True
    mine = {m.group_id for m in user.memberships}
    return any(m.group_id in mine for m in member.memberships)


def require_group_visible(user, group: Group | None) -> Group:
    """Return the group, or raise NotFound so a hidden group's existence does not leak."""
    if group is None or not can_see_group(user, group):
        raise NotFound()
    return group


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied()
