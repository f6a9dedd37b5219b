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


# --- added for group and member administration -------------------------------------------------

def organized_group_ids(user) -> set[int]:
    """Ids of the groups the user organizes (empty for anonymous users)."""
    if not _authenticated(user):
        return set()
    return {m.group_id for m in user.memberships if m.is_organizer}


def can_create_group(user) -> bool:
    """Only admins found new groups."""
    return is_admin(user)


def can_administer_members(user) -> bool:
    """The member administration is for admins and for organizers (limited to their groups)."""
    return is_admin(user) or bool(organized_group_ids(user))


def runs_every_group_of(user, member: Member) -> bool:
    """True if the member is in at least one group and the user organizes every one of them.

    Only then is an organizer the one who looks after that person: someone who is also in a
    group the organizer does not run belongs to other organizers (and admins) as well.
    """
    groups = {m.group_id for m in member.memberships}
    return bool(groups) and groups <= organized_group_ids(user)


def can_edit_member(user, member: Member) -> bool:
    """Admins edit everyone; an organizer edits a non-admin only if they run all of that
    person's groups (a member edits their own profile on /profile)."""
    if is_admin(user):
        return True
    if not _authenticated(user) or member.is_admin:
        return False
    return runs_every_group_of(user, member)


def can_deactivate_member(user, member: Member) -> bool:
    """Whoever may edit a member may deactivate them, but nobody switches themselves off."""
    return can_edit_member(user, member) and user.id != member.id


def can_reactivate_member(user, member: Member, *, deactivated_by_admin: bool) -> bool:
    """Like deactivation, but what an admin switched off only an admin switches on again.

    deactivated_by_admin: True when the last deactivation was an admin's or is not on record.
    """
    if not can_deactivate_member(user, member):
        return False
    return is_admin(user) or not deactivated_by_admin


def can_change_membership(user, membership) -> bool:
    """Organizers and admins change roles and remove people; a non-admin never changes their own
    membership (so an organizer cannot lock themselves out by accident)."""
    if not can_manage_group(user, membership.group):
        return False
    return is_admin(user) or membership.member_id != user.id


def can_add_directly(user, member: Member) -> bool:
    """Admins add anyone to a group at once; an organizer only someone who is already in one of
    the groups they run (whom they see anyway). Everyone else is invited and must agree first."""
    if is_admin(user):
        return True
    return bool({m.group_id for m in member.memberships} & organized_group_ids(user))
