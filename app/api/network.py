"""Who met whom under /api/v1, over app.connections (the same services as "Mit netværk" and the
member pages).

- `GET /members/{id}/network`: a member's network as the caller may see it
  (`app.connections.privacy.network_visibility`): `full` (whom they have met, limited to people the
  caller may see, with counts), `aggregate` (counts only: the member hid their network and the
  caller organizes one of their groups, or is an admin) or `none` (hidden from a fellow member:
  only the caller's own tie with the member). A member the caller may not see at all answers 404.
- `GET /one-to-ones`, `POST /one-to-ones`: the caller's own 1-to-1s; log or propose one (the
  partner gets a calendar invitation by mail, or for one that took place a mail asking to confirm).
- `GET /one-to-ones/{id}`, `POST /one-to-ones/{id}/confirm|decline` (the partner) and
  `/cancel` (the proposer).

Refusals are problems (RFC 9457) in the caller's language: 401 before anything is read, 404 for a
member or 1-to-1 the caller may not see, 403 for the wrong side of a 1-to-1, 409 for answering a
cancelled one, 422 with every field's messages.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.meeting_schemas import INT32_MAX, Between, LangQuerySchema, Whole, _date, _text, _time
from app.api.meetings import FlatErrorsParser, _local, api_locale
from app.api.problems import READ_ERRORS, WRITE_ERRORS, documents_errors
from app.api.spec import TOKEN_REQUIRED, TaggedBlueprint
from app.connections import one_to_ones, privacy, services
from app.connections.history import Relation
from app.models import OneToOne, OneToOneStatus


class NetworkBlueprint(TaggedBlueprint):
    ARGUMENTS_PARSER = FlatErrorsParser()


blp = NetworkBlueprint("api_network", __name__, url_prefix="/api/v1", tag="Network",
                       description="Who met whom: a member's network, encounters and 1-to-1 meetings")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)

LEVELS = ("strong", "known", "acquainted", "faint", "none")
VISIBILITIES = (privacy.FULL, privacy.AGGREGATE, privacy.NONE)
STATUSES = tuple(s.value for s in OneToOneStatus)
ANSWER_CONFLICT = "The proposer has cancelled the 1-to-1"


# --- schemas -------------------------------------------------------------------------------------------


class RelationSchema(Schema):
    class Meta:
        ordered = True

    met = fields.Boolean(required=True, metadata={
        "description": "They sat at the same table or held a confirmed 1-to-1"})
    times_met = fields.Integer(required=True, metadata={
        "description": "Days on which they sat at a table or held a 1-to-1 (two rounds of a meeting: once)"})
    first_met = fields.Date(required=True, allow_none=True)
    last_met = fields.Date(required=True, allow_none=True)
    tables = fields.Integer(required=True, metadata={"description": "Rounds at the same table"})
    one_to_ones = fields.Integer(required=True, metadata={"description": "Confirmed 1-to-1s"})
    meetings = fields.Integer(required=True, metadata={
        "description": "Closed meetings both checked in at without sharing a table"})
    strength = fields.Float(required=True, metadata={
        "description": "The relationship strength today (docs/network.md: sum of weights halved every year)"})
    level = fields.String(required=True, metadata={"enum": list(LEVELS)})


class NetworkCountsSchema(Schema):
    class Meta:
        ordered = True

    members_met = fields.Integer(required=True)
    new_this_year = fields.Integer(required=True, metadata={
        "description": "Members first met this calendar year"})
    one_to_ones = fields.Integer(required=True, metadata={
        "description": "Confirmed 1-to-1s that took place"})


class NetworkPersonSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    company = fields.String(required=True)
    relation = fields.Nested(RelationSchema, required=True)


class MemberNetworkSchema(Schema):
    class Meta:
        ordered = True

    member_id = fields.Integer(required=True)
    visibility = fields.String(required=True, metadata={"enum": list(VISIBILITIES), "description": (
        "`full`: `people` and `counts`; `aggregate`: `counts` only; `none`: neither")})
    tie = fields.Nested(RelationSchema, required=True, allow_none=True, metadata={
        "description": "The caller's own relationship with the member (null for the caller themselves)"})
    counts = fields.Nested(NetworkCountsSchema, required=True, allow_none=True)
    people = fields.List(fields.Nested(NetworkPersonSchema), required=True, allow_none=True, metadata={
        "description": "Whom the member has met, strongest first: only members the caller may see"})
    not_shown = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Members they have met in groups the caller is not in (not listed)"})
    private = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Members they have met who hide their own network (counted, not listed; "
                       "the caller is always listed)"})


class OneToOnePersonSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class OneToOneSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer(required=True)
    proposer = fields.Nested(OneToOnePersonSchema, required=True)
    partner = fields.Nested(OneToOnePersonSchema, required=True)
    met_on = fields.Date(required=True)
    starts_at = fields.DateTime(required=True, allow_none=True, metadata={
        "description": "With the network's UTC offset; null for a day without a time"})
    duration_minutes = fields.Integer(required=True)
    place = fields.String(required=True)
    note = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    past = fields.Boolean(required=True, metadata={"description": "It has taken place"})


class OneToOneListSchema(Schema):
    one_to_ones = fields.List(fields.Nested(OneToOneSchema), required=True)


class OneToOneInputSchema(Schema):
    class Meta:
        ordered = True

    partner_id = Whole(strict=True, required=True, validate=Between(1, INT32_MAX),
                       metadata={"description": "The other member (shares a group with you)"})
    met_on = _date("The day of the 1-to-1 (up to a year back or ahead)", required=True, field="met_on")
    start_time = _time("The time, in the network's time zone", optional=True)
    duration_minutes = Whole(strict=True, allow_none=True, metadata={
        "description": f"Length in minutes, {one_to_ones.MIN_MINUTES}-{one_to_ones.MAX_MINUTES}; "
                       f"default {one_to_ones.DEFAULT_MINUTES}"})
    place = _text("Where", one_to_ones.LIMITS["place"])
    note = _text("A note the other member sees", one_to_ones.LIMITS["note"])


# --- representation ---------------------------------------------------------------------------------------


def relation_payload(relation: Relation | None) -> dict[str, Any] | None:
    if relation is None:
        return None
    return {"met": relation.met, "times_met": relation.times_met, "first_met": relation.first_met,
            "last_met": relation.last_met, "tables": relation.tables, "one_to_ones": relation.one_to_ones,
            "meetings": relation.meetings, "strength": round(relation.strength, 3), "level": relation.level}


def network_payload(net: services.MemberNetwork) -> dict[str, Any]:
    full = net.visibility == privacy.FULL
    return {
        "member_id": net.member.id,
        "visibility": net.visibility,
        "tie": relation_payload(net.tie),
        "counts": vars(net.counts) if net.counts is not None else None,
        "people": [{"id": p.member.id, "name": p.member.name, "company": p.member.company,
                    "relation": relation_payload(p.relation)} for p in net.people] if full else None,
        "not_shown": net.not_shown if full else None,
        "private": net.private if full else None,
    }


def one_to_one_payload(row: OneToOne) -> dict[str, Any]:
    return {
        "id": row.id,
        "proposer": {"id": row.proposer.id, "name": row.proposer.name},
        "partner": {"id": row.partner.id, "name": row.partner.name},
        "met_on": row.met_on,
        "starts_at": _local(row.starts_at, ZoneInfo(one_to_ones.zone_name())),
        "duration_minutes": row.duration_minutes,
        "place": row.place,
        "note": row.note,
        "status": row.status,
        "past": one_to_ones.is_past(row),
    }


def _input(data: dict[str, Any]) -> dict[str, Any]:
    """The body as the service takes it (dates and times parsed; the schema checked their shape)."""
    start = data.get("start_time") or None
    return {
        "partner_id": data["partner_id"],
        "met_on": date.fromisoformat(data["met_on"]),
        "start_time": time.fromisoformat(start) if start else None,
        "duration_minutes": data.get("duration_minutes"),
        "place": data.get("place") or "",
        "note": data.get("note") or "",
    }


# --- operations ---------------------------------------------------------------------------------------------


@blp.get("/members/<int:member_id>/network")
@blp.doc(security=TOKEN_REQUIRED, summary="A member's network",
         description="Whom the member has met and how well they know each other, as the caller may see "
                     "it: the member themselves, members and organizers of a shared group and admins see "
                     "it all (`full`; people from groups the caller is not in are only counted in "
                     "`not_shown`, except for admins). A member who hid their network shows organizers "
                     "of a shared group and admins only `counts` (`aggregate`) and fellow members "
                     "nothing (`none`). `tie` is always the caller's own relationship with the member. "
                     "A member the caller may not see (no shared group) answers 404.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(200, MemberNetworkSchema)
@documents_errors(blp, *READ_ERRORS)
@token_required
def member_network(query, member_id):
    with api_locale(query):
        return network_payload(services.member_network(g.api_user, member_id))


@blp.route("/one-to-ones", endpoint="OneToOnes")
class OneToOnes(MethodView):
    @blp.doc(security=TOKEN_REQUIRED, summary="My 1-to-1s",
             description="The caller's 1-to-1s (proposed by them or to them), newest first.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, OneToOneListSchema)
    @documents_errors(blp, *READ_ERRORS)
    @token_required
    def get(self, query):
        with api_locale(query):
            mine = one_to_ones.for_member(g.api_user)
            rows = [*mine.waiting_for_me, *mine.waiting_for_them, *mine.upcoming, *mine.past, *mine.closed]
            rows.sort(key=lambda row: (row.met_on, row.id), reverse=True)
            return {"one_to_ones": [one_to_one_payload(row) for row in rows]}

    @blp.doc(security=TOKEN_REQUIRED, summary="Log or propose a 1-to-1",
             description="With another member who shares a group with the caller. It is `proposed` "
                         "until the partner confirms; only confirmed 1-to-1s count in the network. The "
                         "partner gets a mail in their language: for a 1-to-1 ahead a calendar "
                         "invitation (iMIP REQUEST, the caller as ORGANIZER; without `start_time` an "
                         "all-day entry), for one that took place a request to confirm it. A second open "
                         "1-to-1 between the same two on the same day answers 422.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(OneToOneInputSchema)
    @blp.response(201, OneToOneSchema)
    @documents_errors(blp, *WRITE_ERRORS, conflict="The caller has logged 30 1-to-1s in the last 24 hours")
    @token_required
    def post(self, query, data):
        with api_locale(query):
            return one_to_one_payload(one_to_ones.propose(g.api_user, _input(data)))


@blp.get("/one-to-ones/<int:one_to_one_id>")
@blp.doc(security=TOKEN_REQUIRED, summary="One of my 1-to-1s",
         description="For its proposer and partner; 404 for everybody else.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(200, OneToOneSchema)
@documents_errors(blp, *READ_ERRORS)
@token_required
def one_to_one(query, one_to_one_id):
    with api_locale(query):
        return one_to_one_payload(one_to_ones.get_for(g.api_user, one_to_one_id))


def _action(one_to_one_id: int, action: str, query) -> dict[str, Any]:
    with api_locale(query):
        if action == "cancel":
            row = one_to_ones.cancel(g.api_user, one_to_one_id)
        else:
            row = one_to_ones.answer(g.api_user, one_to_one_id, action)
        return one_to_one_payload(row)


@blp.post("/one-to-ones/<int:one_to_one_id>/confirm")
@blp.doc(security=TOKEN_REQUIRED, summary="Confirm a 1-to-1 (the partner)",
         description="The partner confirms; the proposer is told by mail. Confirming again changes nothing. "
                     "The proposer answers 403, a cancelled 1-to-1 409.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(200, OneToOneSchema)
@documents_errors(blp, *READ_ERRORS, conflict=ANSWER_CONFLICT)
@token_required
def confirm(query, one_to_one_id):
    return _action(one_to_one_id, "confirm", query)


@blp.post("/one-to-ones/<int:one_to_one_id>/decline")
@blp.doc(security=TOKEN_REQUIRED, summary="Decline a 1-to-1 (the partner)",
         description="The partner declines; the proposer is told by mail. The proposer answers 403, a "
                     "cancelled 1-to-1 409.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(200, OneToOneSchema)
@documents_errors(blp, *READ_ERRORS, conflict=ANSWER_CONFLICT)
@token_required
def decline(query, one_to_one_id):
    return _action(one_to_one_id, "decline", query)


@blp.post("/one-to-ones/<int:one_to_one_id>/cancel")
@blp.doc(security=TOKEN_REQUIRED, summary="Cancel a 1-to-1 (the proposer)",
         description="The proposer withdraws a proposed or confirmed 1-to-1; the partner gets a calendar "
                     "cancellation (or a mail, for one that took place). The partner answers 403.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(200, OneToOneSchema)
@documents_errors(blp, *READ_ERRORS)
@token_required
def cancel(query, one_to_one_id):
    return _action(one_to_one_id, "cancel", query)
