"""Who sees which fields: one rule for the web pages and the API alike.

Pure: no Flask, no database. The caller says how the viewer stands to the object (a `Viewer`,
computed from the logged-in member by `app.auth.viewers`) and gets back the names of the fields
that viewer may see. A page renders only those fields; the API leaves the others out (or null,
as its OpenAPI document says). Whether the object itself may be seen at all (a members-only
group, a member who shares no group with the viewer) is decided before, by app/auth/permissions.py.

The rule
--------
Meetings (of a group the viewer may see at all):

- Everyone who may see the group sees what the meeting is: title, times, venue name and address
  (with the map link), capacity, sign-up deadline, whether guests are welcome, agenda and status.
  A business breakfast is usually held at a venue that is public anyway.
- The host is a person: their name and company, their e-mail and phone, and the online link are
  for the members of the group, its organizers and admins. Anonymous visitors and members of
  other groups see the venue, not who hosts it.

Members (the directory, a profile card, a group's member list, the API's lists and /me):

- Anonymous visitors and members who share no group with the person never see a member (no field
  at all; the pages answer 404 or 403 before this rule is asked).
- Members of a shared group and its organizers see the profile and the contact details (e-mail and
  phone): exchanging them is what the network is for.
- Admins and the member themself also see the member's settings (the preferred language).
"""

from __future__ import annotations

from enum import Enum


class Viewer(Enum):
    """How the person looking stands to the object's group (or to the member looked at)."""

    ANONYMOUS = "anonymous"  # not logged in
    OUTSIDER = "outsider"  # logged in, but a member of other groups only
    MEMBER = "member"  # a member of the group (of a group shared with the person)
    ORGANIZER = "organizer"  # an organizer of the group (of a group the person is in)
    ADMIN = "admin"  # a network administrator (whether in the group or not)
    SELF = "self"  # the member looks at their own record


# --- meetings ------------------------------------------------------------------------------------

MEETING_PUBLIC_FIELDS = frozenset({
    "id", "group", "series_id", "url", "title", "starts_at", "ends_at", "doors_open_at", "timezone",
    "venue_name", "venue_address", "map_url", "capacity", "rsvp_deadline", "guests_welcome",
    "agenda", "status", "cancelled_at", "cancel_reason", "sequence",
})
MEETING_HOST_FIELDS = frozenset({"host_id", "host_name", "host_company"})
MEETING_HOST_CONTACT_FIELDS = frozenset({"host_email", "host_phone"})
MEETING_MEMBERS_ONLY_FIELDS = frozenset({"online_url"})
MEETING_FIELDS = (MEETING_PUBLIC_FIELDS | MEETING_HOST_FIELDS | MEETING_HOST_CONTACT_FIELDS
                  | MEETING_MEMBERS_ONLY_FIELDS)

_GROUP_INSIDERS = frozenset({Viewer.MEMBER, Viewer.ORGANIZER, Viewer.ADMIN})


def meeting_fields(viewer: Viewer) -> frozenset[str]:
    """The fields of a meeting (of a group the viewer may see) that this viewer may see."""
    if viewer is Viewer.SELF:
        raise ValueError("a meeting has no 'self' viewer")
    if viewer in _GROUP_INSIDERS:
        return MEETING_FIELDS
    return MEETING_PUBLIC_FIELDS


# --- members -------------------------------------------------------------------------------------

MEMBER_PROFILE_FIELDS = frozenset({
    "id", "name", "company", "title", "industry", "competencies", "bio", "website", "groups",
})
MEMBER_CONTACT_FIELDS = frozenset({"email", "phone"})
MEMBER_SETTINGS_FIELDS = frozenset({"language"})
MEMBER_FIELDS = MEMBER_PROFILE_FIELDS | MEMBER_CONTACT_FIELDS | MEMBER_SETTINGS_FIELDS


def member_fields(viewer: Viewer) -> frozenset[str]:
    """The fields of a member's record that this viewer may see."""
    if viewer in (Viewer.SELF, Viewer.ADMIN):
        return MEMBER_FIELDS
    if viewer in (Viewer.MEMBER, Viewer.ORGANIZER):
        return MEMBER_PROFILE_FIELDS | MEMBER_CONTACT_FIELDS
    return frozenset()
