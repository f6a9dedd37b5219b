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
  other groups see the venue, not who hosts it. The host's company, e-mail and phone also follow
  the host's own visibility choices (below), as their profile does: "organizers only" hides them
  from the group's members, on the meeting page, in the API, in invitations, feeds and mails.

Members (the directory, a profile card, a group's member list, public pages, feeds, mails, exports
and the API) -- each member chooses, per kind of data (PRIVACY_KINDS), who sees it (a Level):

- "public": anyone, logged in or not. A member whose *profile* is public is listed on the public
  pages (and public JSON) of their public groups, with their name and the kinds they made public.
- "members" (the default): the members of the groups they share, and those groups' organizers.
- "organizers": only the organizers of their groups and the network's admins.

Whatever the settings:

- Members of a shared group always see the name and the groups (they meet at the table anyway);
  organizers of a shared group, admins and the member themself see every kind.
- Admins and the member themself also see the settings (language and these choices).
- Anonymous visitors and members who share no group see a member only if the profile is public,
  and then only the public kinds. "meetings" (which meetings I go to) and "network" (whom I have
  met) are never public: their levels are members or organizers (Member.share_attendance and
  Member.hide_network; for a hidden network organizers see counts only, app/connections/privacy.py).
- A deleted member is "a former member": the id and that name, nothing else, to everyone.
"""

from __future__ import annotations

from enum import Enum, StrEnum


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


# A host field of a meeting -> the member field of the host (the host's own choices decide it).
_HOST_FIELD_OF = {"host_company": "company", "host_email": "email", "host_phone": "phone"}


def meeting_fields(viewer: Viewer, host_levels: dict[str, Level] | None = None, *,
                   host_deleted: bool = False, viewer_is_host: bool = False) -> frozenset[str]:
    """The fields of a meeting (of a group the viewer may see) that this viewer may see.

    The host's company, e-mail and phone also follow the host's own choices (`host_levels`,
    Member.privacy_levels(); None: the defaults), as on the host's profile: a member of the group
    sees the host's phone only if the host shows it to members; organizers and admins always.
    A deleted host is "a former member": id and name only. The host sees their own details."""
    if viewer is Viewer.SELF:
        raise ValueError("a meeting has no 'self' viewer")
    if viewer not in _GROUP_INSIDERS:
        return MEETING_PUBLIC_FIELDS
    host = member_fields(Viewer.SELF if viewer_is_host else viewer, host_levels, deleted=host_deleted)
    hidden = {field for field, member_field in _HOST_FIELD_OF.items() if member_field not in host}
    return MEETING_FIELDS - hidden


# --- members -------------------------------------------------------------------------------------

class Level(StrEnum):
    """Who may see one kind of a member's data; each level includes the ones after it."""

    PUBLIC = "public"
    MEMBERS = "members"
    ORGANIZERS = "organizers"


# The kinds of a member's data each member sets a Level for, and the fields of each kind.
KIND_FIELDS: dict[str, frozenset[str]] = {
    "profile": frozenset({"company", "title", "industry", "competencies", "bio", "offers", "seeks",
                          "website"}),
    "photo": frozenset({"photo"}),
    "email": frozenset({"email"}),
    "phone": frozenset({"phone"}),
    "meetings": frozenset({"meetings"}),
    "network": frozenset({"network"}),
}
PRIVACY_KINDS = tuple(KIND_FIELDS)
# The kinds that can never be public (their choices are members or organizers).
NEVER_PUBLIC_KINDS = frozenset({"meetings", "network"})
DEFAULT_LEVELS: dict[str, Level] = {kind: Level.MEMBERS for kind in PRIVACY_KINDS}

MEMBER_IDENTITY_FIELDS = frozenset({"id", "name"})
MEMBER_INSIDER_FIELDS = MEMBER_IDENTITY_FIELDS | {"groups"}
MEMBER_PROFILE_FIELDS = MEMBER_INSIDER_FIELDS | KIND_FIELDS["profile"] | KIND_FIELDS["photo"]
MEMBER_CONTACT_FIELDS = KIND_FIELDS["email"] | KIND_FIELDS["phone"]
MEMBER_SETTINGS_FIELDS = frozenset({"language", "visibility"})
MEMBER_FIELDS = (MEMBER_INSIDER_FIELDS | frozenset().union(*KIND_FIELDS.values())
                 | MEMBER_SETTINGS_FIELDS)


def _kinds_up_to(levels: dict[str, Level], allowed: frozenset[Level]) -> frozenset[str]:
    fields: set[str] = set()
    for kind, kind_fields in KIND_FIELDS.items():
        if levels.get(kind, Level.MEMBERS) in allowed:
            fields |= kind_fields
    return frozenset(fields)


def is_listed_publicly(levels: dict[str, Level] | None) -> bool:
    """Whether the member appears on the public pages of their public groups."""
    return (levels or DEFAULT_LEVELS).get("profile") is Level.PUBLIC


def member_fields(viewer: Viewer, levels: dict[str, Level] | None = None, *,
                  deleted: bool = False) -> frozenset[str]:
    """The fields of a member's record that this viewer may see, by the member's choices `levels`
    (kind -> Level, Member.privacy_levels(); None: the defaults)."""
    if deleted:
        return MEMBER_IDENTITY_FIELDS
    levels = levels or DEFAULT_LEVELS
    if viewer in (Viewer.SELF, Viewer.ADMIN):
        return MEMBER_FIELDS
    if viewer is Viewer.ORGANIZER:
        return MEMBER_FIELDS - MEMBER_SETTINGS_FIELDS
    if viewer is Viewer.MEMBER:
        return MEMBER_INSIDER_FIELDS | _kinds_up_to(levels, frozenset({Level.PUBLIC, Level.MEMBERS}))
    if not is_listed_publicly(levels):
        return frozenset()
    public = {kind: level for kind, level in levels.items() if kind not in NEVER_PUBLIC_KINDS}
    return MEMBER_IDENTITY_FIELDS | _kinds_up_to(public, frozenset({Level.PUBLIC}))


# --- social capital: requests, answers, referrals, help and thanks -------------------------------
#
# The rule (app.models.social; the pages, mails, the API, the ledger and the exports all ask it):
#
# - A request is seen by the members of the groups it was posted to (and their organizers and
#   admins): what is asked, by whom, its deadline, category and status, and the public answers.
#   A private answer is seen only by the asker and the one who wrote it -- not by organizers.
# - A referral, help given and thanks are between two members (the "parties"). The parties see
#   everything. The members of the group, its organizers and admins see that it happened: who gave
#   what kind of thing to whom, when, and its status -- that is the give-and-take that builds trust.
#   The details stay with the two: the contact's name, company, phone and e-mail, what it is about,
#   the description of the help. A thank-you's message is seen by the others only on the group's
#   thank-you wall, i.e. when both parties agreed to it.
# - An amount in DKK is seen only by the two parties. Organizers see sums per group and period
#   (the ledger's reports), never an amount of one item; admins likewise; never in a feed or an
#   export another member can read.
# - An item an organizer hid is seen only by its parties (with the reason) and by organizers and
#   admins (with who hid it and why); the other members do not see it at all. A withdrawn item is
#   seen by nobody (its history stays for organizers and admins).


class Relation(Enum):
    """How the person looking stands to a social-capital item."""

    PARTY = "party"  # the asker or the answer's author; the giver or receiver; thanker or thanked
    MEMBER = "member"  # a member of the item's group(s)
    ORGANIZER = "organizer"  # an organizer of the item's group(s)
    ADMIN = "admin"
    OUTSIDER = "outsider"  # anyone else (anonymous included)


MODERATION_FIELDS = frozenset({"hidden", "hidden_reason", "hidden_by"})

REQUEST_FIELDS = frozenset({
    "id", "author", "title", "body", "category", "deadline", "status", "groups", "created_at",
    "solved_at", "closed_at", "raise_at_meeting", "answers", "helpers",
})
ANSWER_FIELDS = frozenset({
    "id", "request_id", "author", "kind", "body", "referred_member", "referred_name", "private",
    "created_at",
})
REFERRAL_PUBLIC_FIELDS = frozenset({"id", "giver", "receiver", "group", "warmth", "status",
                                    "created_at", "status_changed_at", "request_id"})
REFERRAL_PRIVATE_FIELDS = frozenset({"contact_name", "contact_company", "contact_phone",
                                     "contact_email", "about"})
HELP_PUBLIC_FIELDS = frozenset({"id", "giver", "receiver", "group", "kind", "given_on", "request_id",
                                "created_at"})
HELP_PRIVATE_FIELDS = frozenset({"description"})
THANKS_PUBLIC_FIELDS = frozenset({"id", "thanker", "thanked", "group", "kind", "referral_id",
                                  "help_id", "created_at", "on_wall"})
THANKS_WALL_FIELDS = frozenset({"message"})
THANKS_PRIVATE_FIELDS = frozenset({"message", "amount_dkk", "wall_by_thanker", "wall_by_thanked"})


def _moderated(fields: frozenset[str], relation: Relation, *, hidden: bool, withdrawn: bool,
               public: frozenset[str]) -> frozenset[str]:
    if withdrawn:
        return frozenset()
    if relation is Relation.PARTY:
        return fields | (MODERATION_FIELDS if hidden else frozenset())
    if relation is Relation.OUTSIDER:
        return frozenset()
    if hidden:
        return public | MODERATION_FIELDS if relation in (Relation.ORGANIZER, Relation.ADMIN) else frozenset()
    return public


def request_fields(relation: Relation, *, hidden: bool = False, withdrawn: bool = False) -> frozenset[str]:
    """What a viewer sees of a request (PARTY: its author)."""
    return _moderated(REQUEST_FIELDS, relation, hidden=hidden, withdrawn=withdrawn, public=REQUEST_FIELDS)


def answer_fields(relation: Relation, *, private: bool, hidden: bool = False,
                  withdrawn: bool = False) -> frozenset[str]:
    """What a viewer sees of an answer (PARTY: the asker or the answer's author)."""
    public = frozenset() if private else ANSWER_FIELDS
    return _moderated(ANSWER_FIELDS, relation, hidden=hidden, withdrawn=withdrawn, public=public)


def referral_fields(relation: Relation, *, hidden: bool = False, withdrawn: bool = False) -> frozenset[str]:
    """What a viewer sees of a referral (PARTY: its giver or receiver)."""
    return _moderated(REFERRAL_PUBLIC_FIELDS | REFERRAL_PRIVATE_FIELDS, relation, hidden=hidden,
                      withdrawn=withdrawn, public=REFERRAL_PUBLIC_FIELDS)


def help_fields(relation: Relation, *, hidden: bool = False, withdrawn: bool = False) -> frozenset[str]:
    """What a viewer sees of help given (PARTY: its giver or receiver)."""
    return _moderated(HELP_PUBLIC_FIELDS | HELP_PRIVATE_FIELDS, relation, hidden=hidden,
                      withdrawn=withdrawn, public=HELP_PUBLIC_FIELDS)


def thanks_fields(relation: Relation, *, on_wall: bool, hidden: bool = False,
                  withdrawn: bool = False) -> frozenset[str]:
    """What a viewer sees of a thank-you (PARTY: the thanker or the thanked). The message is public
    only on the wall (both agreed); the amount never is."""
    public = THANKS_PUBLIC_FIELDS | (THANKS_WALL_FIELDS if on_wall else frozenset())
    return _moderated(THANKS_PUBLIC_FIELDS | THANKS_PRIVATE_FIELDS, relation, hidden=hidden,
                      withdrawn=withdrawn, public=public)


def sees_amounts_of_group(relation: Relation) -> bool:
    """Whether a viewer sees a group's DKK totals per period (organizers and admins only)."""
    return relation in (Relation.ORGANIZER, Relation.ADMIN)
