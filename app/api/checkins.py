"""Check-in under /api/v1, over app.checkin.services (the same rules as the door page).

- `GET /meetings/{id}/checkins`: the expected people and who is checked in, with the counts;
- `POST /meetings/{id}/checkins`: check in a member (`member_id`, also one who did not sign up), a
  signed-up guest (`guest_id`) or a walk-in visitor (`visitor`). 201 when checked in now, 200 when
  the person was already (a retry, a second door tablet): nothing is created twice;
- `DELETE /meetings/{id}/checkins/{checkin_id}`: undo a check-in (a walk-in visitor disappears);
- `POST /meetings/{id}/close`: close the meeting (no-shows are marked, encounters recorded).

Organizers of the meeting's group and admins only: a meeting the caller may not see answers 404,
one they see but do not run 403, a cancelled meeting (or, for check-ins, a closed one or one whose
day has not come) 409, a body that names nobody on the list or in the group 422.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates_schema

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.meeting_schemas import INT32_MAX, Between, LangQuerySchema, Storable, Text, TextLength, Whole
from app.api.meetings import FlatErrorsParser, _local, api_locale
from app.api.problems import READ_ERRORS, WRITE_ERRORS, documents_errors
from app.api.rsvp import _zone
from app.api.spec import TOKEN_REQUIRED, TaggedBlueprint
from app.checkin import services
from app.checkin.attendees import Attendee
from app.errors import NotFound, ValidationFailed
from app.models import CheckInVia


class CheckinsBlueprint(TaggedBlueprint):
    ARGUMENTS_PARSER = FlatErrorsParser()


blp = CheckinsBlueprint("api_checkins", __name__, url_prefix="/api/v1", tag="Check-in",
                        description="Check-in at the door: who came to a meeting")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)

CHECKIN_CONFLICT = ("The meeting is cancelled or closed (correct the attendance on the web), or its day "
                    "has not come yet")
CLOSE_CONFLICT = "The meeting is cancelled or has not started yet"


def _id(description: str) -> Whole:
    return Whole(strict=True, allow_none=True, validate=Between(1, INT32_MAX),
                 metadata={"description": description})


def _text(key: str, description: str, *, required: bool = False) -> Text:
    return Text(required=required, allow_none=not required,
                validate=[Storable(blank=not required, required_message=lambda: _("Please enter the name.")),
                          TextLength(max=services.LIMITS[key])],
                metadata={"description": description})


# --- schemas ---------------------------------------------------------------------------------------


class VisitorInputSchema(Schema):
    name = _text("name", "Full name", required=True)
    email = _text("email", "E-mail address (optional). A guest signed up for this meeting with this "
                           "address is checked in as that guest; a member's address is refused")
    company = _text("company", "Company (optional)")
    brought_by_id = _id("The member of the group who brought them (optional)")


class CheckinInputSchema(Schema):
    """Exactly one of `member_id`, `guest_id` and `visitor`."""

    member_id = _id("A member of the meeting's group (signed up or not: one who did not sign up is "
                    "recorded as a walk-in)")
    guest_id = _id("A guest or substitute signed up for this meeting (its id from the list)")
    visitor = fields.Nested(VisitorInputSchema, allow_none=True,
                            metadata={"description": "A walk-in guest nobody signed up"})

    @validates_schema
    def exactly_one(self, data, **kwargs) -> None:
        given = [key for key in ("member_id", "guest_id", "visitor") if data.get(key) is not None]
        if len(given) != 1:
            message = _("Please give one of member_id, guest_id or visitor.")
            raise ValidationError({key: [message] for key in ("member_id", "guest_id", "visitor")})


class CheckinCountsSchema(Schema):
    expected = fields.Integer(required=True, metadata={"description": "People going (members, expected "
                                                                      "members, guests)"})
    expected_here = fields.Integer(required=True, metadata={"description": "Of them, checked in"})
    walk_ins = fields.Integer(required=True, metadata={"description": "Checked in without being expected"})
    here = fields.Integer(required=True, metadata={"description": "Everyone checked in"})
    no_shows = fields.Integer(required=True, metadata={"description": "Marked as no-shows when closed"})


class CheckinAttendeeSchema(Schema):
    key = fields.String(required=True, metadata={
        "description": "Stable for the meeting: `m<member id>`, `g<guest id>`, `v<check-in id>` (a walk-in "
                       "visitor); the seating plan uses the same keys"})
    kind = fields.String(required=True, metadata={"enum": ["member", "guest", "substitute", "visitor"]})
    name = fields.String(required=True)
    company = fields.String(required=True)
    member_id = fields.Integer(required=True, allow_none=True)
    guest_id = fields.Integer(required=True, allow_none=True)
    brought_by_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The member who brought a guest, substitute or visitor"})
    going = fields.Boolean(required=True, metadata={"description": "Signed up (or expected); false for "
                                                                   "walk-ins"})
    expected = fields.Boolean(required=True, metadata={"description": "\"Alle forventes\" groups: a member "
                                                                      "who has not answered"})
    checked_in = fields.Boolean(required=True)
    checkin_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The check-in (for DELETE), null when not checked in"})
    no_show = fields.Boolean(required=True)


class CheckinListSchema(Schema):
    meeting_id = fields.Integer(required=True)
    open = fields.Boolean(required=True, metadata={"description": "Check-ins are taken now (the meeting's "
                                                                  "day, not cancelled, not closed)"})
    closed_at = fields.DateTime(required=True, allow_none=True)
    counts = fields.Nested(CheckinCountsSchema, required=True)
    attendees = fields.List(fields.Nested(CheckinAttendeeSchema), required=True,
                            metadata={"description": "Everyone going or checked in, by name"})


class CheckinResultSchema(Schema):
    created = fields.Boolean(required=True, metadata={"description": "False: the person was checked in "
                                                                     "already, nothing changed"})
    attendee = fields.Nested(CheckinAttendeeSchema, required=True)
    counts = fields.Nested(CheckinCountsSchema, required=True)


class CloseResultSchema(Schema):
    meeting_id = fields.Integer(required=True)
    closed = fields.Boolean(required=True, metadata={"description": "False when it was closed already"})
    closed_at = fields.DateTime(required=True)
    counts = fields.Nested(CheckinCountsSchema, required=True)


# --- representation --------------------------------------------------------------------------------


def attendee_payload(a: Attendee) -> dict[str, Any]:
    return {"key": a.key, "kind": a.kind, "name": a.name, "company": a.company, "member_id": a.member_id,
            "guest_id": a.guest_id, "brought_by_id": a.brought_by_id, "going": a.going,
            "expected": a.expected,
            "checked_in": a.checked_in, "checkin_id": a.checkin_id, "no_show": a.no_show}


def counts_payload(c: services.Counts) -> dict[str, int]:
    return {"expected": c.expected, "expected_here": c.expected_here, "walk_ins": c.walk_ins, "here": c.here,
            "no_shows": c.no_shows}


# --- operations ------------------------------------------------------------------------------------


@blp.route("/meetings/<int:meeting_id>/checkins", endpoint="Checkins")
class Checkins(MethodView):
    @blp.doc(security=TOKEN_REQUIRED, summary="Who is expected and who is checked in",
             description="For the group's organizers and admins: everyone going (members, in \"alle "
                         "forventes\" groups the members who have not answered, guests and substitutes) "
                         "and everyone checked in (walk-ins too), with their stable `key`, and the counts. "
                         "A meeting the caller may not see answers 404, one they may see but not manage 403.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, CheckinListSchema)
    @documents_errors(blp, *READ_ERRORS)
    @token_required
    def get(self, query, meeting_id):
        with api_locale(query):
            view = services.door_view(g.api_user, meeting_id, members=False)
            meeting = view.meeting
            return {"meeting_id": meeting.id, "open": view.is_open,
                    "closed_at": _local(meeting.closed_at, _zone(meeting)),
                    "counts": counts_payload(view.counts),
                    "attendees": [attendee_payload(a) for a in view.people]}

    @blp.doc(security=TOKEN_REQUIRED, summary="Check someone in",
             description="For the group's organizers and admins, from the start of the meeting's day "
                         "until the meeting is closed. Body: exactly one of `member_id` (a member of the "
                         "group; one who did not sign up is a walk-in), `guest_id` (a guest or substitute "
                         "of this meeting) or `visitor` (a walk-in guest: `name`, optional `email`, "
                         "`company`, `brought_by_id`). Answers 201 when the person is checked in now and "
                         "200 when they were already (nothing is created twice; the same visitor twice is "
                         "one). Someone who is not in the group or on the list answers 422.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(CheckinInputSchema)
    @blp.response(201, CheckinResultSchema, description="Checked in now")
    @blp.alt_response(200, schema=CheckinResultSchema, description="Was checked in already: nothing changed")
    @documents_errors(blp, *WRITE_ERRORS, conflict=CHECKIN_CONFLICT)
    @token_required
    def post(self, query, data, meeting_id):
        with api_locale(query):
            services.meeting_to_manage(g.api_user, meeting_id)  # 404 / 403 before the body is looked at
            via = CheckInVia.API.value
            try:
                if data.get("visitor") is not None:
                    result = services.add_visitor(g.api_user, meeting_id, data["visitor"], via=via)
                else:
                    field = "member_id" if data.get("member_id") is not None else "guest_id"
                    key = ("m" if field == "member_id" else "g") + str(data[field])
                    try:
                        result = services.check_in(g.api_user, meeting_id, key, via=via)
                    except NotFound as error:
                        raise ValidationFailed(_("Please correct the marked fields."),
                                               fields={field: [error.message]}) from None
            except ValidationFailed as error:
                if data.get("visitor") is not None:
                    renamed = {f"visitor-{key}": value for key, value in error.fields.items()}
                    raise ValidationFailed(error.message, fields=renamed) from None
                raise
            payload = {"created": result.created, "attendee": attendee_payload(result.attendee),
                       "counts": counts_payload(result.counts)}
            return payload, (201 if result.created else 200)


@blp.delete("/meetings/<int:meeting_id>/checkins/<int:checkin_id>")
@blp.doc(security=TOKEN_REQUIRED, summary="Undo a check-in",
         description="For the group's organizers and admins, until the meeting is closed. A walk-in "
                     "visitor is removed with their check-in. A check-in that does not exist (or was "
                     "undone already, or belongs to another meeting) answers 404.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(204)
@documents_errors(blp, *READ_ERRORS, conflict=CHECKIN_CONFLICT)
@token_required
def undo_checkin(query, meeting_id, checkin_id):
    with api_locale(query):
        services.undo(g.api_user, meeting_id, checkin_id=checkin_id)
    return None


@blp.post("/meetings/<int:meeting_id>/close")
@blp.doc(security=TOKEN_REQUIRED, summary="Close a meeting",
         description="For the group's organizers and admins, once the meeting has started. Everyone "
                     "going who did not check in is marked as a no-show (only when somebody checked in at "
                     "all), and who sat with whom is recorded. Closing a closed meeting changes nothing "
                     "(`closed` false). No body.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(200, CloseResultSchema)
@documents_errors(blp, *READ_ERRORS, conflict=CLOSE_CONFLICT)
@token_required
def close_meeting(query, meeting_id):
    with api_locale(query):
        closed = services.close_meeting(g.api_user, meeting_id)
        meeting, _everyone, counts = services.attendance_view(g.api_user, meeting_id)
        return {"meeting_id": meeting.id, "closed": closed,
                "closed_at": _local(meeting.closed_at, _zone(meeting)),
                "counts": counts_payload(counts)}
