"""Calendar invitations under /api/v1, over app.calendars.invites (the same service as the
"Send invitations" button on the meeting page).

- `GET /meetings/{id}/invitations`: who would get an invitation now, who has one, when they went
  out and what the invited answered (the confirm page's numbers);
- `POST /meetings/{id}/invitations`: send them. Everyone who has one already is left alone, so a
  repeated POST (a retry, a double click) sends nothing twice; it answers 200 with the counts
  (not 201: nothing addressable is created, and the second call is as successful as the first).

Organizers of the meeting's group and admins only: a meeting the caller may not see answers 404,
one they see but do not run 403; a cancelled meeting or one that has started 409.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.meeting_schemas import LangQuerySchema
from app.api.meetings import FlatErrorsParser, _local, api_locale
from app.api.problems import READ_ERRORS, documents_errors
from app.api.spec import TOKEN_REQUIRED, TaggedBlueprint
from app.calendars import invites
from app.meetings import services as meeting_services
from app.models.calendar import PartStat

PARTSTATS = tuple(p.value for p in PartStat)


class InvitationsBlueprint(TaggedBlueprint):
    ARGUMENTS_PARSER = FlatErrorsParser()


blp = InvitationsBlueprint("api_invitations", __name__, url_prefix="/api/v1", tag="Calendar invitations",
                           description="Calendar invitations by mail (iMIP): each member gets one "
                                       "invitation per meeting that their calendar shows with "
                                       "Accept/Decline buttons")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)

CONFLICT = "The meeting is cancelled, or it has started or taken place: no invitations are sent for it"


class RepliesSchema(Schema):
    """How many of the invited hold a copy with each PARTSTAT."""

    class Meta:
        ordered = True

    accepted = fields.Integer(required=True, data_key="ACCEPTED", metadata={
        "description": "Coming (they accepted, in the calendar or on the web)"})
    tentative = fields.Integer(required=True, data_key="TENTATIVE", metadata={
        "description": "Tentative: on the waitlist"})
    declined = fields.Integer(required=True, data_key="DECLINED", metadata={
        "description": "Not coming (afbud)"})
    needs_action = fields.Integer(required=True, data_key="NEEDS-ACTION", metadata={
        "description": "Not answered yet"})


class InvitationStatusSchema(Schema):
    meeting_id = fields.Integer(required=True)
    to_invite = fields.Integer(required=True, metadata={
        "description": "Members and guests who would get an invitation now (they have none yet)"})
    already = fields.Integer(required=True, metadata={
        "description": "Members and guests who have an invitation already (nobody gets a second)"})
    sent_at = fields.DateTime(required=True, allow_none=True, metadata={
        "description": "When invitations last went out for this meeting (by hand or automatically; "
                       "the group's UTC offset); null if never"})
    replies = fields.Nested(RepliesSchema, required=True, metadata={
        "description": "The invited by what their calendar copy says now"})
    can_send = fields.Boolean(required=True, metadata={
        "description": "False for a cancelled meeting or one that has started (a POST answers 409)"})


class InviteResultSchema(Schema):
    meeting_id = fields.Integer(required=True)
    invited = fields.Integer(required=True, metadata={
        "description": "Members and guests who got an invitation now (0 when everyone had one)"})
    already = fields.Integer(required=True, metadata={
        "description": "Members and guests who had one already: nothing was sent to them again"})


def status_payload(preview: invites.InvitePreview, meeting) -> dict[str, Any]:
    replies = {p: int(preview.replies.get(p, 0)) for p in PARTSTATS}
    return {
        "meeting_id": meeting.id,
        "to_invite": preview.to_invite,
        "already": preview.already,
        "sent_at": _local(preview.sent_at, ZoneInfo(meeting.group.timezone)),
        "replies": {"accepted": replies["ACCEPTED"], "tentative": replies["TENTATIVE"],
                    "declined": replies["DECLINED"], "needs_action": replies["NEEDS-ACTION"]},
        "can_send": preview.can_send,
    }


@blp.route("/meetings/<int:meeting_id>/invitations", endpoint="Invitations")
class Invitations(MethodView):
    @blp.doc(security=TOKEN_REQUIRED, summary="Calendar invitations of a meeting: who has one",
             description="For the group's organizers and admins: how many members and guests would get "
                         "an invitation now (`to_invite`), how many have one (`already`), when they "
                         "last went out and what the invited answered. A meeting the caller may not "
                         "see answers 404, one they may see but not manage 403.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, InvitationStatusSchema)
    @documents_errors(blp, *READ_ERRORS)
    @token_required
    def get(self, query, meeting_id):
        with api_locale(query):
            preview = invites.invite_preview(g.api_user, meeting_id)
            meeting = meeting_services.get_meeting(g.api_user, meeting_id)
            return status_payload(preview, meeting)

    @blp.doc(security=TOKEN_REQUIRED, summary="Send the calendar invitations of a meeting",
             description="For the group's organizers and admins. Every active member of the group and "
                         "every guest and substitute signed up who has no invitation yet gets one mail "
                         "in their own language with the meeting, their answer links and an iMIP "
                         "invitation (`text/calendar; method=REQUEST` and an `.ics` attachment) that "
                         "their calendar shows with Accept/Decline buttons. Whoever has one already "
                         "gets nothing again, so calling it twice is safe: the second call answers "
                         "200 with `invited` 0. No body. The mails go through the outbox. A cancelled "
                         "meeting or one that has started answers 409.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, InviteResultSchema)
    @documents_errors(blp, *READ_ERRORS, conflict=CONFLICT)
    @token_required
    def post(self, query, meeting_id):
        with api_locale(query):
            result = invites.send_invitations(g.api_user, meeting_id)
            return {"meeting_id": meeting_id, "invited": result.invited, "already": result.already}
