"""Who may see and manage a group's meetings, and loading meetings for them (with a row lock for
the use cases that change one). Shared by `services` and `series`; imports neither."""

from __future__ import annotations

from sqlalchemy import select

from app.auth import permissions
from app.db_locks import begin_write, lock_for_update, locked
from app.errors import NotFound, PermissionDenied
from app.extensions import db
from app.models import Group, Meeting


def can_manage(user, group: Group) -> bool:
    """Organizers of the group and admins manage its meetings."""
    return permissions.can_manage_group(user, group)


def require_manage(user, group: Group | None) -> None:
    """NotFound when the group is hidden from the user, PermissionDenied when they may not manage it."""
    permissions.require_group_visible(user, group)
    if not can_manage(user, group):
        raise PermissionDenied()


def get_group_to_manage(user, slug: str) -> Group:
    """The group, if the user may plan its meetings (NotFound when hidden, PermissionDenied else)."""
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    require_manage(user, group)
    return group


def get_visible_group(user, slug: str) -> Group:
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    return permissions.require_group_visible(user, group)


def get_meeting(user, meeting_id: int) -> Meeting:
    """The meeting, or NotFound if it does not exist or its group is hidden from the user."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    permissions.require_group_visible(user, meeting.group)
    return meeting


def get_meeting_to_manage(user, meeting_id: int) -> Meeting:
    """The meeting, if the user may edit or cancel it."""
    meeting = get_meeting(user, meeting_id)
    require_manage(user, meeting.group)
    return meeting


def meeting_id_of(meeting: Meeting | int) -> int:
    """Use cases take a meeting id (an already loaded Meeting is accepted and read afresh)."""
    if isinstance(meeting, Meeting):
        return meeting.id
    if isinstance(meeting, int) and not isinstance(meeting, bool):
        return meeting
    raise NotFound()


def lock_meeting_to_manage(user, meeting: Meeting | int) -> Meeting:
    """Load the meeting under a row lock, for a use case that changes it (see `app.db_locks`).

    The lock holds until the use case commits or rolls back; a concurrent edit of the same meeting
    waits, then sees this one's result."""
    begin_write()
    query = select(Meeting).where(Meeting.id == meeting_id_of(meeting))
    found = db.session.scalar(lock_for_update(query, of=Meeting))
    if found is None:
        raise NotFound()
    require_manage(user, found.group)
    locked()
    return found


def lock_meetings(ids: list[int]) -> list[Meeting]:
    """Lock these meetings (in id order, so two transactions never wait on each other in a circle)."""
    if not ids:
        return []
    query = select(Meeting).where(Meeting.id.in_(ids)).order_by(Meeting.id)
    return list(db.session.scalars(lock_for_update(query, of=Meeting)).all())
