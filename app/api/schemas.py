"""Marshmallow schemas of the JSON API: what /api/v1 returns, and the problem details of its errors."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, post_dump, validate

from app.api.meeting_schemas import Between, Choice, Flag, Text, Whole, _text
from app.groups.services import (
    GROUP_LIMITS,
    REMINDER_TIME_PATTERN,
    invite_days_message,
    reminder_time_message,
)
from app.input_guard import UNSTORABLE_MESSAGE, has_unstorable
from app.models.group import MAX_GUEST_LIMIT, MAX_INVITE_DAYS_BEFORE, RSVP_MODES


def _industry_rule_message() -> str:
    return _("Please choose what happens when two members have the same industry.")


def _rsvp_mode_message() -> str:
    return _("Please choose how members answer the group's meetings.")  # the group service's words


def _guest_limit_message() -> str:
    return _("Please enter a number of guests from 0 to %(max)d.", max=MAX_GUEST_LIMIT)


class _ReminderTime(validate.Regexp):
    """The group service's pattern (17:00, 9:30, 17.00; the document's `pattern`) and its message;
    empty means no reminder."""

    def __init__(self) -> None:
        super().__init__(f"({REMINDER_TIME_PATTERN.pattern})|^$")

    def __call__(self, value: str) -> str:
        if has_unstorable(value):  # the words the web form uses for such text
            raise ValidationError(str(UNSTORABLE_MESSAGE))
        if not (value == "" or REMINDER_TIME_PATTERN.match(value.strip())):
            raise ValidationError(reminder_time_message())
        return value


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


class MemberPhotoSchema(Schema):
    """A member's photo: the URL of each size (square JPEGs). Fetched with the same login; served
    only to whom the member lets see it."""

    small = fields.String(required=True, metadata={"description": "96 x 96 pixels (or the original's "
                                                                  "size, if smaller)"})
    medium = fields.String(required=True, metadata={"description": "320 x 320 pixels"})
    large = fields.String(required=True, metadata={"description": "800 x 800 pixels"})


_LEVELS = ["public", "members", "organizers"]


class VisibilityLevelsSchema(Schema):
    """Who sees each kind of a member's data: `public` (anyone; a public profile is listed on the
    public pages of the member's public groups), `members` (of the member's groups) or `organizers`
    (of the member's groups, and admins). `meetings` and `network` are never public."""

    profile = fields.String(required=True, metadata={
        "enum": _LEVELS,
        "description": "Company, title, industry, competencies, about, offers, seeks, website"})
    photo = fields.String(required=True, metadata={"enum": _LEVELS})
    email = fields.String(required=True, metadata={"enum": _LEVELS})
    phone = fields.String(required=True, metadata={"enum": _LEVELS})
    meetings = fields.String(required=True, metadata={
        "enum": _LEVELS[1:], "description": "Which meetings the member is coming to"})
    network = fields.String(required=True, metadata={
        "enum": _LEVELS[1:], "description": "Whom the member has met (organizers: counts only)"})


class VisibilityPatchSchema(Schema):
    """The kinds to change (the others stay as they are); the same rules as the page
    "Privatliv og mine data"."""

    profile = fields.String(metadata={"enum": _LEVELS})
    photo = fields.String(metadata={"enum": _LEVELS})
    email = fields.String(metadata={"enum": _LEVELS})
    phone = fields.String(metadata={"enum": _LEVELS})
    meetings = fields.String(metadata={"enum": _LEVELS[1:]})
    network = fields.String(metadata={"enum": _LEVELS[1:]})


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
    offers = fields.String(metadata={"description": "What the member offers"})
    seeks = fields.String(metadata={"description": "What the member is looking for"})
    photo = fields.Nested(MemberPhotoSchema, allow_none=True, metadata={
        "description": "The URLs of the member's photo; null without one"})
    visibility = fields.Nested(VisibilityLevelsSchema, metadata={
        "description": "Who sees each kind of the member's data (PATCH /api/v1/me/visibility)"})
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
    invite_days_before = fields.Integer(allow_none=True, metadata={
        "description": f"Calendar invitations go out automatically this many days before each meeting "
                       f"(0 to {MAX_INVITE_DAYS_BEFORE}; 0: on the day); null: only when an organizer "
                       "sends them (POST /meetings/{id}/invitations)",
        "minimum": 0, "maximum": MAX_INVITE_DAYS_BEFORE})
    reminder_time = fields.String(allow_none=True, metadata={
        "description": "Everyone going gets a reminder mail the day before each meeting at this local "
                       "time (HH:MM, in the group's time zone); null: no reminder",
        "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "17:00"})
    industry_rule = fields.String(metadata={
        "description": "One member per industry: `off`, `warn` (whoever adds a second member of an "
                       "industry is told who has it) or `block` (refused, unless an admin makes a "
                       "recorded exception)",
        "enum": ["off", "warn", "block"]})
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
    invite_days_before = Whole(strict=True, allow_none=True,
                               validate=Between(0, MAX_INVITE_DAYS_BEFORE, message=invite_days_message),
                               metadata={"description": f"Send the calendar invitations automatically this "
                                                        f"many days before each meeting, 0 to "
                                                        f"{MAX_INVITE_DAYS_BEFORE} (0: on the day); null: "
                                                        "only when an organizer sends them"})
    reminder_time = Text(allow_none=True, validate=_ReminderTime(), metadata={
        "description": "Send everyone going a reminder the day before each meeting at this local time "
                       "(HH:MM, also H:MM or HH.MM; the group's time zone); null or empty: no reminder",
        "example": "17:00"})
    industry_rule = Text(validate=Choice(("off", "warn", "block"), message=_industry_rule_message), metadata={
        "description": "One member per industry (industries compared without regard to case, spaces and "
                       "punctuation): `off`; `warn`: whoever adds a second member of an industry is "
                       "told who has it; `block`: refused, unless an admin makes a recorded exception"})


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
