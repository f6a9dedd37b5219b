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
