"""Give and take under /api/v1, over the same services as the pages (app.ledger.referrals,
app.ledger.thanks, app.ledger.ledger).

- `GET /referrals`: the caller's referrals, received and given; `POST /referrals`: give one (the
  receiver is mailed the contact); `GET /referrals/{id}`: one referral as the caller may see it;
  `PATCH /referrals/{id}`: its status (the receiver only: new → contacted → won | lost).
- `POST /thanks`: "Tak for forretningen" (`kind` business, optionally `amount_dkk` in whole
  kroner, from a referral or to a member) or "Tak for hjælpen" (`kind` help, with the help);
  `GET /thanks/{id}`.
- `GET /members/{id}/ledger`: the member's give and take as the caller may see it.

Every response holds only the fields app.visibility gives the caller: contact details, what a
referral is about, a help's description and a thank-you's amount only for the two members (a
thank-you's message for others only on the wall). Refusals are problems (RFC 9457) in the caller's
language: 401, 404 for what the caller may not see, 403 for the wrong party, 409 for a status move
that is not allowed, 422 with every field's messages (the same words as the pages).
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import Schema, fields

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.meeting_schemas import LangQuerySchema, Text
from app.api.meetings import FlatErrorsParser, api_locale
from app.api.problems import READ_ERRORS, WRITE_ERRORS, documents_errors
from app.api.spec import TOKEN_REQUIRED, TaggedBlueprint
from app.ledger import ledger as ledger_module
from app.ledger import referrals, services, thanks
from app.ledger.thanks import local_today
from app.models import Referral, Thanks
from app.models.social import MAX_AMOUNT_DKK
from app.validation import FieldErrors


class LedgerBlueprint(TaggedBlueprint):
    ARGUMENTS_PARSER = FlatErrorsParser()


blp = LedgerBlueprint("api_ledger", __name__, url_prefix="/api/v1", tag="Give and take",
                      description="Referrals, thanks and each member's give-and-take ledger")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)

STATUS_CONFLICT = "The status cannot move that way (new → contacted → won | lost; won ↔ lost)"
FLOOD_CONFLICT = "The caller has recorded 50 referrals and thanks in the last 24 hours"


# --- schemas -----------------------------------------------------------------------------------------


class LedgerPersonSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class LedgerGroupSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)


def _any(description: str) -> fields.Raw:
    """A field the service checks (so its message is the pages' message, whatever JSON type came)."""
    return fields.Raw(allow_none=True, metadata={"description": description})


class ReferralSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer(required=True)
    giver = fields.Nested(LedgerPersonSchema)
    receiver = fields.Nested(LedgerPersonSchema)
    group = fields.Nested(LedgerGroupSchema, allow_none=True)
    warmth = fields.String(metadata={"enum": list(referrals.WARMTHS)})
    status = fields.String(metadata={"enum": list(referrals.STATUSES)})
    created_at = fields.DateTime()
    status_changed_at = fields.DateTime()
    request_id = fields.Integer(allow_none=True)
    contact_name = fields.String(metadata={"description": "Only for the giver and the receiver"})
    contact_company = fields.String(metadata={"description": "Only for the giver and the receiver"})
    contact_phone = fields.String(metadata={"description": "Only for the giver and the receiver"})
    contact_email = fields.String(metadata={"description": "Only for the giver and the receiver"})
    about = fields.String(metadata={"description": "Only for the giver and the receiver"})
    hidden = fields.Boolean(metadata={"description": "Hidden by an organizer (parties, organizers, admins)"})
    hidden_reason = fields.String()


class ReferralListSchema(Schema):
    received = fields.List(fields.Nested(ReferralSchema), required=True)
    given = fields.List(fields.Nested(ReferralSchema), required=True)


class ReferralInputSchema(Schema):
    class Meta:
        ordered = True

    receiver_id = _any("The member who gets the referral (shares a group with you)")
    group_id = _any("The shared group it belongs to; needed only when you share several")
    contact_name = _any("The contact's name (required)")
    contact_company = _any("The contact's company")
    contact_phone = _any("Phone; a phone or an e-mail is needed unless `warmth` is `tip`")
    contact_email = _any("E-mail")
    about = _any("What it is about (required)")
    warmth = _any(f"How warm the contact is: one of {', '.join(referrals.WARMTHS)}")
    request_id = _any("The request (Spørg netværket) it answers, if any")


class ReferralStatusSchema(Schema):
    status = _any(f"The new status: one of {', '.join(referrals.STATUSES)}")


class ThanksSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer(required=True)
    thanker = fields.Nested(LedgerPersonSchema)
    thanked = fields.Nested(LedgerPersonSchema)
    group = fields.Nested(LedgerGroupSchema, allow_none=True)
    kind = fields.String(metadata={"enum": ["business", "help"]})
    referral_id = fields.Integer(allow_none=True)
    help_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    on_wall = fields.Boolean(metadata={"description": "Shown on the group's thank-you wall (both agreed)"})
    message = fields.String(metadata={"description": "For the two members; for others only on the wall"})
    amount_dkk = fields.Integer(allow_none=True, metadata={
        "description": "Whole kroner; ONLY for the thanker and the thanked, never for anyone else"})
    wall_by_thanker = fields.Boolean()
    wall_by_thanked = fields.Boolean()
    hidden = fields.Boolean()
    hidden_reason = fields.String()


class ThanksInputSchema(Schema):
    class Meta:
        ordered = True

    kind = Text(metadata={"enum": ["business", "help"], "description": "Default `business`"})
    referral_id = _any("business: the referral the business came from (you received it); the thanked "
                       "member is its giver")
    thanked_id = _any("The member you thank (without a referral); for `help`: who helped you")
    group_id = _any("The shared group; needed only when you share several")
    amount_dkk = _any(f"business: whole kroner, 0-{MAX_AMOUNT_DKK}, as a number or text such as "
                      "\"12.500\" or \"12 500 kr\"; only the two of you see it")
    message = _any("A message to the member")
    wall_by_thanker = _any("Show it on the group's thank-you wall (when the other member agrees too)")
    help_kind = _any("help: advice, introduction, room or other")
    description = _any("help: what they helped with (required)")
    given_on = _any("help: the day (YYYY-MM-DD, default today)")


class LedgerCountsSchema(Schema):
    class Meta:
        ordered = True

    requests_asked = fields.Integer()
    requests_solved = fields.Integer()
    answers_given = fields.Integer()
    referrals_given = fields.Integer()
    referrals_given_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    referrals_received = fields.Integer()
    referrals_received_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    help_given = fields.Integer()
    help_received = fields.Integer()
    thanks_given = fields.Integer()
    thanks_received = fields.Integer()
    business_thanked = fields.Integer()
    business_thanked_dkk = fields.Integer(allow_none=True, metadata={
        "description": "Only on the caller's own ledger; null for everybody else"})
    business_received = fields.Integer()
    business_received_dkk = fields.Integer(allow_none=True, metadata={
        "description": "Only on the caller's own ledger; null for everybody else"})
    one_to_ones = fields.Integer()
    meetings_attended = fields.Integer()
    meetings_hosted = fields.Integer()
    guests_brought = fields.Integer()
    given = fields.Integer()
    received = fields.Integer()


class LedgerMonthSchema(Schema):
    month = fields.String()
    given = fields.Integer()
    received = fields.Integer()


class LedgerRecentSchema(Schema):
    class Meta:
        ordered = True

    type = fields.String()
    id = fields.Integer()
    direction = fields.String()
    on = fields.String(metadata={"format": "date"})
    other = fields.Nested(LedgerPersonSchema, allow_none=True)
    kind = fields.String()
    status = fields.String()
    title = fields.String()
    message = fields.String(allow_none=True)
    amount_dkk = fields.Integer(allow_none=True, metadata={"description": "Only on the caller's own ledger"})
    hidden = fields.Boolean()


class LedgerSchema(Schema):
    class Meta:
        ordered = True

    member = fields.Nested(LedgerPersonSchema, required=True)
    own = fields.Boolean(required=True, metadata={"description": "The caller is the member (amounts shown)"})
    today = fields.String(required=True, metadata={"format": "date"})
    periods = fields.Dict(keys=fields.String(metadata={"enum": ["6m", "12m", "all"]}),
                          values=fields.Nested(LedgerCountsSchema), required=True)
    months = fields.List(fields.Nested(LedgerMonthSchema), required=True)
    recent = fields.List(fields.Nested(LedgerRecentSchema), required=True)


# --- representation ------------------------------------------------------------------------------------


def _person(member) -> dict[str, Any]:
    return {"id": member.id, "name": member.name}


def _group(group) -> dict[str, Any] | None:
    return {"id": group.id, "name": group.name, "slug": group.slug} if group is not None else None


def _moderation(item, shown: frozenset[str]) -> dict[str, Any]:
    if "hidden" not in shown:
        return {}
    return {"hidden": item.is_hidden, "hidden_reason": item.hidden_reason or ""}


def referral_payload(user, referral: Referral) -> dict[str, Any]:
    shown = services.visible_fields(user, referral)
    values = {"id": referral.id, "giver": _person(referral.giver), "receiver": _person(referral.receiver),
              "group": _group(referral.group), "warmth": referral.warmth, "status": referral.status,
              "created_at": referral.created_at, "status_changed_at": referral.status_changed_at,
              "request_id": referral.request_id, "contact_name": referral.contact_name,
              "contact_company": referral.contact_company, "contact_phone": referral.contact_phone,
              "contact_email": referral.contact_email, "about": referral.about}
    return {**{k: v for k, v in values.items() if k in shown}, **_moderation(referral, shown)}


def thanks_payload(user, row: Thanks) -> dict[str, Any]:
    shown = services.visible_fields(user, row)
    values = {"id": row.id, "thanker": _person(row.thanker), "thanked": _person(row.thanked),
              "group": _group(row.group), "kind": row.kind, "referral_id": row.referral_id,
              "help_id": row.help_id, "created_at": row.created_at, "on_wall": services.on_wall(row),
              "message": row.message, "amount_dkk": row.amount_dkk, "wall_by_thanker": row.wall_by_thanker,
              "wall_by_thanked": row.wall_by_thanked}
    return {**{k: v for k, v in values.items() if k in shown}, **_moderation(row, shown)}


# --- operations -----------------------------------------------------------------------------------------


@blp.route("/referrals", endpoint="Referrals")
class Referrals(MethodView):
    @blp.doc(security=TOKEN_REQUIRED, summary="My referrals",
             description="The referrals the caller received and gave, newest first (withdrawn ones "
                         "left out).")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, ReferralListSchema)
    @documents_errors(blp, *READ_ERRORS)
    @token_required
    def get(self, query):
        with api_locale(query):
            mine = referrals.mine(g.api_user)
            return {"received": [referral_payload(g.api_user, r) for r in mine.received],
                    "given": [referral_payload(g.api_user, r) for r in mine.given]}

    @blp.doc(security=TOKEN_REQUIRED, summary="Give a referral",
             description="To a member who shares a group with the caller. The receiver gets the contact by "
                         "mail; only the two see the contact and what it is about. 422 names every wrong "
                         "field with the words of the web form.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(ReferralInputSchema)
    @blp.response(201, ReferralSchema)
    @documents_errors(blp, *WRITE_ERRORS, conflict=FLOOD_CONFLICT)
    @token_required
    def post(self, query, data):
        with api_locale(query):
            return referral_payload(g.api_user, referrals.give(g.api_user, data))


@blp.route("/referrals/<int:referral_id>", endpoint="Referral")
class ReferralView(MethodView):
    @blp.doc(security=TOKEN_REQUIRED, summary="A referral",
             description="As the caller may see it: the two members see everything, members and organizers "
                         "of the group who gave whom a referral and its status. 404 for anyone else.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, ReferralSchema)
    @documents_errors(blp, *READ_ERRORS)
    @token_required
    def get(self, query, referral_id):
        with api_locale(query):
            seen = services.get_for(g.api_user, services.REFERRAL, referral_id)
            return referral_payload(g.api_user, seen.item)

    @blp.doc(security=TOKEN_REQUIRED, summary="Move a referral on (the receiver)",
             description="new → contacted → won | lost (and won ↔ lost as a correction). Won or lost "
                         "tells the giver by mail. The giver and others answer 403, a move that is not "
                         "allowed 409.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(ReferralStatusSchema)
    @blp.response(200, ReferralSchema)
    @documents_errors(blp, *WRITE_ERRORS, conflict=STATUS_CONFLICT)
    @token_required
    def patch(self, query, data, referral_id):
        with api_locale(query):
            row = referrals.set_status(g.api_user, referral_id, data.get("status"))
            return referral_payload(g.api_user, row)


def _thanks_input(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = data.get("kind") or "business"
    if kind == "help":
        return kind, {"giver_id": data.get("thanked_id"), "group_id": data.get("group_id"),
                      "kind": data.get("help_kind"), "description": data.get("description"),
                      "given_on": data.get("given_on"), "message": data.get("message"),
                      "wall_by_thanker": data.get("wall_by_thanker")}
    return kind, data


@blp.route("/thanks", endpoint="ThanksList")
class ThanksCreate(MethodView):
    @blp.doc(security=TOKEN_REQUIRED, summary="Say thank you",
             description="`business` (\"Tak for forretningen\"): business that came through the network, "
                         "from a referral the caller received (`referral_id`) or from a member "
                         "(`thanked_id`), optionally with `amount_dkk` (whole kroner; only the two members "
                         "ever see it). "
                         "`help` (\"Tak for hjælpen\"): help that is not business, recorded with the thanks "
                         "(`thanked_id` helped the caller; `help_kind`, `description`, `given_on`). The "
                         "thanked member is mailed. 422 names every wrong field.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(ThanksInputSchema)
    @blp.response(201, ThanksSchema)
    @documents_errors(blp, *WRITE_ERRORS, conflict=FLOOD_CONFLICT)
    @token_required
    def post(self, query, data):
        with api_locale(query):
            kind, values = _thanks_input(data)
            if kind not in ("business", "help"):
                errors = FieldErrors()
                errors.add("kind", _("Choose business or help."))
                errors.raise_if_any()
            row = (thanks.thank_for_help if kind == "help" else thanks.thank_for_business)(g.api_user, values)
            return thanks_payload(g.api_user, row)


@blp.get("/thanks/<int:thanks_id>")
@blp.doc(security=TOKEN_REQUIRED, summary="A thank-you",
         description="As the caller may see it: the amount only for the two members; the message for others "
                     "only when it is on the wall. 404 for anyone who may not see it.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(200, ThanksSchema)
@documents_errors(blp, *READ_ERRORS)
@token_required
def thanks_one(query, thanks_id):
    with api_locale(query):
        seen = services.get_for(g.api_user, services.THANKS, thanks_id)
        return thanks_payload(g.api_user, seen.item)


@blp.get("/members/<int:member_id>/ledger")
@blp.doc(security=TOKEN_REQUIRED, summary="A member's give and take",
         description="The member's ledger for the last 6 and 12 months and all time, as the caller may see "
                     "it (the same as the member's page): amounts only on the caller's own ledger, only "
                     "items the caller may see counted. 404 for a member the caller may not see.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(200, LedgerSchema)
@documents_errors(blp, *READ_ERRORS)
@token_required
def member_ledger(query, member_id):
    with api_locale(query):
        return ledger_module.member_ledger(g.api_user, member_id, today=local_today()).to_dict()
