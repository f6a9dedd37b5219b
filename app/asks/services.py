"""Ask the network: post, edit and withdraw a request, answer it, mark it solved, and moderate.

The one home of the rules for the pages and the JSON API: every use case takes the user and plain
data (ids, text, dates), checks permissions on the object, validates (`ValidationFailed` naming
each field), writes, records the change (`app.ledger.history.record_change`), writes its mails to
the outbox and commits. What a viewer may see of a request or an answer is app.visibility's rule
(`request_fields`, `answer_fields`) with the relation from `app.auth.viewers.relation_to_item`.

Split by job: `app.asks.rules` (limits, categories, who stands where, validation),
`app.asks.views` (reading by the rule: a request with its answers, the lists, the page hooks) and
this module (the use cases, which write and commit). The pages and the API call this module only;
it re-exports what they need of the other two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import events
from app.asks.rules import (
    CATEGORIES,
    EXPIRED,
    KINDS,
    LIMITS,
    MAX_ANSWERS_PER_DAY,
    MAX_DEADLINE_DAYS,
    MAX_GROUPS,
    MAX_HELPERS,
    MAX_PER_DAY,
    OPEN,
    SOLVED,
    STATUSES,
    WITHDRAWN,
    authenticated,
    can_moderate,
    category_label,
    clean_answer,
    clean_request,
    clean_text,
    fields_of_answer,
    fields_of_request,
    group_ids_for_slugs,
    id_list,
    is_active_member,
    is_group_member,
    is_id,
    local_today,
    my_groups,
    next_meeting,
    referable_members,
)
from app.asks.views import (
    ListFilter,
    RequestView,
    for_meeting,
    get_answer,
    get_for,
    group_for,
    helper_choice_groups,
    helper_choices,
    hidden_by_name,
    latest_for_group,
    list_requests,
    view,
)
from app.auth.tokens import external_url
from app.errors import Conflict, NotFound, PermissionDenied
from app.extensions import db
from app.ledger.history import record_change
from app.mail.services import enqueue_mail
from app.models import Member, utcnow
from app.models.social import (
    HelpRequest,
    RequestAnswer,
)
from app.validation import FieldErrors

# --- posting, editing, withdrawing ----------------------------------------------------------------


def _require_member(user) -> None:
    if not authenticated(user):
        raise PermissionDenied()
    if not is_active_member(user):
        raise PermissionDenied(_("Your account is deactivated."))


def post_request(user, data: Mapping) -> HelpRequest:
    """Ask one or more of the user's groups; announced with `events.request_posted`. Commits."""
    _require_member(user)
    values = clean_request(user, data)
    recent = db.session.scalar(select(func.count(HelpRequest.id)).where(
        HelpRequest.author_id == user.id, HelpRequest.created_at >= utcnow() - timedelta(hours=24)))
    if recent >= MAX_PER_DAY:
        raise Conflict(_("You have asked %(num)d times in the last 24 hours. Please wait a little before "
                         "asking again.", num=MAX_PER_DAY))
    req = HelpRequest(author_id=user.id, title=values.title, body=values.body, deadline=values.deadline,
                      category=values.category, status=OPEN, groups=values.groups,
                      raise_at_meeting_id=values.raise_at_meeting.id if values.raise_at_meeting else None)
    db.session.add(req)
    db.session.flush()
    record_change("request", req.id, user, "created", {
        "title": [None, req.title], "groups": [None, [g.id for g in values.groups]]})
    events.request_posted.send(req)
    db.session.commit()
    return req


def _require_author(user, req: HelpRequest) -> None:
    if not authenticated(user) or req.author_id != user.id:
        raise PermissionDenied(_("Only %(name)s can change this request.", name=req.author.name))


def edit_request(user, request_id, data: Mapping) -> HelpRequest:
    """The asker corrects title, details, deadline and category (history: old → new); a new deadline
    opens an expired request again. Commits."""
    req = get_for(user, request_id, lock=True)
    _require_author(user, req)
    if req.status not in (OPEN, EXPIRED):
        raise Conflict(_("This request is closed; it can no longer be changed."))
    values = clean_request(user, data, editing=req)
    before = {"title": req.title, "body": req.body, "deadline": req.deadline, "category": req.category}
    after = {"title": values.title, "body": values.body, "deadline": values.deadline,
             "category": values.category}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if req.status == EXPIRED and "deadline" in changes:
        # a new deadline (from today on, or none) opens an expired request again
        changes["status"] = [EXPIRED, OPEN]
        req.status, req.closed_at = OPEN, None
    if changes:
        for name, value in after.items():
            setattr(req, name, value)
        record_change("request", req.id, user, "updated", changes)
    db.session.commit()
    return req


def withdraw_request(user, request_id) -> HelpRequest:
    """The asker withdraws an open request: nobody sees it any more. Commits."""
    req = get_for(user, request_id, lock=True)
    _require_author(user, req)
    if req.status not in (OPEN, EXPIRED):
        raise Conflict(_("This request is closed; it can no longer be withdrawn."))
    now = utcnow()
    old = req.status
    req.status, req.withdrawn_at, req.closed_at = WITHDRAWN, now, now
    record_change("request", req.id, user, "withdrawn", {"status": [old, WITHDRAWN]})
    db.session.commit()
    return req


# --- answers --------------------------------------------------------------------------------------


def answer_request(user, request_id, data: Mapping) -> RequestAnswer:
    """A member of the request's groups offers help or names someone; the asker gets a mail. Commits."""
    _require_member(user)
    req = get_for(user, request_id, lock=True)
    if req.author_id == user.id:
        raise PermissionDenied(_("This is your own request."))
    if not is_group_member(user, req):
        raise PermissionDenied(_("Only the members of the request's groups can answer it."))
    if not req.is_open or req.is_hidden:
        raise Conflict(_("This request is closed; it takes no more answers."))
    values = clean_answer(user, req, data)
    recent = db.session.scalar(select(func.count(RequestAnswer.id)).where(
        RequestAnswer.author_id == user.id, RequestAnswer.created_at >= utcnow() - timedelta(hours=24)))
    if recent >= MAX_ANSWERS_PER_DAY:
        raise Conflict(_("You have answered %(num)d times in the last 24 hours. Please wait a little.",
                         num=MAX_ANSWERS_PER_DAY))
    answer = RequestAnswer(request=req, author_id=user.id, kind=values.kind, body=values.body,
                           referred_member_id=values.referred_member.id if values.referred_member else None,
                           referred_name=values.referred_name, private=values.private)
    db.session.add(answer)
    db.session.flush()
    record_change("answer", answer.id, user, "created", {"kind": [None, answer.kind],
                                                         "private": [None, answer.private]})
    if req.author.active:
        enqueue_mail(req.author, "ask_answer", kind="ask_answer", req=req, answer=answer, helper=user,
                     referred=values.referred_member,
                     page_url=external_url("asks.show", request_id=req.id) + f"#answer-{answer.id}")
    db.session.commit()
    return answer


def edit_answer(user, answer_id, data: Mapping) -> RequestAnswer:
    """The author corrects their answer (text, whom they name, private or not). Commits."""
    answer = get_answer(user, answer_id, lock=True)
    if answer.author_id != user.id:
        raise PermissionDenied(_("Only %(name)s can change this answer.", name=answer.author.name))
    values = clean_answer(user, answer.request, data, editing=answer)
    new_member_id = values.referred_member.id if values.referred_member else None
    before = {"body": answer.body, "referred_member_id": answer.referred_member_id,
              "referred_name": answer.referred_name, "private": answer.private}
    after = {"body": values.body, "referred_member_id": new_member_id,
             "referred_name": values.referred_name, "private": values.private}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        for name, value in after.items():
            setattr(answer, name, value)
        record_change("answer", answer.id, user, "updated", changes)
    db.session.commit()
    return answer


def withdraw_answer(user, answer_id) -> RequestAnswer:
    answer = get_answer(user, answer_id, lock=True)
    if answer.author_id != user.id:
        raise PermissionDenied(_("Only %(name)s can withdraw this answer.", name=answer.author.name))
    answer.withdrawn_at = utcnow()
    record_change("answer", answer.id, user, "withdrawn")
    db.session.commit()
    return answer


# --- solving --------------------------------------------------------------------------------------


def solve(user, request_id, helper_ids: Sequence[int] | None) -> HelpRequest:
    """The asker marks the request solved and names who helped (0..n members of its groups, or
    members who answered). Sends `events.request_solved`; the helpers get a thank-you mail. Commits."""
    req = get_for(user, request_id, lock=True)
    _require_author(user, req)
    if req.status == SOLVED:
        raise Conflict(_("This request is already marked as solved."))
    if req.status not in (OPEN, EXPIRED):
        raise Conflict(_("This request is closed; it can no longer be marked as solved."))
    errors = FieldErrors()
    ids = id_list(errors, "helper_ids", helper_ids, MAX_HELPERS,
                   _("Please choose who helped from the list."))
    helpers: list[Member] = []
    if ids:
        allowed = {m.id: m for m in helper_choices(req)}
        for answer in req.answers:  # someone who answered and has since left the groups
            if not answer.is_withdrawn and answer.author_id != req.author_id:
                allowed.setdefault(answer.author_id, answer.author)
        if any(i not in allowed for i in ids):
            errors.add("helper_ids", _("Choose the helpers among the members of the request's groups."))
        else:
            helpers = [allowed[i] for i in ids]
    errors.raise_if_any()
    now = utcnow()
    old = req.status
    req.status, req.solved_at, req.closed_at = SOLVED, now, None
    helper_ids = [m.id for m in helpers]
    record_change("request", req.id, user, "solved",
                  {"status": [old, SOLVED], "helper_ids": [[], helper_ids]})
    events.request_solved.send(req, helper_ids=helper_ids, actor=user)
    page_url = external_url("asks.show", request_id=req.id)
    for helper in helpers:
        if helper.active:
            enqueue_mail(helper, "ask_solved", kind="ask_solved", req=req, asker=req.author,
                         page_url=page_url)
    db.session.commit()
    return req


# --- moderation -----------------------------------------------------------------------------------


def _reason(data_reason) -> str:
    errors = FieldErrors()
    reason = clean_text(errors, {"reason": data_reason}, "reason", LIMITS["reason"],
                   required_message=_("Please give a reason; the author sees it."))
    errors.raise_if_any()
    return reason


def _moderate_target(user, item_type: str, item_id):
    if item_type == "request":
        req = get_for(user, item_id, lock=True)
        item = req
    elif item_type == "answer":
        item = get_answer(user, item_id, lock=True)
        req = item.request
    else:
        raise NotFound()
    if not can_moderate(user, req):
        raise PermissionDenied(_("Only the organizers of the request's groups can hide or show it."))
    return item, req


def hide(user, item_type: str, item_id, reason) -> HelpRequest:
    """An organizer of the request's groups (or an admin) hides a request or an answer with a
    reason: the other members no longer see it. Returns the request. Commits."""
    item, req = _moderate_target(user, item_type, item_id)
    text = _reason(reason)
    if item.is_hidden:
        raise Conflict(_("It is already hidden."))
    item.hidden_at, item.hidden_by_id, item.hidden_reason = utcnow(), user.id, text
    record_change(item_type, item.id, user, "hidden", reason=text)
    db.session.commit()
    return req


def show(user, item_type: str, item_id, reason=None) -> HelpRequest:
    """Shows a hidden request or answer again (the reason is optional). Commits."""
    item, req = _moderate_target(user, item_type, item_id)
    if not item.is_hidden:
        raise Conflict(_("It is not hidden."))
    errors = FieldErrors()
    text = clean_text(errors, {"reason": reason}, "reason", LIMITS["reason"])
    errors.raise_if_any()
    item.hidden_at, item.hidden_by_id, item.hidden_reason = None, None, ""
    record_change(item_type, item.id, user, "shown", reason=text)
    db.session.commit()
    return req


# The pages and the API call this one module: the use cases above, and the rules and the reading
# (app.asks.rules, app.asks.views) they share.
__all__ = [
    "CATEGORIES", "KINDS", "LIMITS", "MAX_ANSWERS_PER_DAY", "MAX_DEADLINE_DAYS", "MAX_GROUPS",
    "MAX_HELPERS", "MAX_PER_DAY", "STATUSES", "ListFilter", "RequestView", "answer_request", "can_moderate",
    "category_label",
    "edit_answer", "edit_request", "fields_of_answer", "fields_of_request", "for_meeting", "get_answer",
    "get_for", "group_for", "group_ids_for_slugs", "helper_choice_groups", "helper_choices",
    "hidden_by_name", "hide", "is_id",
    "latest_for_group", "list_requests", "local_today", "my_groups", "next_meeting", "post_request",
    "referable_members", "show", "solve", "view", "withdraw_answer", "withdraw_request",
]
