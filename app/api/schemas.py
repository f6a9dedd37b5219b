"""Marshmallow schemas of the JSON API: what /api/v1 returns, and the problem details of its errors."""

from __future__ import annotations

from marshmallow import Schema, fields, post_dump


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
    role = fields.String(
        allow_none=True,
        metadata={"description": "The caller's role in the group; null if not a member",
                  "enum": ["member", "organizer", None]},
    )


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
