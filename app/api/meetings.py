"""Meetings and series under /api/v1, over app.meetings.services (the same rules as the web forms).

Input dates and times are local to the group (MeetingData / SeriesData field names, so validation
errors name the fields that were sent); output times are ISO 8601 with the group's UTC offset.
Messages (validation errors, skip reasons) are in ?lang, else Accept-Language, else Danish.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, g, jsonify, request, url_for
from flask.views import MethodView
from flask_babel import force_locale
from flask_babel import gettext as _
from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser, abort

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.i18n import api_language
from app.api.meeting_schemas import (
    SCOPE_FOLLOWING,
    SCOPE_REST,
    CancelInputSchema,
    LangQuerySchema,
    MeetingInputSchema,
    MeetingListQuerySchema,
    MeetingPatchSchema,
    MeetingSchema,
    SeriesCreatedSchema,
    SeriesInputSchema,
    SeriesPlanSchema,
    SeriesQuerySchema,
)
from app.api.pagination import PAGE_HEADERS_DOC, PAGINATION_DOC, PageQuerySchema, page_headers
from app.api.spec import TOKEN_OPTIONAL, TOKEN_REQUIRED, TaggedBlueprint
from app.auth.tokens import external_url
from app.auth.viewers import meeting_fields_for, viewer_of_group
from app.errors import ValidationFailed
from app.meetings import services as svc
from app.meetings.messages import reason_label
from app.models import Meeting, Member, utcnow


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"json": {"rotation": {0: {"host_member_id": [..]}}}} -> {"rotation-0-host_member_id": [..]}.

    The same `{field: [messages]}` shape (and the same "rotation-0-..." naming) as the services'
    ValidationFailed, whether JSON types or values were wrong. Errors of the items of a list of
    plain values ({"skip_months": {0: [..]}}) belong to the list: "skip_months", as the services say.
    """
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = str(key) if not prefix else f"{prefix}-{key}"
            if not prefix and key in ("json", "query") and isinstance(value, Mapping):
                name = ""  # drop the location level
            if prefix and isinstance(key, int) and not isinstance(value, Mapping):
                name = prefix  # an item of a list of plain values
            for field, field_messages in flatten_errors(value, name).items():
                known = flat.setdefault(field, [])
                known.extend(m for m in field_messages if m not in known)
        return flat
    if isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    return {prefix or "_schema": [str(messages)]}


class FlatErrorsParser(FlaskParser):
    """webargs parser whose 422 answers carry flat {field: [messages]} errors, and whose 400 for a
    body that is not JSON covers every way Python's json can fail (too many digits, too deep)."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
            if isinstance(error, ValueError) and getattr(error, "doc", None) == "":
                raise  # an empty body: webargs treats it as no body
            return self._handle_invalid_json_error(error, req)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        abort(400, exc=error, messages={"json": [_("The request body is not valid JSON.")]})

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        messages = flatten_errors(error.messages)
        for field, body_messages in _body_errors_too(schema).items():
            known = messages.setdefault(field, [])
            known.extend(m for m in body_messages if m not in known)
        abort(error_status_code or self.DEFAULT_VALIDATION_STATUS, exc=error,
              messages=messages, schema=schema, headers=error_headers)


def _body_errors_too(failed_schema) -> dict[str, list[str]]:
    """When the query string fails (it is read first), the JSON body's mistakes too, so that one
    answer lists every field's errors (?dry_run=x and a bad title together)."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, request.method.lower(), None) if view_class else view
    parameters = (getattr(handler, "_apidoc", {}).get("arguments") or {}).get("parameters") or []
    query_schemas = [p["schema"] for p in parameters if p.get("in") == "query"]
    if not any(isinstance(failed_schema, s) if isinstance(s, type) else s is failed_schema
               for s in query_schemas):
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return {}  # no body, or not an object: the operation reads it (and says so) once the query is right
    errors: dict[str, list[str]] = {}
    for parameter in parameters:
        if parameter.get("in") != "json":
            continue
        schema = parameter["schema"]
        try:
            (schema() if isinstance(schema, type) else schema).load(body)
        except ValidationError as body_error:
            errors.update(flatten_errors(body_error.messages))
    return errors


class MeetingsBlueprint(TaggedBlueprint):
    ARGUMENTS_PARSER = FlatErrorsParser()


blp = MeetingsBlueprint("api_meetings", __name__, url_prefix="/api/v1", tag="Meetings",
                        description="Meetings of the groups, and series of meetings")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)

WRITE_ERRORS = ("Unauthorized", "Forbidden", "NotFound", "TooManyRequests", "UnsupportedMediaType")


def _alt_responses(*names: str):
    statuses = {"Unauthorized": 401, "Forbidden": 403, "NotFound": 404, "TooManyRequests": 429,
                "UnsupportedMediaType": 415}

    def decorate(view):
        for name in names:
            view = blp.alt_response(statuses[name], response=name)(view)
        return view

    return decorate


# --- language --------------------------------------------------------------------------------------


@contextmanager
def api_locale(query: Mapping[str, Any]) -> Iterator[None]:
    with force_locale(api_language(query.get("lang"))):
        yield


# --- representation --------------------------------------------------------------------------------


def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    return value.astimezone(zone).replace(microsecond=0) if value is not None else None


def host_payload(host: Member | None, shown: frozenset[str]) -> dict[str, Any] | None:
    """The hosting member as this viewer may see them: null unless the host's name is visible,
    company, email and phone only if visible (app.visibility)."""
    if host is None or "host_name" not in shown:
        return None
    payload: dict[str, Any] = {"id": host.id, "name": host.name}
    if "host_company" in shown:
        payload["company"] = host.company
    if "host_email" in shown:
        payload["email"] = host.email
    if "host_phone" in shown:
        payload["phone"] = host.phone or None
    return payload


def meeting_payload(meeting: Meeting, *, shown: frozenset[str]) -> dict[str, Any]:
    """The API's view of a meeting: only the fields in `shown` (app.visibility.meeting_fields);
    the host and the online link are null where the viewer may not see them."""
    zone = ZoneInfo(meeting.group.timezone)
    return {
        "id": meeting.id,
        "group": meeting.group.slug,
        "series_id": meeting.series_id,
        "title": meeting.title,
        "starts_at": _local(meeting.starts_at, zone),
        "ends_at": _local(meeting.ends_at, zone),
        "doors_open_at": _local(meeting.doors_open_at, zone),
        "timezone": meeting.group.timezone,
        "venue": {
            "name": meeting.venue_name,
            "address": meeting.venue_address,
            "map_url": meeting.map_url,
            "host": host_payload(meeting.host, shown),
        },
        "online_url": (meeting.online_url or None) if "online_url" in shown else None,
        "capacity": meeting.capacity,
        "rsvp_deadline": _local(meeting.rsvp_deadline, zone),
        "guests_welcome": meeting.guests_welcome,
        "agenda": meeting.agenda,
        "status": meeting.status,
        "cancelled_at": _local(meeting.cancelled_at, zone),
        "cancel_reason": meeting.cancel_reason,
        "sequence": meeting.sequence,
        "url": external_url("meetings.show", meeting_id=meeting.id),
    }


def _payload_for(user, meeting: Meeting) -> dict[str, Any]:
    return meeting_payload(meeting, shown=meeting_fields_for(user, meeting))


def same_day_payload(meeting: Meeting, zone: ZoneInfo) -> dict[str, Any]:
    """A meeting the group already has on a planned day (for organizers: title, times, link)."""
    return {
        "id": meeting.id,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "local_start_time": meeting.starts_at.astimezone(zone).strftime("%H:%M"),
        "local_end_time": meeting.ends_at.astimezone(zone).strftime("%H:%M"),
        "series_id": meeting.series_id,
        "url": external_url("meetings.show", meeting_id=meeting.id),
    }


def plan_payload(plan: svc.SeriesPlan, zone: ZoneInfo) -> dict[str, Any]:
    """A dry run's dates and skipped dates, with reason codes and their translated text, and the
    group's other meetings on each date (`zone`: the group's, for their local times)."""
    return {
        "dry_run": True,
        "rule": plan.rule,
        "timezone": plan.timezone,
        "count": len(plan.occurrences),
        "new_count": plan.new_count,
        "clash_count": len(plan.clash_occurrences),
        "existing_series_id": plan.existing_series_id,
        "dates": [
            {
                "date": occ.local_date,
                "starts_at": occ.start.replace(microsecond=0),
                "ends_at": occ.end.replace(microsecond=0),
                "doors_open_at": occ.doors_open.replace(microsecond=0) if occ.doors_open else None,
                "rsvp_deadline": plan.deadline_for(occ),
                "moved_from": occ.moved_from,
                "reason": occ.reason,
                "reason_text": reason_label(occ.reason) if occ.reason else None,
                "holiday_name": occ.holiday_name,
                "exists": plan.is_existing(occ),
                "other_meetings": [same_day_payload(m, zone) for m in plan.clashes_for(occ)],
                "will_create": not plan.is_existing(occ) and not plan.is_skipped_for_clash(occ),
            }
            for occ in plan.occurrences
        ],
        "skipped": [
            {
                "date": skipped.local_date,
                "reason": skipped.reason,
                "reason_text": reason_label(skipped.reason),
                "holiday_name": skipped.holiday_name,
            }
            for skipped in plan.skipped
        ],
    }


# --- the from/to window ----------------------------------------------------------------------------


def _parse_bound(value: str | None, zone: ZoneInfo, name: str, *, end: bool) -> datetime | None:
    """An ISO date (local midnight; for `to` the end of that day) or date-time (naive = local)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end:
                day += timedelta(days=1)
            return datetime.combine(day, time(), tzinfo=zone)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise ValidationFailed(
            _("Please correct the marked fields."),
            fields={name: [_("Please enter a date (YYYY-MM-DD) or a date and time (ISO 8601).")]},
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def meeting_window(query: Mapping[str, Any], zone: ZoneInfo) -> tuple[datetime, datetime | None]:
    """[from, to): `from` defaults to today. A `to` before an explicit `from` is a 422; a `to` before
    the default (today) is simply an empty window, as the caller asked nothing contradictory."""
    given_start = _parse_bound(query.get("from_"), zone, "from", end=False)
    stop = _parse_bound(query.get("to"), zone, "to", end=True)
    start = given_start or datetime.combine(utcnow().astimezone(zone).date(), time(), tzinfo=zone)
    if stop is not None and given_start is not None and stop <= start:
        raise ValidationFailed(
            _("Please correct the marked fields."), fields={"to": [_("This must be after “from”.")]}
        )
    return start, stop


# --- endpoints -------------------------------------------------------------------------------------


@blp.route("/groups/<string:slug>/meetings")
class GroupMeetings(MethodView):
    @blp.doc(security=TOKEN_OPTIONAL, summary="A group's meetings in a time window",
             description="Anonymous callers may read public groups; members-only groups answer 404 "
                         "to outsiders. Cancelled meetings are included (status `cancelled`). "
                         "Without `from`, the list starts today (in the group's time zone). "
                         "Ordered by start time." + PAGINATION_DOC)
    @blp.arguments(MeetingListQuerySchema, location="query")
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, MeetingSchema(many=True), headers=PAGE_HEADERS_DOC)
    @_alt_responses("Unauthorized", "NotFound", "TooManyRequests")
    def get(self, query, paging, slug):
        user = g.api_user
        with api_locale(query):
            group = svc.get_visible_group(user, slug)
            start, stop = meeting_window(query, ZoneInfo(group.timezone))
            page = svc.list_meetings_page(user, group, start, stop, page=paging["page"],
                                          per_page=paging["per_page"])
            viewer = viewer_of_group(user, group)
            meetings = [meeting_payload(m, shown=meeting_fields_for(user, m, viewer=viewer))
                        for m in page.items]
            return meetings, page_headers(page)

    @blp.doc(security=TOKEN_REQUIRED, summary="Create a meeting",
             description="For the group's organizers and admins. Dates and times are local to the "
                         "group (or to `timezone`). Required: title, date, start_time, end_time. "
                         "A start in the past answers 422 unless `record_past` is true.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(MeetingInputSchema)
    @blp.response(201, MeetingSchema)
    @_alt_responses(*WRITE_ERRORS)
    @token_required
    def post(self, query, data, slug):
        user = g.api_user
        record_past = data.pop("record_past", False)
        with api_locale(query):
            group = svc.get_group_to_manage(user, slug)
            meeting = svc.create_meeting(user, group, data, record_past=record_past)
        return _payload_for(user, meeting), 201, {
            "Location": url_for("api_meetings.Meeting", meeting_id=meeting.id)}


@blp.route("/meetings/<int:meeting_id>", endpoint="Meeting")
class MeetingResource(MethodView):
    @blp.doc(security=TOKEN_OPTIONAL, summary="One meeting",
             description="Anyone who may see the group. The host and the online link are only "
                         "shown to the group's members.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, MeetingSchema)
    @_alt_responses("Unauthorized", "NotFound", "TooManyRequests")
    def get(self, query, meeting_id):
        user = g.api_user
        with api_locale(query):
            return _payload_for(user, svc.get_meeting(user, meeting_id))

    @blp.doc(security=TOKEN_REQUIRED, summary="Change a meeting (only the given fields)",
             description="For organizers and admins. A cancelled meeting cannot be changed (422). "
                         "A meeting that took place can still be corrected (title, venue, host, "
                         "agenda, times; each correction is in its history). Moving a coming "
                         "meeting to a start in the past answers 422 unless `record_past` is true. "
                         "With `scope: following`, the later meetings of the series get "
                         "the given start/end/doors times, venue, host and capacity too. Answers "
                         "with this meeting.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(MeetingPatchSchema)
    @blp.response(200, MeetingSchema)
    @_alt_responses(*WRITE_ERRORS)
    @token_required
    def patch(self, query, data, meeting_id):
        user = g.api_user
        scope = data.pop("scope", None)
        record_past = data.pop("record_past", False)
        with api_locale(query):
            meeting = svc.get_meeting_to_manage(user, meeting_id)
            if scope == SCOPE_FOLLOWING:
                svc.update_following(user, meeting_id, data)
            else:
                svc.update_meeting(user, meeting_id, data, record_past=record_past)
            return _payload_for(user, meeting)


@blp.post("/meetings/<int:meeting_id>/cancel")
@blp.doc(security=TOKEN_REQUIRED, summary="Cancel a meeting (or the rest of its series)",
         description="For organizers and admins. The meeting stays, with status `cancelled`. "
                     "`scope: following` also cancels every later scheduled meeting of the "
                     "series (the same word as in the PATCH). `rest_of_series` is a deprecated "
                     "alias of `following`, accepted for a while. A cancelled or past meeting "
                     "answers 422. Answers with this meeting.")
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(CancelInputSchema, required=False)
@blp.response(200, MeetingSchema)
@_alt_responses(*WRITE_ERRORS)
@token_required
def cancel_meeting(query, data, meeting_id):
    user = g.api_user
    with api_locale(query):
        meeting = svc.get_meeting_to_manage(user, meeting_id)
        if data.get("scope") in (SCOPE_FOLLOWING, SCOPE_REST):
            svc.cancel_rest_of_series(user, meeting_id, data.get("reason") or "")
        else:
            svc.cancel_meeting(user, meeting_id, data.get("reason") or "")
        return _payload_for(user, meeting)


@blp.post("/groups/<string:slug>/series")
@blp.doc(security=TOKEN_REQUIRED, summary="Plan a series of meetings (dry run or create)",
         description="For organizers and admins. With `dry_run` (query or body) the answer (200) "
                     "lists the dates and the skipped dates with reason codes and translated "
                     "reasons, and nothing is created. Otherwise one meeting per date is created "
                     "(201). Sending the same series again creates no duplicates: the answer names "
                     "the same series, with `created` 0. At most 200 dates at a time. A date on "
                     "which the group already has a meeting (any series or none, not cancelled; "
                     "the day in the group's time zone) is listed with `other_meetings` in the dry "
                     "run and left out when creating, unless it is in `also_on`.")
@blp.arguments(SeriesQuerySchema, location="query")
@blp.arguments(SeriesInputSchema)
@blp.response(201, SeriesCreatedSchema)
@blp.alt_response(200, schema=SeriesPlanSchema, description="The dry run's plan")
@blp.alt_response(409, response="Problem", description="The same series is being created right now")
@_alt_responses(*WRITE_ERRORS)
@token_required
def create_series(query, data, slug):
    user = g.api_user
    body_dry_run = data.pop("dry_run", False)
    dry_run = bool(query.get("dry_run") or body_dry_run)
    rotation = data.pop("rotation", None) or []
    also_on = data.pop("also_on", None) or []
    with api_locale(query):
        group = svc.get_group_to_manage(user, slug)
        if dry_run:
            plan = svc.preview_series(user, group, data, also_on=also_on)
            # A Response, so @blp.response does not dump the plan with the 201 schema.
            return jsonify(SeriesPlanSchema().dump(plan_payload(plan, ZoneInfo(group.timezone))))
        series, created = svc.create_series(user, group, data, rotation, also_on=also_on)
        viewer = viewer_of_group(user, group)
        return {
            "dry_run": False,
            "series_id": series.id,
            "created": len(created),
            "meetings": [meeting_payload(m, shown=meeting_fields_for(user, m, viewer=viewer))
                         for m in svc.series_meetings(user, series)],
        }, 201
