"""Seating plans under /api/v1, over app.seating.services (the same rules and messages as the
organizer's seating page and the member's "mine borde").

- `GET /meetings/{id}/seating`: the group's organizers and admins get the whole plan with its
  settings and quality; a member of the group gets only their own table in each round, and only
  once the plan is published.
- `POST /meetings/{id}/seating` (organizers and admins): one of
  - `settings`: plan the tables from these settings for the people seated now (the checked-in once
    anyone has checked in, else everyone going) and save the plan;
  - `rounds` with `version`: save an edited plan, checked (every person seated now exactly once in
    every round, table sizes, known keys) and with its quality computed;
  - `replan: true` with `version`: plan again for the people seated now, keeping everyone else at
    their table unless moving them helps a lot;
  and/or `published` (true: members see their tables; false: hidden again).

A `version` older than the saved plan's answers 409 (someone else changed it); 404 for a meeting the
caller may not see, 403 for one they may see but not manage, 409 for a cancelled meeting, 422 with
every field's messages.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.meeting_schemas import INT32_MAX, Between, Flag, LangQuerySchema, Text, Whole
from app.api.meetings import FlatErrorsParser, _local, api_locale
from app.api.problems import READ_ERRORS, WRITE_ERRORS, documents_errors
from app.api.spec import TOKEN_REQUIRED, TaggedBlueprint
from app.errors import PermissionDenied
from app.models.seating import MAX_ROUNDS
from app.seating import services
from app.seating.layout import MAX_TABLE_SIZE, MAX_TABLES


class SeatingBlueprint(TaggedBlueprint):
    ARGUMENTS_PARSER = FlatErrorsParser()


blp = SeatingBlueprint("api_seating", __name__, url_prefix="/api/v1", tag="Seating",
                       description="Seating plans: tables and rounds that make new acquaintances")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)

CONFLICT = ("The plan was changed by someone else since `version` (load it again), the meeting is "
            "cancelled, or there is no plan yet to re-plan or publish")


# --- input -------------------------------------------------------------------------------------------


def _count(description: str) -> Whole:
    return Whole(strict=True, allow_none=True, metadata={"description": description})


class SeatingSettingsInputSchema(Schema):
    tables = _count(f"How many tables (1-{MAX_TABLES}); the people are spread evenly")
    table_size = _count(f"Tables of this many people (2-{MAX_TABLE_SIZE}); as many tables as needed, "
                        "the sizes differing by at most one")
    table_sizes = fields.List(
        Whole(strict=True), allow_none=True, validate=validate.Length(max=MAX_TABLES),
        metadata={"description": "The room of each table, e.g. [6, 6, 5, 5]; when fewer people come the "
                                 "fullest tables give up seats first"})
    rounds = _count(f"Rounds (1-{MAX_ROUNDS}); people change tables between rounds. Default 1")
    hosts = Flag(allow_none=True, metadata={
        "description": "Seat a well-connected member at each table that has a newcomer or guest"})


class SeatingInputSchema(Schema):
    settings = fields.Nested(SeatingSettingsInputSchema, allow_none=True, metadata={
        "description": "Plan the tables from these settings (exactly one of `tables`, `table_size`, "
                       "`table_sizes`)"})
    rounds = fields.List(
        fields.List(fields.List(Text(validate=validate.Length(max=13)),
                                validate=validate.Length(max=MAX_TABLE_SIZE)),
                    validate=validate.Length(max=MAX_TABLES)),
        allow_none=True, validate=validate.Length(max=MAX_ROUNDS),
        metadata={"description": "An edited plan: rounds -> tables -> person keys (as GET gives them)"})
    replan = Flag(load_default=False, metadata={
        "description": "Plan again for the people seated now, keeping the others at their tables"})
    published = Flag(allow_none=True, metadata={"description": "true: members see their tables; "
                                                               "false: hidden again"})
    version = Whole(strict=True, allow_none=True, validate=Between(0, INT32_MAX), metadata={
        "description": "The plan's version as the caller last saw it (required with `rounds` and "
                       "`replan`); an older one answers 409"})
    seed = Whole(strict=True, allow_none=True, validate=Between(0, INT32_MAX), metadata={
        "description": "With `settings`: the planner's seed (the same seed and people give the same "
                       "plan when the planner is not stopped by its time limit); default random"})

    @validates_schema
    def one_action(self, data, **kwargs):
        actions = [name for name in ("settings", "rounds") if data.get(name) is not None]
        if data.get("replan"):
            actions.append("replan")
        if len(actions) > 1:
            raise ValidationError(_("Send only one of settings, rounds or replan."), field_name=actions[1])
        if not actions and data.get("published") is None:
            raise ValidationError(_("Send settings, rounds, replan or published."), field_name="settings")


# --- output --------------------------------------------------------------------------------------------


class SeatedPersonSchema(Schema):
    key = fields.String(required=True, metadata={
        "description": "m<member id>, g<guest id> (a signed-up guest or substitute) or v<check-in id> "
                       "(a walk-in)"})
    name = fields.String(required=True)
    company = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "member, guest, substitute, visitor"})
    here = fields.Boolean(required=True, metadata={
        "description": "Among the people seated now (false: cancelled or left since the plan was made)"})


class SeatingTableSchema(Schema):
    table = fields.Integer(required=True, metadata={"description": "The table's number (1, 2, ...)"})
    people = fields.List(fields.Nested(SeatedPersonSchema), required=True)


class SeatingRepeatSchema(Schema):
    a = fields.String(required=True)
    b = fields.String(required=True)
    times = fields.Integer(required=True, metadata={"description": "Rounds together in this plan"})
    last_met = fields.String(required=True, allow_none=True, metadata={
        "format": "date",
        "description": "When the pair last sat together or held a 1-to-1 before this meeting (YYYY-MM-DD)"})
    met_count = fields.Integer(required=True, metadata={"description": "How often they met before"})


class SeatingQualitySchema(Schema):
    people = fields.Integer()
    pairs = fields.Integer(metadata={"description": "Table pairs over all rounds"})
    new_pairs = fields.Integer(metadata={"description": "Pairs who never met before"})
    repeats = fields.Integer(metadata={"description": "Pairs who met before or earlier in this meeting"})
    repeats_in_meeting = fields.Integer()
    lower_bound = fields.Integer(metadata={"description": "No plan has fewer repeats than this"})
    violations = fields.Integer(metadata={"description": "Broken apart/together rules"})
    moved = fields.Integer(metadata={"description": "People at another table than before (re-plan)"})
    seconds = fields.Float()
    repeated = fields.List(fields.Nested(SeatingRepeatSchema))
    hosts = fields.List(fields.String(), metadata={
        "description": "With the hosts option: the well-connected members spread over the tables (keys)"})


class SeatingSchema(Schema):
    meeting_id = fields.Integer(required=True)
    full = fields.Boolean(required=True, metadata={
        "description": "true: the whole plan (organizers); false: only the caller's own tables"})
    version = fields.Integer(required=True, metadata={"description": "0 when there is no plan yet"})
    published = fields.Boolean(required=True)
    published_at = fields.DateTime(allow_none=True)
    settings = fields.Dict(allow_none=True, metadata={"description": "Organizers: how the tables were set"})
    quality = fields.Nested(SeatingQualitySchema, allow_none=True)
    rounds = fields.List(fields.List(fields.Nested(SeatingTableSchema)), required=True, metadata={
        "description": "Per round the tables; for a member only their own table in each round"})
    not_seated = fields.List(fields.Nested(SeatedPersonSchema), metadata={
        "description": "Organizers: people seated now who are not in the plan (late arrivals)"})
    gone = fields.List(fields.Nested(SeatedPersonSchema), metadata={
        "description": "Organizers: people in the plan who are no longer coming (re-plan to seat the rest)"})
    moved = fields.Integer(allow_none=True, metadata={"description": "After a re-plan: how many moved"})


def _person(seat: services.Seat) -> dict[str, Any]:
    return {"key": seat.key, "name": seat.name, "company": seat.company, "kind": seat.kind, "here": seat.here}


def plan_payload(view: services.PlanView, moved: int | None = None) -> dict[str, Any]:
    plan = view.plan
    zone = ZoneInfo(view.meeting.group.timezone)
    return {
        "meeting_id": view.meeting.id,
        "full": True,
        "version": view.version,
        "published": view.published,
        "published_at": _local(plan.published_at, zone) if plan is not None else None,
        "settings": view.settings.as_dict() if plan is not None else None,
        "quality": view.quality if plan is not None else None,
        "rounds": [[{"table": t.number, "people": [_person(s) for s in t.seats]} for t in round_]
                   for round_ in view.rounds],
        "not_seated": [_person(s) for s in view.not_seated],
        "gone": [_person(s) for s in view.gone],
        "moved": moved,
    }


def mine_payload(mine: services.MyTables) -> dict[str, Any]:
    rounds: list[list[dict[str, Any]]] = []
    for table in mine.tables:
        while len(rounds) < table.round:
            rounds.append([])
        rounds[table.round - 1].append({"table": table.table, "people": [_person(s) for s in table.others]})
    return {"meeting_id": mine.meeting.id, "full": False, "version": 0, "published": mine.published,
            "published_at": None, "settings": None, "quality": None, "rounds": rounds, "not_seated": [],
            "gone": [], "moved": None}


@blp.route("/meetings/<int:meeting_id>/seating", endpoint="Seating")
class Seating(MethodView):
    @blp.doc(security=TOKEN_REQUIRED, summary="A meeting's seating plan",
             description="The group's organizers and admins get the whole plan (`full` true): per round "
                         "the tables with their people, the settings, the quality (new pairs, repeats "
                         "and when those pairs last met, the lower bound on repeats, broken rules) and "
                         "`version` for a later save; `version` 0 and no rounds when there is no plan "
                         "yet. A member of the group gets only their own table in each round "
                         "(`people`: the others at it), and nothing until the plan is published. A "
                         "meeting the caller may not see answers 404, one they see but are not a member "
                         "of 403.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, SeatingSchema)
    @documents_errors(blp, *READ_ERRORS)
    @token_required
    def get(self, query, meeting_id):
        with api_locale(query):
            try:
                return plan_payload(services.plan_for(g.api_user, meeting_id))
            except PermissionDenied:
                return mine_payload(services.my_tables(g.api_user, meeting_id))

    @blp.doc(security=TOKEN_REQUIRED, summary="Make, save, re-plan or publish a seating plan",
             description="For the group's organizers and admins. Send one of `settings` (plan the "
                         "tables; takes up to the server's SEATING_SECONDS), `rounds` with `version` "
                         "(save an edited plan: every person seated now exactly once in every round, "
                         "at most 30 at a table; its quality is computed) or `replan: true` with "
                         "`version`; and/or `published`. Answers with the plan as GET gives it to "
                         "organizers. A `version` older than the saved plan's answers 409.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(SeatingInputSchema)
    @blp.response(200, SeatingSchema)
    @documents_errors(blp, *WRITE_ERRORS, conflict=CONFLICT)
    @token_required
    def post(self, query, data, meeting_id):
        with api_locale(query):
            version = data.get("version")
            moved = None
            if data.get("settings") is not None:
                outcome = services.generate(g.api_user, meeting_id, data["settings"], version=version,
                                            seed=data.get("seed"))
                version = outcome.plan.version
            elif data.get("rounds") is not None:
                outcome = services.save(g.api_user, meeting_id, data["rounds"], version=version)
                version = outcome.plan.version
            elif data.get("replan"):
                outcome = services.replan(g.api_user, meeting_id, version=version)
                version, moved = outcome.plan.version, outcome.moved
            if data.get("published") is not None:
                services.publish(g.api_user, meeting_id, data["published"], version=version)
            return plan_payload(services.plan_for(g.api_user, meeting_id), moved)
