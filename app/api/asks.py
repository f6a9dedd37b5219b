"""Ask the network under /api/v1, over app.asks.services (the same rules and messages as the pages).

- `GET /groups/{slug}/requests` (members, organizers and admins; filters `status`, `category`;
  paginated), `POST /groups/{slug}/requests` (ask this group and optionally more of the caller's
  groups, `groups`: slugs).
- `GET /requests/{id}` (with the answers the caller may see), `PATCH /requests/{id}` and
  `POST /requests/{id}/withdraw` (the asker), `POST /requests/{id}/answers` (a member of its
  groups), `POST /requests/{id}/solve` (the asker, `{"helper_ids": [...]}`).
- `PATCH /answers/{id}`, `POST /answers/{id}/withdraw` (the answer's author).
- `POST /requests/{id}/hide|show`, `POST /answers/{id}/hide|show` (organizers of the request's
  groups and admins; hiding needs a `reason`).

Every payload has only the fields app.visibility's rule lets the caller see (a private answer:
the asker and its author only; `hidden`, `hidden_reason`, `hidden_by` only where the rule shows
them). A request the caller may not see answers 404. Refusals are problems (RFC 9457) in the
caller's language: 401, 403 (the wrong person), 404, 409 (closed, already solved, too many in a
day), 422 with every field's messages.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.meeting_schemas import (
    INT32_MAX,
    Between,
    Choice,
    Flag,
    LangQuerySchema,
    Storable,
    Text,
    TextLength,
    Whole,
    _date,
)
from app.api.meetings import FlatErrorsParser, api_locale
from app.api.pagination import PAGE_HEADERS_DOC, PAGINATION_DOC, PageQuerySchema, page_headers
from app.api.problems import READ_ERRORS, WRITE_ERRORS, documents_errors
from app.api.spec import TOKEN_REQUIRED, TaggedBlueprint
from app.asks import services
from app.errors import ValidationFailed
from app.extensions import db
from app.models import Member
from app.models.social import HelpRequest, RequestAnswer


class AsksBlueprint(TaggedBlueprint):
    ARGUMENTS_PARSER = FlatErrorsParser()


blp = AsksBlueprint("api_asks", __name__, url_prefix="/api/v1", tag="Requests",
                    description="Ask the network: requests for help, answers, solving")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)

CATEGORY_CODES = tuple(services.CATEGORIES)
API_NAMES = {"group_ids": "groups", "raise_at_group_id": "raise_at_group"}
CONFLICT = "The request is closed (solved, expired or withdrawn) or already so"




# --- input ------------------------------------------------------------------------------------------


class _AskText(Text):
    """Text whose "missing" message is the service's own (the same on the page)."""

    def __init__(self, *args, missing=None, **kwargs) -> None:
        self.missing = missing
        super().__init__(*args, **kwargs)

    def make_error(self, key: str, **kwargs) -> ValidationError:
        if key in ("required", "null") and self.missing is not None:
            return ValidationError(self.missing())
        return super().make_error(key, **kwargs)


def _title_missing() -> str:
    return _("Please say what you need.")


def _text_field(description: str, limit: int, *, required: bool = False, missing=None, **kw) -> _AskText:
    checks = [Storable(blank=not required, required_message=missing), TextLength(max=limit)]
    return _AskText(required=required, allow_none=not required, validate=checks, missing=missing,
                    metadata={"description": description}, **kw)


def _category_field() -> Text:
    return Text(allow_none=True, validate=Choice(("", *CATEGORY_CODES),
                                                 message=lambda: _("Please choose one of the categories.")),
                metadata={"description": "A category code (empty: none): " + ", ".join(CATEGORY_CODES)})


class SlugList(fields.List):
    def __init__(self, **kwargs) -> None:
        super().__init__(Text(validate=[Storable(), TextLength(max=200)]), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError(_("Please choose your groups from the list."))
        if len(value) > services.MAX_GROUPS:
            raise ValidationError(_("Please choose your groups from the list."))
        return super()._deserialize(value, attr, data, **kwargs)


class IdList(fields.List):
    def __init__(self, **kwargs) -> None:
        super().__init__(Whole(strict=True, validate=Between(1, INT32_MAX)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list) or len(value) > services.MAX_HELPERS:
            raise ValidationError(_("Please choose who helped from the list."))
        return super()._deserialize(value, attr, data, **kwargs)


class RequestFieldsSchema(Schema):
    class Meta:
        ordered = True

    title = _text_field("What the caller needs (one line)", services.LIMITS["title"], missing=_title_missing)
    body = _text_field("Details", services.LIMITS["body"])
    deadline = _date(f"Optional deadline, from today up to {services.MAX_DEADLINE_DAYS} days ahead",
                     field="deadline")
    category = _category_field()


class RequestInputSchema(RequestFieldsSchema):
    title = _text_field("What the caller needs (one line)", services.LIMITS["title"], required=True,
                        missing=_title_missing)
    groups = SlugList(metadata={"description": "More of the caller's groups to ask (slugs); the group in "
                                               "the path is always asked"})
    raise_at_group = Text(allow_none=True, validate=[Storable(), TextLength(max=200)], metadata={
        "description": "Raise the request at the next meeting of this group (a slug of a group asked)"})


class RequestPatchSchema(RequestFieldsSchema):
    pass


class AnswerFieldsSchema(Schema):
    class Meta:
        ordered = True

    body = _text_field("The message to the asker (required for an offer)", services.LIMITS["answer"])
    referred_member_id = Whole(strict=True, allow_none=True, validate=Between(1, INT32_MAX), metadata={
        "description": "A referral: the member of the request's groups to talk to"})
    referred_name = _text_field("A referral: someone outside the network (name, company, how to reach them)",
                                services.LIMITS["referred_name"])
    private = Flag(allow_none=True, truthy={True}, falsy={False},
                   metadata={"description": "Only the asker (and the author) see it"})


class AnswerInputSchema(AnswerFieldsSchema):
    kind = Text(required=True, validate=Choice(services.KINDS, message=lambda: _(
        "Choose whether you can help or know someone who can.")), metadata={
        "description": "`offer` (I can help with that) or `referral` (talk to ...)"})


class SolveInputSchema(Schema):
    helper_ids = IdList(load_default=list, metadata={
        "description": "Who helped: members of the request's groups or who answered (may be empty)"})


class ReasonInputSchema(Schema):
    reason = _text_field("Why (the author sees it)", services.LIMITS["reason"])


class RequestListQuerySchema(LangQuerySchema):
    status = Text(validate=Choice(services.STATUSES), metadata={
        "description": "Only requests with this status (withdrawn ones are never listed)"})
    category = Text(validate=Choice(CATEGORY_CODES), metadata={"description": "Only this category"})


# --- output -------------------------------------------------------------------------------------------


class RequestPersonSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class RequestGroupSchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)


class RequestMeetingSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    starts_at = fields.DateTime(required=True)


class _Moderation(Schema):
    hidden = fields.Boolean(metadata={"description": "Hidden by an organizer (only for the author, "
                                                     "organizers and admins)"})
    hidden_reason = fields.String()
    hidden_by = fields.Nested(RequestPersonSchema, allow_none=True, metadata={
        "description": "Who hid it (organizers and admins)"})


class AnswerSchema(_Moderation):
    class Meta:
        ordered = True

    id = fields.Integer(required=True)
    request_id = fields.Integer()
    author = fields.Nested(RequestPersonSchema)
    kind = fields.String(metadata={"enum": list(services.KINDS)})
    body = fields.String()
    referred_member = fields.Nested(RequestPersonSchema, allow_none=True)
    referred_name = fields.String()
    private = fields.Boolean()
    created_at = fields.DateTime()


class RequestSummarySchema(_Moderation):
    class Meta:
        ordered = True

    id = fields.Integer(required=True)
    author = fields.Nested(RequestPersonSchema)
    title = fields.String()
    body = fields.String()
    category = fields.String(metadata={"description": "A category code, or empty"})
    deadline = fields.Date(allow_none=True)
    status = fields.String(metadata={"enum": list(services.STATUSES)})
    groups = fields.List(fields.Nested(RequestGroupSchema))
    created_at = fields.DateTime()
    solved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    raise_at_meeting = fields.Nested(RequestMeetingSchema, allow_none=True)


class RequestSchema(RequestSummarySchema):
    answers = fields.List(fields.Nested(AnswerSchema), metadata={
        "description": "The answers the caller may see (private ones: the asker and their authors only)"})
    helpers = fields.List(fields.Nested(RequestPersonSchema), metadata={
        "description": "Who helped, as the asker named them when solving"})


# --- representation ------------------------------------------------------------------------------------


def _person(member: Member | None) -> dict[str, Any] | None:
    return {"id": member.id, "name": member.name} if member is not None else None


def _moderation(item, shown: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "hidden" in shown:
        out["hidden"] = item.is_hidden
    if "hidden_reason" in shown:
        out["hidden_reason"] = item.hidden_reason
    if "hidden_by" in shown:
        out["hidden_by"] = _person(item.hidden_by_id and db.session.get(Member, item.hidden_by_id))
    return out


def answer_payload(answer: RequestAnswer, shown: frozenset[str]) -> dict[str, Any]:
    values = {
        "id": answer.id, "request_id": answer.request_id, "author": _person(answer.author),
        "kind": answer.kind, "body": answer.body, "referred_member": _person(answer.referred_member),
        "referred_name": answer.referred_name, "private": answer.private, "created_at": answer.created_at,
    }
    return {**{k: v for k, v in values.items() if k in shown}, **_moderation(answer, shown)}


def request_payload(req: HelpRequest, shown: frozenset[str], *, view: services.RequestView | None = None
                    ) -> dict[str, Any]:
    meeting = req.raise_at_meeting
    values: dict[str, Any] = {
        "id": req.id, "author": _person(req.author), "title": req.title, "body": req.body,
        "category": req.category, "deadline": req.deadline, "status": req.status,
        "groups": [{"id": g.id, "slug": g.slug, "name": g.name} for g in req.groups],
        "created_at": req.created_at, "solved_at": req.solved_at, "closed_at": req.closed_at,
        "raise_at_meeting": ({"id": meeting.id, "title": meeting.title, "starts_at": meeting.starts_at}
                             if meeting is not None else None),
    }
    if view is not None:
        values["answers"] = [answer_payload(a.answer, a.fields) for a in view.answers]
        values["helpers"] = [_person(m) for m in view.helpers]
    return {**{k: v for k, v in values.items() if k in shown}, **_moderation(req, shown)}


def _full(request_id: int) -> dict[str, Any]:
    shown = services.view(g.api_user, request_id)
    return request_payload(shown.request, shown.fields, view=shown)


def _renamed(error: ValidationFailed, names: dict[str, str]) -> ValidationFailed:
    """The service's field names as the API's body names them (group_ids → groups)."""
    return ValidationFailed(error.message, fields={names.get(k, k): v for k, v in error.fields.items()})


def _request_data(data: dict[str, Any], *, base: HelpRequest | None = None) -> dict[str, Any]:
    from datetime import date

    def pick(name, current):
        return data[name] if name in data else current

    deadline = pick("deadline", base.deadline.isoformat() if base and base.deadline else None)
    return {
        "title": pick("title", base.title if base else ""),
        "body": pick("body", base.body if base else "") or "",
        "deadline": date.fromisoformat(deadline) if deadline else None,
        "category": pick("category", base.category if base else "") or "",
    }


# --- operations ------------------------------------------------------------------------------------------


@blp.route("/groups/<string:slug>/requests", endpoint="GroupRequests")
class GroupRequests(MethodView):
    @blp.doc(security=TOKEN_REQUIRED, summary="A group's requests",
             description="For the group's members and organizers, and admins; a member of other groups "
                         "only answers 403, a group the caller may not see 404. Newest first; withdrawn "
                         "requests are never listed, hidden ones only for their asker, the group's "
                         "organizers and admins. Without `answers` (see the single request)."
                         + PAGINATION_DOC)
    @blp.arguments(RequestListQuerySchema, location="query")
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, RequestSummarySchema(many=True), headers=PAGE_HEADERS_DOC)
    @documents_errors(blp, *READ_ERRORS)
    @token_required
    def get(self, query, paging, slug):
        with api_locale(query):
            group = services.group_for(g.api_user, slug)
            flt = services.ListFilter(group_id=group.id, category=query.get("category") or "",
                                      status=query.get("status") or "any")
            page = services.list_requests(g.api_user, flt, page=paging["page"], per_page=paging["per_page"],
                                          clamp=False)
            return ([request_payload(r, services.fields_of_request(g.api_user, r)) for r in page.items],
                    page_headers(page))

    @blp.doc(security=TOKEN_REQUIRED, summary="Ask the network",
             description="The caller asks this group, and optionally more of their own groups (`groups`). "
                         "The members hear about it by mail or in their digest, as each chose. "
                         "`raise_at_group` puts it on that group's next meeting page. At most "
                         f"{services.MAX_PER_DAY} requests in 24 hours (409).")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(RequestInputSchema)
    @blp.response(201, RequestSchema)
    @documents_errors(blp, *WRITE_ERRORS, conflict="The caller has asked too often in the last 24 hours")
    @token_required
    def post(self, query, data, slug):
        with api_locale(query):
            group = services.group_for(g.api_user, slug)
            values = _request_data(data)
            slugs = [group.slug, *(data.get("groups") or [])]
            try:
                values["group_ids"] = services.group_ids_for_slugs(g.api_user, slugs)
                raise_at = data.get("raise_at_group")
                values["raise_at_group_id"] = (services.group_ids_for_slugs(
                    g.api_user, [raise_at], field="raise_at_group_id")[0] if raise_at else None)
                req = services.post_request(g.api_user, values)
            except ValidationFailed as error:
                raise _renamed(error, API_NAMES) from None
            return _full(req.id)


@blp.route("/requests/<int:request_id>", endpoint="Request")
class RequestResource(MethodView):
    @blp.doc(security=TOKEN_REQUIRED, summary="One request with its answers",
             description="For the members of its groups, their organizers and admins (a hidden request: "
                         "its asker, organizers and admins); 404 for everybody else. `answers` holds "
                         "what the caller may see: a private answer only for the asker and its author.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, RequestSchema)
    @documents_errors(blp, *READ_ERRORS)
    @token_required
    def get(self, query, request_id):
        with api_locale(query):
            return _full(request_id)

    @blp.doc(security=TOKEN_REQUIRED, summary="Correct a request (the asker)",
             description="Title, body, deadline, category; what is left out stays. Every change is kept "
                         "in the history (old and new). Others answer 403; a closed request 409.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(RequestPatchSchema)
    @blp.response(200, RequestSchema)
    @documents_errors(blp, *WRITE_ERRORS, conflict=CONFLICT)
    @token_required
    def patch(self, query, data, request_id):
        with api_locale(query):
            req = services.get_for(g.api_user, request_id)
            services.edit_request(g.api_user, request_id, _request_data(data, base=req))
            return _full(request_id)


@blp.post("/requests/<int:request_id>/withdraw")
@blp.doc(security=TOKEN_REQUIRED, summary="Withdraw a request (the asker)",
         description="Nobody sees it any more (its history stays). Others answer 403; a closed request 409.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(204)
@documents_errors(blp, *READ_ERRORS, conflict=CONFLICT)
@token_required
def withdraw_request(query, request_id):
    with api_locale(query):
        services.withdraw_request(g.api_user, request_id)
        return ""


@blp.post("/requests/<int:request_id>/answers")
@blp.doc(security=TOKEN_REQUIRED, summary="Answer a request",
         description="A member of the request's groups offers help (`offer`, with a message) or names "
                     "someone (`referral`: `referred_member_id`, a member of its groups, or "
                     "`referred_name`; an `offer` that names someone is saved as a `referral`). "
                     "`private`: only the asker sees it. The asker gets a mail. The "
                     "asker themself answers 403, a closed or hidden request 409.")
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(AnswerInputSchema)
@blp.response(201, AnswerSchema)
@documents_errors(blp, *WRITE_ERRORS, conflict=CONFLICT)
@token_required
def answer(query, data, request_id):
    with api_locale(query):
        row = services.answer_request(g.api_user, request_id, data)
        return answer_payload(row, services.fields_of_answer(g.api_user, row))


@blp.post("/requests/<int:request_id>/solve")
@blp.doc(security=TOKEN_REQUIRED, summary="Mark a request solved (the asker)",
         description="With who helped (`helper_ids`: members of the request's groups or who answered; may "
                     "be empty). The help is recorded for each helper, and each gets a thank-you mail. "
                     "Others answer 403; a request already solved, or withdrawn, 409.")
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(SolveInputSchema)
@blp.response(200, RequestSchema)
@documents_errors(blp, *WRITE_ERRORS, conflict=CONFLICT)
@token_required
def solve(query, data, request_id):
    with api_locale(query):
        services.solve(g.api_user, request_id, data.get("helper_ids") or [])
        return _full(request_id)


@blp.patch("/answers/<int:answer_id>")
@blp.doc(security=TOKEN_REQUIRED, summary="Correct an answer (its author)",
         description="The message, whom it names, private or not; what is left out stays. Others 403.")
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(AnswerFieldsSchema)
@blp.response(200, AnswerSchema)
@documents_errors(blp, *WRITE_ERRORS)
@token_required
def edit_answer(query, data, answer_id):
    with api_locale(query):
        row = services.get_answer(g.api_user, answer_id)
        values = {"body": row.body, "referred_member_id": row.referred_member_id,
                  "referred_name": row.referred_name, "private": row.private}
        values.update({k: v for k, v in data.items()})
        if values.get("private") is None:
            values["private"] = False
        row = services.edit_answer(g.api_user, answer_id, values)
        return answer_payload(row, services.fields_of_answer(g.api_user, row))


@blp.post("/answers/<int:answer_id>/withdraw")
@blp.doc(security=TOKEN_REQUIRED, summary="Withdraw an answer (its author)",
         description="Nobody sees it any more. Others answer 403.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(204)
@documents_errors(blp, *READ_ERRORS)
@token_required
def withdraw_answer(query, answer_id):
    with api_locale(query):
        services.withdraw_answer(g.api_user, answer_id)
        return ""


def _moderate(action: str, item_type: str, item_id: int, data, query) -> dict[str, Any]:
    with api_locale(query):
        fn = services.hide if action == "hide" else services.show
        req = fn(g.api_user, item_type, item_id, data.get("reason"))
        return _full(req.id)


_HIDE_DOC = ("For organizers of the request's groups and admins; `reason` is required and kept in the "
             "history. The other members no longer see it; the author sees it with the reason. Others "
             "answer 403; one already hidden 409. Returns the request.")
_SHOW_DOC = ("For organizers of the request's groups and admins; `reason` is optional. Others answer 403; "
             "one that is not hidden 409. Returns the request.")


@blp.post("/requests/<int:request_id>/hide")
@blp.doc(security=TOKEN_REQUIRED, summary="Hide a request (organizers)", description=_HIDE_DOC)
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(ReasonInputSchema)
@blp.response(200, RequestSchema)
@documents_errors(blp, *WRITE_ERRORS, conflict="It is already hidden")
@token_required
def hide_request(query, data, request_id):
    return _moderate("hide", "request", request_id, data, query)


@blp.post("/requests/<int:request_id>/show")
@blp.doc(security=TOKEN_REQUIRED, summary="Show a hidden request again (organizers)", description=_SHOW_DOC)
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(ReasonInputSchema)
@blp.response(200, RequestSchema)
@documents_errors(blp, *WRITE_ERRORS, conflict="It is not hidden")
@token_required
def show_request(query, data, request_id):
    return _moderate("show", "request", request_id, data, query)


@blp.post("/answers/<int:answer_id>/hide")
@blp.doc(security=TOKEN_REQUIRED, summary="Hide an answer (organizers)", description=_HIDE_DOC)
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(ReasonInputSchema)
@blp.response(200, RequestSchema)
@documents_errors(blp, *WRITE_ERRORS, conflict="It is already hidden")
@token_required
def hide_answer(query, data, answer_id):
    return _moderate("hide", "answer", answer_id, data, query)


@blp.post("/answers/<int:answer_id>/show")
@blp.doc(security=TOKEN_REQUIRED, summary="Show a hidden answer again (organizers)", description=_SHOW_DOC)
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(ReasonInputSchema)
@blp.response(200, RequestSchema)
@documents_errors(blp, *WRITE_ERRORS, conflict="It is not hidden")
@token_required
def show_answer(query, data, answer_id):
    return _moderate("show", "answer", answer_id, data, query)
