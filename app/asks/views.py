"""Ask the network: what a viewer may read -- one request with the answers the rule lets them see,
the lists (/asks, the API's group list) and the hooks on the meeting and group pages. Every query
leaves out what app.visibility's rule hides (withdrawn items; hidden ones for the other members).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.asks.rules import (
    EXPIRED,
    OPEN,
    SOLVED,
    STATUSES,
    authenticated,
    can_moderate,
    fields_of_answer,
    fields_of_request,
    group_ids_of,
    is_active_member,
    is_group_member,
    is_id,
    referable_members,
    relation_to_request,
)
from app.auth import permissions
from app.db_locks import begin_write, lock_for_update, locked
from app.errors import NotFound, PermissionDenied
from app.extensions import db
from app.input_guard import has_unstorable
from app.models import Group, Meeting, Member, Membership, Role
from app.models.social import (
    HelpRequest,
    RequestAnswer,
    help_request_groups,
)
from app.pagination import Page, paginate
from app.visibility import Relation

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
    is_asker = authenticated(user) and req.author_id == user.id
    return RequestView(
        request=req, fields=fields, relation=relation, answers=answers, is_asker=is_asker,
        can_answer=(req.is_open and not req.is_hidden and not is_asker and is_active_member(user)
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
    if not authenticated(user):
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
    if not authenticated(user):
        raise PermissionDenied()
    if not (permissions.is_admin(user) or permissions.is_member_of(user, group)):
        raise PermissionDenied(_("Only the members of %(group)s see its requests.", group=group.name))
    return group


def for_meeting(user, meeting: Meeting) -> list[HelpRequest]:
    """The open requests raised at this meeting that the user may see (the meeting page's hook;
    hidden ones stay on the request list for their asker and the organizers, not here). One query."""
    if not authenticated(user):
        return []
    query = select(HelpRequest).where(
        HelpRequest.raise_at_meeting_id == meeting.id, HelpRequest.status == OPEN,
        HelpRequest.withdrawn_at.is_(None), HelpRequest.hidden_at.is_(None))
    if not permissions.is_admin(user):  # the rule for a visible request: its groups' members and the asker
        mine = [m.group_id for m in user.memberships]
        query = query.where(or_(HelpRequest.author_id == user.id, exists().where(
            help_request_groups.c.request_id == HelpRequest.id, help_request_groups.c.group_id.in_(mine))))
    return list(db.session.scalars(query.options(joinedload(HelpRequest.author))
                                   .order_by(HelpRequest.created_at, HelpRequest.id)))


def latest_for_group(user, group: Group, limit: int = 3) -> tuple[list[HelpRequest], bool]:
    """The group's newest open requests the user may see, and whether there are more (the group
    page; hidden ones are left out here too). One query."""
    if not authenticated(user) or not (permissions.is_admin(user) or permissions.is_member_of(user, group)):
        return [], False
    rows = list(db.session.scalars(
        select(HelpRequest).where(
            HelpRequest.status == OPEN, HelpRequest.withdrawn_at.is_(None), HelpRequest.hidden_at.is_(None),
            exists().where(help_request_groups.c.request_id == HelpRequest.id,
                           help_request_groups.c.group_id == group.id))
        .options(joinedload(HelpRequest.author))
        .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


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



def helper_choice_groups(req: HelpRequest) -> tuple[list[Member], list[Member]]:
    """Whom the asker may name, in two lists: those who answered or were named in an answer, and the
    rest of the groups' members."""
    members = {m.id: m for m in referable_members(req) if m.id != req.author_id}
    first: list[int] = []
    for answer in req.answers:
        if answer.is_withdrawn:
            continue
        for mid in (answer.author_id, answer.referred_member_id):
            if mid and mid in members and mid not in first:
                first.append(mid)
    return [members[i] for i in first], [m for m in members.values() if m.id not in first]


def helper_choices(req: HelpRequest) -> list[Member]:
    """Whom the asker may name: answer authors and referred members first, then the groups' members."""
    first, rest = helper_choice_groups(req)
    return first + rest



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
