"""Who sees a member's network: the one rule, used by the pages and the API alike.

    network_visibility(viewer, member, shared_group_roles) -> "full" | "aggregate" | "none"

- The member themselves: "full".
- Nobody outside the member's groups (no shared group) sees anything, except admins.
- A member who has not hidden their network ("Skjul mit netværk for andre medlemmer" off):
  "full" for members and organizers of a shared group and for admins.
- A member who has hidden it: "aggregate" (counts only: how many members they have met, how many
  new this year) for organizers of a shared group and for admins; "none" for the other members.

"full" shows whom the member has met, but only the people the viewer may see anyway (members of
a group they share with the viewer; admins see everyone): the network page never reveals the
members of another group.

Whatever the member chose, a viewer always sees their own tie with the member ("I har mødt
hinanden 3 gange"): that is the viewer's own history, shown on their own "Mit netværk" too.
"""

from __future__ import annotations

from collections.abc import Collection

FULL = "full"
AGGREGATE = "aggregate"
NONE = "none"

ORGANIZER = "organizer"


def network_visibility(viewer, member, shared_group_roles: Collection[str]) -> str:
    """How much of `member`'s network `viewer` sees.

    `viewer` and `member` need `id`, `is_admin` (viewer), `hide_network` (member) and `active`;
    `shared_group_roles` are the viewer's roles ("member", "organizer") in the groups they share
    with the member. Pure: reads only these attributes."""
    if viewer is None or not getattr(viewer, "is_authenticated", True) or getattr(viewer, "id", None) is None:
        return NONE
    if viewer.id == member.id:
        return FULL
    admin = bool(getattr(viewer, "is_admin", False))
    roles = set(shared_group_roles)
    if not admin and not roles:
        return NONE
    oversees = admin or ORGANIZER in roles
    if not getattr(member, "active", True) and not oversees:
        return NONE
    if not member.hide_network:
        return FULL
    return AGGREGATE if oversees else NONE
