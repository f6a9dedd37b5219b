"""Marshmallow schemas of the JSON API: what /api/v1 returns, and the problem details of its errors."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, fields, post_dump

from app.api.meeting_schemas import Between, Choice, Flag, Text, Whole, _text
from app.groups.services import GROUP_LIMITS
from app.models.group import MAX_GUEST_LIMIT, RSVP_MODES


def _rsvp_mode_message() -> str:
    return _("Please choose how members answer the group's meetings.")  # the group service's words


def _guest_limit_message() -> str:
    return _("Please enter a number of guests from 0 to %(max)d.", max=MAX_GUEST_LIMIT)


class ProblemSchema(Schema):
    """An RFC 9457 problem details object (media type application/problem+json)."""

    type = fields.String(
        required=True,
        metadata={"description": "A URI naming the problem type; about:blank for plain HTTP errors"},
    )
    title = fields.String(required=True, metadata={"description": "A short summary of the problem type"})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    detail = fields.String(metadata={"description": "An explanation of this occurrence of the problem"})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Validation errors: field name (or location) -> messages"},
    )


class MyGroupSchema(Schema):
    """A group the authenticated member belongs to, with their role in it (dumped from a membership)."""

    slug = fields.String(required=True, attribute="group.slug")
    name = fields.String(required=True, attribute="group.name")
    role = fields.String(required=True, metadata={"enum": ["member", "organizer"]})


class MeSchema(Schema):
    """The member who owns the access token."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.Email(required=True)
    phone = fields.String()
    company = fields.String()
    title = fields.String()
    industry = fields.String()
    competencies = fields.List(fields.String())
    bio = fields.String()
    website = fields.String()
    language = fields.String(metadata={"description": "Preferred language (da or en)"})
    groups = fields.Nested(MyGroupSchema, many=True)

    @post_dump
    def sort_groups(self, data: dict, **kwargs) -> dict:
        data["groups"] = sorted(data.get("groups", []), key=lambda g: g["name"].lower())
        return data


class GroupSchema(Schema):
    """A group (kaffeklub) the caller may see."""

    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String()
    timezone = fields.String(metadata={"description": "IANA time zone of the group's meetings"})
    is_public = fields.Boolean()
    rsvp_mode = fields.String(metadata={
        "description": "How the group's meetings are answered: `opt_in` (sign up to come: nobody is "
                       "expected until they say yes) or `expected` (every active member is expected "
                       "unless they send afbud)",
        "enum": ["opt_in", "expected"]})
    guest_limit = fields.Integer(metadata={
        "description": f"How many guests one member may bring to a meeting (0 to {MAX_GUEST_LIMIT}; "
                       "0: members only)",
        "minimum": 0, "maximum": MAX_GUEST_LIMIT})
    role = fields.String(
        allow_none=True,
        metadata={"description": "The caller's role in the group; null if not a member",
                  "enum": ["member", "organizer", None]},
    )


class GroupPatchSchema(Schema):
    """A group's settings as its organizers (and admins) change them; only the given fields change.
    The same rules and messages as the group form on the web (app.groups.services)."""

    name = _text("Name (not blank)", GROUP_LIMITS["name"], nullable=False)
    description = _text("Description: what the group is about, where and when it meets",
                        GROUP_LIMITS["description"], nullable=False)
    timezone = _text("IANA time zone of the group's meetings, for example Europe/Copenhagen", 64,
                     nullable=False)
    is_public = Flag(metadata={"description": "Everyone can see that a public group exists (the member "
                                              "list is only ever for its members)"})
    rsvp_mode = Text(validate=Choice(RSVP_MODES, message=_rsvp_mode_message), metadata={
        "description": "`opt_in`: sign up to come (members come when they have said yes); `expected`: "
                       "everyone is expected (members come unless they send afbud; the organizers get "
                       "each afbud by mail)"})
    guest_limit = Whole(strict=True, validate=Between(0, MAX_GUEST_LIMIT, message=_guest_limit_message),
                        metadata={"description": f"Guests one member may bring to a meeting, 0 to "
                                                 f"{MAX_GUEST_LIMIT} (0: members only)"})


class GroupMemberSchema(Schema):
    """A member in a group's member list (a membership seen from the group).

    Only the fields the caller may see are present (app.visibility.member_fields): a key the
    caller may not see is left out, not null. Today the group's members, its organizers and
    admins see all of these.
    """

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    company = fields.String()
    title = fields.String()
    industry = fields.String()
    competencies = fields.List(fields.String())
    email = fields.Email(metadata={"description": "Left out unless the caller may see contact details"})
    phone = fields.String(metadata={"description": "Left out unless the caller may see contact details"})
    role = fields.String(required=True, metadata={"enum": ["member", "organizer"]})
