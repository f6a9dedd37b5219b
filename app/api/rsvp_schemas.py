"""Marshmallow schemas of the sign-ups API (/api/v1/meetings/{id}/rsvp, /rsvps, /waitlist, /guests).

The input schemas state what app.rsvp.services will refuse anyway (required fields, JSON types,
text lengths from `services.LIMITS`, enumerations, whole numbers the database can hold, no NUL),
so the OpenAPI document tells the truth; the rules themselves (the deadline, the guest limit, a
valid e-mail address, a full meeting) stay in the service. Where both check the same thing the
message is the service's own ("Please answer yes or no.", "Please enter the name."), so a mistake
reads the same on the web page and in the API problem.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.api.meeting_schemas import INT32_MAX, Between, Choice, Flag, LangQuerySchema, Storable, Text, Whole
from app.rsvp.services import ANSWERS, LIMITS

__all__ = ["LangQuerySchema"]

STATUSES = ("going", "waitlisted", "declined")
GUEST_STATUSES = ("going", "waitlisted", "cancelled")
MODES = ("opt_in", "expected")
MAX_GUESTS = 50  # the service refuses longer lists ("Too many guests.")

# The service's own words for a missing value (app.rsvp.services).
REQUIRED_MESSAGES: dict[str, Callable[[], str]] = {
    "answer": lambda: _("Please answer yes or no."),
    "status": lambda: _("Please choose going, waitlisted or declined."),
    "name": lambda: _("Please enter the name."),
    "email": lambda: _("Please enter an e-mail address."),
}


def _required(name: str) -> str:
    make = REQUIRED_MESSAGES.get(name)
    return make() if make is not None else _("This field is required.")


class _RsvpErrors:
    """Field mixin: marshmallow's own messages (missing, null, wrong type) in the service's words."""

    def make_error(self, key: str, **kwargs) -> ValidationError:
        if key in ("required", "null"):
            return ValidationError(_required(self.name or ""))
        return super().make_error(key, **kwargs)


class RsvpText(_RsvpErrors, Text):
    pass


class Limit(validate.Length):
    """maxLength in the document, the service's message."""

    def __init__(self, max: int, message: Callable[[int], str]) -> None:  # noqa: A002 (Length's name)
        super().__init__(max=max)
        self.make_message = message

    def __call__(self, value: str) -> str:
        if len(value) > self.max:
            raise ValidationError(self.make_message(self.max))
        return value


def _person_limit(num: int) -> str:
    return _("Please use at most %(num)d characters.", num=num)


def _message_limit(num: int) -> str:
    return _("Please keep the message under %(num)d characters.", num=num)


def person_text(key: str, description: str, *, required: bool = False, **metadata) -> RsvpText:
    return RsvpText(required=required, allow_none=not required,
                    validate=[Storable(blank=not required, required_message=lambda: _required(key)),
                              Limit(LIMITS[key], _person_limit)],
                    metadata={"description": description, **metadata})


def message_text(description: str) -> RsvpText:
    return RsvpText(allow_none=True, validate=[Storable(), Limit(LIMITS["message"], _message_limit)],
                    metadata={"description": description})


def _whole_id(description: str, *, required: bool = False) -> Whole:
    return Whole(strict=True, required=required, allow_none=not required,
                 validate=Between(1, INT32_MAX), metadata={"description": description})


# --- input -----------------------------------------------------------------------------------------


class PersonInputSchema(Schema):
    """A guest or a substitute: name and e-mail address (required), company."""

    name = person_text("name", "Full name", required=True)
    email = person_text("email", "E-mail address; the person gets their own confirmation mail and "
                                 "cancel link", required=True, format="email")
    company = person_text("company", "Company (optional)")


class RsvpInputSchema(Schema):
    answer = RsvpText(required=True, validate=Choice(ANSWERS, lambda: _("Please answer yes or no.")),
                      metadata={"description": "`yes`: a seat, or the end of the waitlist when the "
                                               "meeting is full. `no`: afbud (the member's guests are "
                                               "cancelled and told by mail)"})
    message = message_text("The afbud message (with `no`); ignored with `yes`")
    guests = fields.List(
        fields.Nested(PersonInputSchema), allow_none=True, validate=validate.Length(max=MAX_GUESTS),
        metadata={"description": "With `yes`: the member's full list of guests (new ones are added and "
                                 "mailed, missing ones cancelled; leave it out to keep the guests as "
                                 "they are). At most the group's guest limit, and only for meetings "
                                 "where guests are welcome. Each guest has their own seat or place in "
                                 "line, right behind the member"},
    )


class SubstituteInputSchema(PersonInputSchema):
    """Afbud with a stedfortræder (substitute) who takes the member's seat or place in line."""

    message = message_text("The afbud message to the organizers")


class MemberStatusInputSchema(Schema):
    status = RsvpText(required=True,
                      validate=Choice(STATUSES, lambda: _("Please choose going, waitlisted or declined.")),
                      metadata={"description": "`going` (a seat; with `force` even above the capacity), "
                                               "`waitlisted` (to the front of the line) or `declined`"})
    force = Flag(load_default=False,
                 metadata={"description": "Give a seat although the meeting is full (above capacity)"})
    message = message_text("With `declined`: the afbud message")


class PromoteInputSchema(Schema):
    """Exactly one of `member_id` and `guest_id`: who moves up from the waitlist."""

    member_id = _whole_id("The waiting member")
    guest_id = _whole_id("The waiting guest or substitute (its id from the attendee list)")
    force = Flag(load_default=False,
                 metadata={"description": "Give the seat although the meeting is full (above capacity)"})

    @validates_schema
    def exactly_one(self, data, **kwargs) -> None:
        given = [key for key in ("member_id", "guest_id") if data.get(key) is not None]
        if len(given) != 1:
            message = _("Please give either member_id or guest_id.")
            raise ValidationError({"member_id": [message], "guest_id": [message]})


# --- output ----------------------------------------------------------------------------------------


class GuestSchema(Schema):
    """A guest or substitute and their own seat."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": ["guest", "substitute"]})
    name = fields.String(required=True)
    email = fields.String(required=True)
    company = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(GUEST_STATUSES)})
    waitlist_position = fields.Integer(required=True, allow_none=True,
                                       metadata={"description": "Place in line (1 = next); null "
                                                                "unless waitlisted"})


class RsvpSchema(Schema):
    """A member's answer to a meeting."""

    meeting_id = fields.Integer(required=True)
    mode = fields.String(required=True, metadata={
        "enum": list(MODES), "description": "`opt_in`: nobody is expected until they say yes; "
                                            "`expected`: every active member counts as going unless "
                                            "they send afbud"})
    status = fields.String(required=True, allow_none=True, metadata={
        "enum": [*STATUSES, None], "description": "null: not answered (in `expected` mode a member who "
                                                  "has not answered is `going` with `expected` true)"})
    expected = fields.Boolean(required=True, metadata={
        "description": "Going because the group expects its members (not answered, `expected` mode)"})
    waitlist_position = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Place in line (1 = next to get a seat); null unless waitlisted"})
    message = fields.String(required=True, metadata={"description": "The afbud message"})
    late = fields.Boolean(required=True, metadata={"description": "The afbud came after the deadline"})
    answered_at = fields.DateTime(required=True, allow_none=True, metadata={
        "description": "When the answer was last changed (the group's UTC offset); null if never"})
    guests = fields.List(fields.Nested(GuestSchema), required=True,
                         metadata={"description": "The member's guests (not cancelled ones)"})
    substitute = fields.Nested(GuestSchema, required=True, allow_none=True, metadata={
        "description": "The stedfortræder who comes instead of the member, or null"})


class MemberRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    company = fields.String(required=True)


class MemberRsvpSchema(RsvpSchema):
    """A member's answer as an organizer set it, and who moved up from the waitlist because of it."""

    member = fields.Nested(MemberRefSchema, required=True)
    promoted = fields.List(fields.String(), required=True,
                           metadata={"description": "Names of those promoted from the waitlist (mailed)"})


class CountsSchema(Schema):
    capacity = fields.Integer(required=True, allow_none=True, metadata={"description": "null: no limit"})
    going = fields.Integer(required=True, metadata={
        "description": "Seats taken: members, guests and substitutes going, and the expected"})
    members_going = fields.Integer(required=True)
    guests = fields.Integer(required=True, metadata={"description": "Guests and substitutes going"})
    expected = fields.Integer(required=True, metadata={
        "description": "Members who have not answered and count as going (`expected` mode)"})
    waitlisted = fields.Integer(required=True, metadata={"description": "Members and guests in line"})
    declined = fields.Integer(required=True)
    not_answered = fields.Integer(required=True, metadata={
        "description": "Active members without an answer (in `expected` mode they are the expected)"})
    free = fields.Integer(required=True, allow_none=True, metadata={"description": "null: no limit"})
    over_by = fields.Integer(required=True, metadata={
        "description": "How many more are going than there are seats (forced seats or a lowered capacity)"})


class AttendeeSchema(Schema):
    """One member of the group (or someone who answered and has left it since) and their answer."""

    member = fields.Nested(MemberRefSchema, required=True)
    status = fields.String(required=True, allow_none=True,
                           metadata={"enum": [*STATUSES, None], "description": "null: not answered"})
    expected = fields.Boolean(required=True)
    waitlist_position = fields.Integer(required=True, allow_none=True)
    forced = fields.Boolean(required=True, metadata={"description": "Given a seat above the capacity"})
    message = fields.String(required=True, metadata={"description": "The afbud message"})
    late = fields.Boolean(required=True)
    answered_at = fields.DateTime(required=True, allow_none=True)
    via = fields.String(required=True, allow_none=True, metadata={
        "description": "How the answer came: web, link, api, organizer, calendar or system; null if none"})
    guests = fields.List(fields.Nested(GuestSchema), required=True, metadata={
        "description": "Guests and the substitute this member brought, cancelled ones included"})


class RsvpListSchema(Schema):
    """Who comes to a meeting. Every member of the group sees `going` (the names of the members going)
    and `guests_going`; organizers and admins also get `counts` and `attendees` (everyone, with
    their answer, contact details, guests, afbud messages) and `full` is true."""

    meeting_id = fields.Integer(required=True)
    mode = fields.String(required=True, metadata={"enum": list(MODES)})
    full = fields.Boolean(required=True, metadata={
        "description": "true: the organizers' view with `counts` and `attendees`"})
    capacity = fields.Integer(required=True, allow_none=True)
    going = fields.List(fields.String(), required=True, metadata={
        "description": "Names of the members going (the expected included), by name; members who "
                       "chose not to be named are left out (organizers and admins see everyone)"})
    others_going = fields.Integer(required=True, metadata={
        "description": "Members going who chose not to be named in `going` (0 for organizers)"})
    guests_going = fields.Integer(required=True, metadata={
        "description": "How many guests and substitutes come (without their names)"})
    counts = fields.Nested(CountsSchema, metadata={"description": "Organizers and admins only"})
    attendees = fields.List(fields.Nested(AttendeeSchema), metadata={
        "description": "Organizers and admins only: going (by name), waitlisted (in line order), "
                       "declined, not answered"})
