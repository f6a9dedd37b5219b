"""Ask the network: post, edit and withdraw a request, answer it, mark it solved, and moderate.

The one home of the rules for the pages and the JSON API: every use case takes the user and plain
data (ids, text, dates), checks permissions on the object, validates (`ValidationFailed` naming
each field), writes, records the change (`app.ledger.history.record_change`), writes its mails to
the outbox and commits. What a viewer may see of a request or an answer is app.visibility's rule
(`request_fields`, `answer_fields`) with the relation from `app.auth.viewers.relation_to_item`:
the reading functions here return only what the rule lets the viewer see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app import events
from app.auth import permissions
from app.auth.tokens import external_url
from app.auth.viewers import relation_to_item
from app.db_locks import begin_write, lock_for_update, locked
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.i18n import network_timezone
from app.input_guard import has_unstorable, int_in_range, normalize_newlines
from app.ledger.history import record_change
from app.mail.services import enqueue_mail
from app.models import Group, Meeting, Member, Membership, Role, utcnow
from app.models.meeting import MeetingStatus
from app.models.social import (
    AnswerKind,
    HelpRequest,
    RequestAnswer,
    RequestStatus,
    help_request_groups,
)
from app.pagination import Page, paginate
from app.validation import FieldErrors
from app.visibility import Relation, answer_fields, request_fields

OPEN = RequestStatus.OPEN.value
SOLVED = RequestStatus.SOLVED.value
EXPIRED = RequestStatus.EXPIRED.value
WITHDRAWN = RequestStatus.WITHDRAWN.value

LIMITS = {"title": 200, "body": 4000, "answer": 2000, "referred_name": 200, "reason": 1000}
MAX_DEADLINE_DAYS = 366  # a deadline at most a year ahead
MAX_GROUPS = 50
MAX_HELPERS = 100
MAX_PER_DAY = 10  # requests one member may post in 24 hours (each may mail every member)
MAX_ANSWERS_PER_DAY = 60

# The categories: a stable code stored on the request, a label in the reader's language.
CATEGORIES: dict[str, object] = {
    "supplier": _l("Supplier"),
    "advice": _l("Advice"),
    "premises": _l("Premises"),
    "people": _l("Jobs and people"),
    "customers": _l("Customers"),
    "other": _l("Other"),
}
KINDS = tuple(k.value for k in AnswerKind)
STATUSES = tuple(s.value for s in RequestStatus)


def category_label(code: str) -> str:
    label = CATEGORIES.get(code or "")
    return str(label) if label is not None else ""


# --- who stands where -----------------------------------------------------------------------------


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_id(value) -> bool:
    """A whole number the id columns can hold (a bigger one would raise in the query, not miss)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0 and int_in_range(value)


def group_ids_of(req: HelpRequest) -> list[int]:
    return [g.id for g in req.groups]


def relation_to_request(user, req: HelpRequest) -> Relation:
    return relation_to_item(user, parties=(req.author_id,), group_ids=group_ids_of(req))


def relation_to_answer(user, answer: RequestAnswer) -> Relation:
    req = answer.request
    return relation_to_item(user, parties=(req.author_id, answer.author_id), group_ids=group_ids_of(req))


def fields_of_request(user, req: HelpRequest) -> frozenset[str]:
    """What the user may see of the request (empty: nothing, not even that it exists)."""
    return request_fields(relation_to_request(user, req), hidden=req.is_hidden,
                          withdrawn=req.is_withdrawn)


def fields_of_answer(user, answer: RequestAnswer) -> frozenset[str]:
    """What the user may see of an answer (a private one: the asker and its author only)."""
    if not fields_of_request(user, answer.request):
        return frozenset()
    return answer_fields(relation_to_answer(user, answer), private=answer.private,
                         hidden=answer.is_hidden, withdrawn=answer.is_withdrawn)


def is_group_member(user, req: HelpRequest) -> bool:
    """A member (or organizer) of one of the request's groups."""
    if not _authenticated(user):
        return False
    ids = set(group_ids_of(req))
    return any(m.group_id in ids for m in user.memberships)


def can_moderate(user, req: HelpRequest) -> bool:
    """Organizers of one of the request's groups, and admins."""
    if not _authenticated(user):
        return False
    if permissions.is_admin(user):
        return True
    ids = set(group_ids_of(req))
    return any(m.group_id in ids and m.is_organizer for m in user.memberships)


def _active(user) -> bool:
    return _authenticated(user) and bool(getattr(user, "active", True))


# --- time -----------------------------------------------------------------------------------------


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(network_timezone())).date()


def next_meeting(group_id: int, now: datetime | None = None) -> Meeting | None:
    """The group's next scheduled meeting (not cancelled, not started)."""
    return db.session.scalar(
        select(Meeting).where(Meeting.group_id == group_id, Meeting.status == MeetingStatus.SCHEDULED.value,
                              Meeting.starts_at > (now or utcnow()))
        .order_by(Meeting.starts_at, Meeting.id).limit(1))


# --- validation -----------------------------------------------------------------------------------


def _text(errors: FieldErrors, data: Mapping, name: str, limit: int, *, required_message: str | None = None,
          one_line: bool = False) -> str:
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(name, _("Please enter text."))
        return ""
    if has_unstorable(value):
        errors.add(name, _("The field contains characters that cannot be saved."))
        return ""
    value = normalize_newlines(value).strip()
    if one_line:
        value = " ".join(value.split())
    if not value and required_message:
        errors.add(name, required_message)
    elif len(value) > limit:
        errors.add(name, _("Please keep it to %(max)d characters.", max=limit))
    return value


def _deadline(errors: FieldErrors, value, *, today: date, old: date | None = None) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        errors.add("deadline", _("Please enter the date (e.g. 2026-03-12)."))
        return None
    if value == old:
        return value  # an unchanged deadline stays, also once it has passed
    if value < today:
        errors.add("deadline", _("The deadline cannot be in the past."))
    elif value > today + timedelta(days=MAX_DEADLINE_DAYS):
        errors.add("deadline", _("The deadline can be at most a year ahead."))
    return value


def _category(errors: FieldErrors, value) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or value not in CATEGORIES:
        errors.add("category", _("Please choose one of the categories."))
        return ""
    return value


def _id_list(errors: FieldErrors, name: str, value, limit: int, message: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or len(value) > limit or not all(is_id(v) for v in value):
        errors.add(name, message)
        return []
    return list(dict.fromkeys(value))


def my_groups(user) -> list[Group]:
    """The groups the user may ask: the groups they are a member of."""
    if not _authenticated(user):
        return []
    return sorted((m.group for m in user.memberships), key=lambda g: (g.name.lower(), g.id))


def group_ids_for_slugs(user, slugs: Sequence[str], *, field: str = "group_ids") -> list[int]:
    """The ids of the user's own groups named by slug (the API names groups so); ValidationFailed
    with the page's message for a slug that is not one of them."""
    mine = {g.slug: g.id for g in my_groups(user)}
    errors = FieldErrors()
    if any(slug not in mine for slug in slugs):
        errors.add(field, _("You can ask only in your own groups.") if field == "group_ids"
                   else _("Choose one of the groups you ask."))
    errors.raise_if_any()
    return list(dict.fromkeys(mine[slug] for slug in slugs))


@dataclass
class RequestData:
    title: str
    body: str
    deadline: date | None
    category: str
    groups: list[Group] = field(default_factory=list)
    raise_at_meeting: Meeting | None = None


def clean_request(user, data: Mapping, *, editing: HelpRequest | None = None) -> RequestData:
    """Check what a form or the API sent for a request; ValidationFailed names every wrong field.

    data: title, body, deadline (a date or None), category (a code or ""), and for a new request
    group_ids (the user's groups) and raise_at_group_id (one of them, or None/0)."""
    errors = FieldErrors()
    title = _text(errors, data, "title", LIMITS["title"], one_line=True,
                  required_message=_("Please say what you need."))
    body = _text(errors, data, "body", LIMITS["body"])
    deadline = _deadline(errors, data.get("deadline"), today=local_today(),
                         old=editing.deadline if editing else None)
    category = _category(errors, data.get("category"))
    values = RequestData(title, body, deadline, category)
    if editing is None:
        mine = {g.id: g for g in my_groups(user)}
        ids = _id_list(errors, "group_ids", data.get("group_ids"), MAX_GROUPS,
                       _("Please choose your groups from the list."))
        if "group_ids" not in errors:
            if not ids:
                errors.add("group_ids", _("Please choose at least one of your groups."))
            elif any(i not in mine for i in ids):
                errors.add("group_ids", _("You can ask only in your own groups."))
            else:
                values.groups = [mine[i] for i in ids]
        raise_at = data.get("raise_at_group_id")
        if raise_at not in (None, 0, ""):
            if not is_id(raise_at) or (values.groups and raise_at not in ids):
                errors.add("raise_at_group_id", _("Choose one of the groups you ask."))
            elif values.groups:
                meeting = next_meeting(raise_at)
                if meeting is None:
                    errors.add("raise_at_group_id", _("%(group)s has no meeting planned yet.",
                                                      group=mine[raise_at].name))
                values.raise_at_meeting = meeting
    errors.raise_if_any()
    return values


# --- reading --------------------------------------------------------------------------------------


def _load(request_id, *, lock: bool = False) -> HelpRequest:
    if not is_id(request_id):
        raise NotFound()
    query = select(HelpRequest).where(HelpRequest.id == request_id).options(
        selectinload(HelpRequest.groups), selectinload(HelpRequest.author))
    if lock:
        begin_write()
        query = lock_for_update(query, of=HelpRequest)
    req = db.session.scalar(query)
    if req is None:
        raise NotFound()
    if lock:
        locked()
    return req


def get_for(user, request_id, *, lock: bool = False) -> HelpRequest:
    """The request if the user may see it (NotFound otherwise: a request's existence is private)."""
    req = _load(request_id, lock=lock)
    if not fields_of_request(user, req):
        raise NotFound()
    return req


@dataclass
class AnswerView:
    answer: RequestAnswer
    fields: frozenset[str]
    mine: bool
    moderation: bool  # the viewer may hide or show it


@dataclass
class RequestView:
    request: HelpRequest
    fields: frozenset[str]
    relation: Relation
    answers: list[AnswerView]
    is_asker: bool
    can_answer: bool
    can_solve: bool
    can_edit: bool
    can_moderate: bool
    helpers: list[Member]

    @property
    def raise_at_meeting(self) -> Meeting | None:
        return self.request.raise_at_meeting if "raise_at_meeting" in self.fields else None


def helpers_of(req: HelpRequest) -> list[Member]:
    """Who the asker named at solve (from the history entry "solved")."""
    from app.models.social import SocialChange

    change = db.session.scalar(
        select(SocialChange).where(SocialChange.item_type == "request", SocialChange.item_id == req.id,
                                   SocialChange.action == "solved")
        .order_by(SocialChange.id.desc()).limit(1))
    ids = [i for i in ((change.changes or {}).get("helper_ids") or [[], []])[1] if isinstance(i, int)] \
        if change else []
    if not ids:
        return []
    by_id = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def view(user, request_id) -> RequestView:
    """The request and the answers the user may see, with what they may do."""
    req = get_for(user, request_id)
    fields = fields_of_request(user, req)
    relation = relation_to_request(user, req)
    moderate = can_moderate(user, req)
    answers = []
    for answer in db.session.scalars(
            select(RequestAnswer).where(RequestAnswer.request_id == req.id)
            .options(selectinload(RequestAnswer.author), selectinload(RequestAnswer.referred_member))
            .order_by(RequestAnswer.id)):
        shown = fields_of_answer(user, answer)
        if shown:
            answers.append(AnswerView(answer, shown, mine=answer.author_id == user.id,
                                      moderation=moderate))
    is_asker = _authenticated(user) and req.author_id == user.id
    return RequestView(
        request=req, fields=fields, relation=relation, answers=answers, is_asker=is_asker,
        can_answer=(req.is_open and not req.is_hidden and not is_asker and _active(user)
                    and is_group_member(user, req)),
        can_solve=is_asker and req.status in (OPEN, EXPIRED),
        can_edit=is_asker and req.status in (OPEN, EXPIRED),
        can_moderate=moderate,
        helpers=helpers_of(req) if req.status == SOLVED else [])


def _visible_clause(user):
    """SQL: requests the user may see per the rule (not withdrawn; hidden ones only for the author,
    organizers of one of their groups and admins), in the user's groups (admins: any group)."""
    admin = permissions.is_admin(user)
    mine = [m.group_id for m in user.memberships]
    organized = [m.group_id for m in user.memberships if m.is_organizer]
    in_groups = exists().where(help_request_groups.c.request_id == HelpRequest.id,
                               help_request_groups.c.group_id.in_(mine))
    clauses = [HelpRequest.withdrawn_at.is_(None)]
    if not admin:
        clauses.append(or_(HelpRequest.author_id == user.id, in_groups))
        clauses.append(or_(HelpRequest.hidden_at.is_(None), HelpRequest.author_id == user.id,
                           exists().where(help_request_groups.c.request_id == HelpRequest.id,
                                          help_request_groups.c.group_id.in_(organized))))
    return and_(*clauses)


@dataclass
class ListFilter:
    group_id: int | None = None
    category: str = ""
    mine: bool = False
    status: str = OPEN  # open | solved | expired | all


def list_requests(user, flt: ListFilter, *, page: int = 1, per_page: int = 25, clamp: bool = True) -> Page:
    """Requests the user may see, newest first, filtered (the /asks page and the API's list)."""
    if not _authenticated(user):
        raise PermissionDenied()
    query = select(HelpRequest).where(_visible_clause(user))
    if not permissions.is_admin(user) and flt.group_id is None:
        mine = [m.group_id for m in user.memberships]
        query = query.where(exists().where(help_request_groups.c.request_id == HelpRequest.id,
                                           help_request_groups.c.group_id.in_(mine)))
    if flt.group_id is not None:
        query = query.where(exists().where(help_request_groups.c.request_id == HelpRequest.id,
                                           help_request_groups.c.group_id == flt.group_id))
    if flt.category:
        query = query.where(HelpRequest.category == flt.category)
    if flt.mine:
        query = query.where(HelpRequest.author_id == user.id)
    if flt.status in STATUSES:
        query = query.where(HelpRequest.status == flt.status)
    query = query.options(selectinload(HelpRequest.groups), selectinload(HelpRequest.author)).order_by(
        HelpRequest.created_at.desc(), HelpRequest.id.desc())
    result = paginate(query, page, per_page, clamp=clamp)
    counts: dict[int, int] = {}
    if result.items:  # public answers per request, for the list's "3 answers"
        counts = dict(db.session.execute(
            select(RequestAnswer.request_id, func.count(RequestAnswer.id))
            .where(RequestAnswer.request_id.in_([r.id for r in result.items]),
                   RequestAnswer.withdrawn_at.is_(None), RequestAnswer.hidden_at.is_(None),
                   RequestAnswer.private.is_(False))
            .group_by(RequestAnswer.request_id)).all())
    result.extra["answer_counts"] = counts
    return result


def group_for(user, slug) -> Group:
    """A group whose requests the user may read (members, organizers, admins): 404 if the group is
    not visible, 403 for a member of other groups only."""
    if not isinstance(slug, str) or has_unstorable(slug) or len(slug) > 200:
        raise NotFound()
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    if group is None:
        raise NotFound()
    permissions.require_group_visible(user, group)
    if not _authenticated(user):
        raise PermissionDenied()
    if not (permissions.is_admin(user) or permissions.is_member_of(user, group)):
        raise PermissionDenied(_("Only the members of %(group)s see its requests.", group=group.name))
    return group


def for_meeting(user, meeting: Meeting) -> list[HelpRequest]:
    """The open requests raised at this meeting that the user may see (the meeting page's hook;
    hidden ones stay on the request list for their asker and the organizers, not here)."""
    if not _authenticated(user):
        return []
    rows = db.session.scalars(
        select(HelpRequest).where(HelpRequest.raise_at_meeting_id == meeting.id, HelpRequest.status == OPEN,
                                  HelpRequest.withdrawn_at.is_(None), HelpRequest.hidden_at.is_(None))
        .options(selectinload(HelpRequest.groups), selectinload(HelpRequest.author))
        .order_by(HelpRequest.created_at, HelpRequest.id)).all()
    return [r for r in rows if fields_of_request(user, r)]


def latest_for_group(user, group: Group, limit: int = 3) -> tuple[list[HelpRequest], int]:
    """The group's newest open requests the user may see, and how many there are (the group page;
    hidden ones are left out here too)."""
    if not _authenticated(user) or not (permissions.is_admin(user) or permissions.is_member_of(user, group)):
        return [], 0
    query = select(HelpRequest).where(
        HelpRequest.status == OPEN, HelpRequest.withdrawn_at.is_(None), HelpRequest.hidden_at.is_(None),
        exists().where(help_request_groups.c.request_id == HelpRequest.id,
                       help_request_groups.c.group_id == group.id))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if not total:
        return [], 0
    rows = db.session.scalars(query.options(selectinload(HelpRequest.author))
                              .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc()).limit(limit))
    return list(rows), total


# --- posting, editing, withdrawing ----------------------------------------------------------------


def _require_member(user) -> None:
    if not _authenticated(user):
        raise PermissionDenied()
    if not _active(user):
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
    if not _authenticated(user) or req.author_id != user.id:
        raise PermissionDenied(_("Only %(name)s can change this request.", name=req.author.name))


def edit_request(user, request_id, data: Mapping) -> HelpRequest:
    """The asker corrects title, details, deadline and category (history: old → new). Commits."""
    req = get_for(user, request_id, lock=True)
    _require_author(user, req)
    if req.status not in (OPEN, EXPIRED):
        raise Conflict(_("This request is closed; it can no longer be changed."))
    values = clean_request(user, data, editing=req)
    before = {"title": req.title, "body": req.body, "deadline": req.deadline, "category": req.category}
    after = {"title": values.title, "body": values.body, "deadline": values.deadline,
             "category": values.category}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
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


@dataclass
class AnswerData:
    kind: str
    body: str
    referred_member: Member | None
    referred_name: str
    private: bool


def referable_members(req: HelpRequest) -> list[Member]:
    """Active members of the request's groups (whom an answer may name, and who may have helped)."""
    return list(db.session.scalars(
        select(Member).join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id.in_(group_ids_of(req)), Member.active.is_(True))
        .distinct().order_by(Member.name, Member.id)))


def _in_groups(member_id: int, req: HelpRequest) -> bool:
    return bool(db.session.scalar(select(func.count(Membership.id)).where(
        Membership.member_id == member_id, Membership.group_id.in_(group_ids_of(req)))))


def clean_answer(user, req: HelpRequest, data: Mapping, *,
                 editing: RequestAnswer | None = None) -> AnswerData:
    errors = FieldErrors()
    kind = data.get("kind") if editing is None else editing.kind
    if kind not in KINDS:
        errors.add("kind", _("Choose whether you can help or know someone who can."))
        kind = AnswerKind.OFFER.value
    body = _text(errors, data, "body", LIMITS["answer"],
                 required_message=_("Please write a few words to %(name)s.", name=req.author.name)
                 if kind == AnswerKind.OFFER.value else None)
    referred = None
    name = ""
    if kind == AnswerKind.REFERRAL.value:
        member_id = data.get("referred_member_id")
        name = _text(errors, data, "referred_name", LIMITS["referred_name"], one_line=True)
        if member_id not in (None, 0, ""):
            if not is_id(member_id):
                errors.add("referred_member_id", _("Choose a member from the list."))
            else:
                referred = db.session.get(Member, member_id)
                if referred is None or not referred.active or not _in_groups(referred.id, req):
                    errors.add("referred_member_id", _("Choose a member of the request's groups."))
                    referred = None
                elif referred.id == req.author_id:
                    errors.add("referred_member_id", _("%(name)s asked; choose someone else.",
                                                       name=req.author.name))
                    referred = None
        named = "referred_member_id" in errors or "referred_name" in errors
        if referred is None and not name and not named:
            errors.add("referred_name", _("Name the person to talk to: choose a member or type a name."))
        if referred is not None:
            name = ""
    private = data.get("private", False)
    if private is None:
        private = False
    if not isinstance(private, bool):
        errors.add("private", _("Please answer yes or no."))
        private = False
    errors.raise_if_any()
    return AnswerData(kind, body, referred, name, private)


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


def get_answer(user, answer_id, *, lock: bool = False) -> RequestAnswer:
    if not is_id(answer_id):
        raise NotFound()
    answer = db.session.get(RequestAnswer, answer_id)
    if answer is None:
        raise NotFound()
    get_for(user, answer.request_id, lock=lock)  # the request is visible (and locked)
    if not fields_of_answer(user, answer):
        raise NotFound()
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


def helper_choices(req: HelpRequest) -> list[Member]:
    """Whom the asker may name: answer authors and referred members first, then the groups' members."""
    members = {m.id: m for m in referable_members(req)}
    first: list[int] = []
    for answer in req.answers:
        if answer.is_withdrawn:
            continue
        for mid in (answer.author_id, answer.referred_member_id):
            if mid and mid in members and mid not in first:
                first.append(mid)
    rest = [m for m in members.values() if m.id not in first]
    return [m for m in ([members[i] for i in first] + rest) if m.id != req.author_id]


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
    ids = _id_list(errors, "helper_ids", helper_ids, MAX_HELPERS,
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
    reason = _text(errors, {"reason": data_reason}, "reason", LIMITS["reason"],
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
    text = _text(errors, {"reason": reason}, "reason", LIMITS["reason"])
    errors.raise_if_any()
    item.hidden_at, item.hidden_by_id, item.hidden_reason = None, None, ""
    record_change(item_type, item.id, user, "shown", reason=text)
    db.session.commit()
    return req


def hidden_by_name(item) -> str:
    if item.hidden_by_id is None:
        return ""
    member = db.session.get(Member, item.hidden_by_id)
    return member.name if member else ""


def organizers_of(req: HelpRequest) -> list[Member]:
    return list(db.session.scalars(
        select(Member).join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id.in_(group_ids_of(req)), Membership.role == Role.ORGANIZER.value)
        .distinct().order_by(Member.name)))


__all__ = ["ValidationFailed", "answer_request", "edit_request", "hide", "list_requests", "post_request",
           "show", "solve", "view", "withdraw_answer", "withdraw_request"]
