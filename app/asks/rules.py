"""Ask the network: the rules every channel shares -- limits, categories, how a viewer stands to a
request or an answer (app.visibility's rule with `app.auth.viewers.relation_to_item`), and the
validation of a request and an answer (`ValidationFailed` naming each field). Pure of writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth import permissions
from app.auth.viewers import relation_to_item
from app.extensions import db
from app.i18n import network_timezone
from app.input_guard import has_unstorable, int_in_range, normalize_newlines
from app.models import Group, Meeting, Member, Membership, utcnow
from app.models.meeting import MeetingStatus
from app.models.social import (
    AnswerKind,
    HelpRequest,
    RequestAnswer,
    RequestStatus,
)
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


def authenticated(user) -> bool:
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
    if not authenticated(user):
        return False
    ids = set(group_ids_of(req))
    return any(m.group_id in ids for m in user.memberships)


def can_moderate(user, req: HelpRequest) -> bool:
    """Organizers of one of the request's groups, and admins."""
    if not authenticated(user):
        return False
    if permissions.is_admin(user):
        return True
    ids = set(group_ids_of(req))
    return any(m.group_id in ids and m.is_organizer for m in user.memberships)


def is_active_member(user) -> bool:
    return authenticated(user) and bool(getattr(user, "active", True))


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


def clean_text(errors: FieldErrors, data: Mapping, name: str, limit: int, *,
               required_message: str | None = None, one_line: bool = False) -> str:
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


def id_list(errors: FieldErrors, name: str, value, limit: int, message: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or len(value) > limit or not all(is_id(v) for v in value):
        errors.add(name, message)
        return []
    return list(dict.fromkeys(value))


def my_groups(user) -> list[Group]:
    """The groups the user may ask: the groups they are a member of."""
    if not authenticated(user):
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
    title = clean_text(errors, data, "title", LIMITS["title"], one_line=True,
                  required_message=_("Please say what you need."))
    body = clean_text(errors, data, "body", LIMITS["body"])
    deadline = _deadline(errors, data.get("deadline"), today=local_today(),
                         old=editing.deadline if editing else None)
    category = _category(errors, data.get("category"))
    values = RequestData(title, body, deadline, category)
    if editing is None:
        mine = {g.id: g for g in my_groups(user)}
        ids = id_list(errors, "group_ids", data.get("group_ids"), MAX_GROUPS,
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


def names_someone(data: Mapping) -> bool:
    """Whether an answer names a person to talk to (a member or a name), whatever its kind says."""
    member_id = data.get("referred_member_id")
    name = data.get("referred_name")
    return (member_id not in (None, 0, "", "0", False)
            or (name not in (None, "") and not (isinstance(name, str) and not name.strip())))


def clean_answer(user, req: HelpRequest, data: Mapping, *,
                 editing: RequestAnswer | None = None) -> AnswerData:
    errors = FieldErrors()
    kind = data.get("kind") if editing is None else editing.kind
    if kind not in KINDS:
        errors.add("kind", _("Choose whether you can help or know someone who can."))
        kind = AnswerKind.OFFER.value
    elif kind == AnswerKind.OFFER.value and editing is None and names_someone(data):
        # A member chosen or a name typed is a "Tal med …" whatever the radio says: never drop it.
        kind = AnswerKind.REFERRAL.value
    body = clean_text(errors, data, "body", LIMITS["answer"],
                 required_message=_("Please write a few words to %(name)s.", name=req.author.name)
                 if kind == AnswerKind.OFFER.value else None)
    referred = None
    name = ""
    if kind == AnswerKind.REFERRAL.value:
        member_id = data.get("referred_member_id")
        name = clean_text(errors, data, "referred_name", LIMITS["referred_name"], one_line=True)
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
