"""How the logged-in member stands to a group or a member: the input of app.visibility's rule.

Pages and the API ask the same functions here, so a field is shown on both channels or on neither.
Templates reach them as `visible_meeting_fields(meeting)` and `visible_member_fields(member, ...)`
(see `register_template_globals`), for the member who is logged in.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import Flask
from flask_login import current_user

from app.auth import permissions
from app.models import Group, Meeting, Member
from app.visibility import Relation, Viewer, meeting_fields, member_fields


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def viewer_of_group(user, group: Group) -> Viewer:
    """Anonymous, admin, organizer or member of the group, or a member of other groups only."""
    if not _authenticated(user):
        return Viewer.ANONYMOUS
    if permissions.is_admin(user):
        return Viewer.ADMIN
    if permissions.is_organizer_of(user, group):
        return Viewer.ORGANIZER
    if permissions.is_member_of(user, group):
        return Viewer.MEMBER
    return Viewer.OUTSIDER


def viewer_of_member(user, member: Member, *, group: Group | None = None,
                     shares_group: bool = False) -> Viewer:
    """How the user stands to a member: themself, admin, or by the groups they share.

    group: the member is shown as part of this group's list, so the user's place in that group
    decides. shares_group: the caller already knows they share a group (the directory lists only
    members of the user's groups), so the member's memberships need not be loaded.
    """
    if not _authenticated(user):
        return Viewer.ANONYMOUS
    if user.id == member.id:
        return Viewer.SELF
    if permissions.is_admin(user):
        return Viewer.ADMIN
    if group is not None:
        viewer = viewer_of_group(user, group)
        return Viewer.OUTSIDER if viewer is Viewer.ANONYMOUS else viewer
    if shares_group:
        return Viewer.MEMBER
    mine = {m.group_id: m for m in user.memberships}
    shared = [mine[m.group_id] for m in member.memberships if m.group_id in mine]
    if any(m.is_organizer for m in shared):
        return Viewer.ORGANIZER
    return Viewer.MEMBER if shared else Viewer.OUTSIDER


def meeting_fields_for(user, meeting: Meeting, *, viewer: Viewer | None = None) -> frozenset[str]:
    """The fields of this meeting the user may see (the group itself must be visible to them); the
    host's details also by the host's own choices. viewer: the user's place in the meeting's group,
    when the caller already knows it (a list of one group's meetings)."""
    if viewer is None:
        viewer = viewer_of_group(user, meeting.group)
    host = meeting.host
    if host is None:
        return meeting_fields(viewer)
    return meeting_fields(viewer, host.privacy_levels(), host_deleted=host.is_deleted,
                          viewer_is_host=_authenticated(user) and user.id == host.id)


def member_fields_for(user, member: Member, *, group: Group | None = None,
                      shares_group: bool = False) -> frozenset[str]:
    """The fields of this member's record the user may see, by the member's own choices."""
    return member_fields(viewer_of_member(user, member, group=group, shares_group=shares_group),
                         member.privacy_levels(), deleted=member.is_deleted)


def member_label(user, member: Member, *, shares_group: bool = False) -> str:
    """"Name (Company)" for a picker of members, the company only if the user may see it."""
    if member.company and "company" in member_fields_for(user, member, shares_group=shares_group):
        return f"{member.name} ({member.company})"
    return member.name


def register_template_globals(app: Flask) -> None:
    """visible_meeting_fields(meeting) and visible_member_fields(member, group=, shares_group=)."""
    app.jinja_env.globals.update(
        visible_meeting_fields=lambda meeting: meeting_fields_for(current_user, meeting),
        visible_member_fields=lambda member, group=None, shares_group=False: member_fields_for(
            current_user, member, group=group, shares_group=shares_group),
    )


def relation_to_item(user, *, parties: Collection[int], group_ids: Collection[int]) -> Relation:
    """How the user stands to a social-capital item (app.visibility.Relation): one of its parties
    (member ids), an admin, an organizer or a member of one of its groups, or an outsider. A party
    is a party even when they have left the groups."""
    if not _authenticated(user):
        return Relation.OUTSIDER
    if user.id in set(parties):
        return Relation.PARTY
    if permissions.is_admin(user):
        return Relation.ADMIN
    groups = set(group_ids)
    mine = [m for m in user.memberships if m.group_id in groups]
    if any(m.is_organizer for m in mine):
        return Relation.ORGANIZER
    return Relation.MEMBER if mine else Relation.OUTSIDER
