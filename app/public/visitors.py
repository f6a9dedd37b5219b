""""Kom som gæst / bliv medlem": a visitor's request to a public group's organizers.

Spam protection without a third party:
- a signed time token (itsdangerous) issued with the form: a post is taken seriously only if the
  form was shown at least VISITOR_FORM_MIN_SECONDS ago and at most VISITOR_FORM_MAX_SECONDS ago;
- a honeypot field that people never see (hidden by CSS, aria-hidden, out of the tab order) and
  bots fill in;
- a rate limit per address (app.public.routes) and a cap on the message's length.
A bot's post gets the same confirmation as a person's, but nothing is stored or sent, so it learns
nothing. A real request is stored (VisitorRequest, deleted after VISITOR_REQUEST_RETENTION_DAYS)
and mailed to each organizer through the outbox in their own language.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from app.auth import permissions
from app.errors import NotFound, PermissionDenied
from app.extensions import db
from app.mail.services import enqueue_mail
from app.members.normalize import normalize_phone, phone_is_valid
from app.models import (
    Group,
    Meeting,
    Member,
    Membership,
    Role,
    VisitorRequest,
    VisitorRequestKind,
    utcnow,
)
from app.public.services import public_meetings
from app.validation import FieldErrors, phone_message

TOKEN_SALT = "kaffeklub.public.visitor-form"  # noqa: S105 (a salt, not a secret)
LIMITS = {"name": 200, "email": 254, "phone": 40, "company": 200, "message": 2000}
KINDS = (VisitorRequestKind.GUEST.value, VisitorRequestKind.MEMBER.value)


# --- the time token ------------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def issue_form_token(group: Group, *, issued_at: float | None = None) -> str:
    """A signed token saying when this group's form was shown."""
    return _serializer().dumps({"g": group.id, "t": int(issued_at if issued_at is not None else time.time())})


class TokenCheck:
    OK = "ok"
    TOO_FAST = "too_fast"  # posted sooner than a person could (a bot): silently dropped
    EXPIRED = "expired"  # over a day old: the form is shown again
    INVALID = "invalid"  # missing, forged or for another group: silently dropped


def check_form_token(group: Group, token: object, *, now: float | None = None) -> str:
    """Whether a posted token is a fresh, honest one for this group's form (a TokenCheck value)."""
    if not isinstance(token, str) or not token or len(token) > 500:
        return TokenCheck.INVALID
    try:
        data = _serializer().loads(token)
    except (BadSignature, UnicodeError, ValueError):
        return TokenCheck.INVALID
    if not isinstance(data, dict) or data.get("g") != group.id or not isinstance(data.get("t"), int):
        return TokenCheck.INVALID
    age = (now if now is not None else time.time()) - data["t"]
    config = current_app.config
    if age < config["VISITOR_FORM_MIN_SECONDS"]:
        return TokenCheck.TOO_FAST
    if age > config["VISITOR_FORM_MAX_SECONDS"]:
        return TokenCheck.EXPIRED
    return TokenCheck.OK


# --- the request ---------------------------------------------------------------------------------

@dataclass
class VisitorData:
    kind: str
    name: str
    email: str
    phone: str = ""
    company: str = ""
    meeting_id: int | None = None
    message: str = ""
    language: str = "da"


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


def _clean(group: Group, data: VisitorData) -> tuple[dict, Meeting | None]:
    """The request's values, or ValidationFailed naming every field that is wrong."""
    errors = FieldErrors()
    values = {key: _text(getattr(data, key)) for key in ("name", "email", "phone", "company", "message")}
    values["message"] = values["message"].replace("\r\n", "\n").replace("\r", "\n")
    kind = _text(data.kind)
    if kind not in KINDS:
        errors.add("kind", _("Please choose whether you would like to come as a guest or become a member."))
    if not values["name"]:
        errors.add("name", _("Please enter your name."))
    for key, limit in LIMITS.items():
        if len(values[key]) > limit:
            errors.add(key, _("Use at most %(count)d characters.", count=limit))
    if "email" not in errors:
        try:
            values["email"] = validate_email(values["email"], check_deliverability=False,
                                             test_environment=current_app.testing).normalized
        except EmailNotValidError:
            errors.add("email", _("Enter a valid email address."))
    if values["phone"] and "phone" not in errors:
        values["phone"] = normalize_phone(values["phone"])
        if not phone_is_valid(values["phone"]):
            errors.add("phone", phone_message())
    meeting = None
    if data.meeting_id is not None and kind == VisitorRequestKind.GUEST.value:
        meeting = next((m for m in public_meetings(group, limit=None) if m.id == data.meeting_id), None)
        if meeting is None:
            errors.add("meeting_id", _("Please choose one of the coming meetings."))
    errors.raise_if_any()
    values["kind"] = kind
    return values, meeting


def _organizers(group: Group) -> list[Member]:
    return list(db.session.scalars(
        select(Member).join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id == group.id, Membership.role == Role.ORGANIZER.value,
               Member.active.is_(True), Member.deleted_at.is_(None))
        .order_by(Member.name, Member.id)))


def submit_visitor_request(group: Group, data: VisitorData) -> VisitorRequest:
    """Store a visitor's request and mail the group's organizers (each in their language); commits."""
    if not group.is_public:
        raise NotFound()
    values, meeting = _clean(group, data)
    repeated = _same_request_lately(group, values)
    if repeated is not None:
        # A double click, or Back and send again: the organizers already have it.
        return repeated
    language = data.language if data.language in current_app.config["LANGUAGES"] else "da"
    visitor_request = VisitorRequest(group=group, meeting=meeting, language=language, **values)
    db.session.add(visitor_request)
    db.session.flush()
    for organizer in _organizers(group):
        # Reply goes to the visitor, not to the network's sender address.
        enqueue_mail(organizer, "visitor_request", kind="visitor_request", group=group,
                     visitor=visitor_request, meeting=meeting, requests_url=_requests_url(group),
                     reply_to=(visitor_request.name, visitor_request.email))
    db.session.commit()
    return visitor_request


REPEAT_WINDOW = timedelta(minutes=30)


def _same_request_lately(group: Group, values: dict) -> VisitorRequest | None:
    """The same visitor's same kind of request to this group within REPEAT_WINDOW, if any."""
    return db.session.scalars(
        select(VisitorRequest).where(
            VisitorRequest.group_id == group.id, VisitorRequest.kind == values["kind"],
            func.lower(VisitorRequest.email) == str(values["email"]).lower(),
            VisitorRequest.created_at >= utcnow() - REPEAT_WINDOW)
        .order_by(VisitorRequest.id.desc()).limit(1)).first()


def _requests_url(group: Group) -> str:
    from app.auth.tokens import external_url

    return external_url("public.visitor_requests", slug=group.slug)


# --- the organizers' list -----------------------------------------------------------------------

def _require_organizer(user, group: Group) -> None:
    if not permissions.can_manage_group(user, group):
        raise PermissionDenied()


def list_visitor_requests(user, group: Group) -> list[VisitorRequest]:
    """The group's visitor requests, newest first, for its organizers and admins."""
    _require_organizer(user, group)
    return list(db.session.scalars(
        select(VisitorRequest).where(VisitorRequest.group_id == group.id)
        .order_by(VisitorRequest.created_at.desc(), VisitorRequest.id.desc())))


def mark_handled(user, group: Group, request_id: int) -> VisitorRequest:
    """An organizer has taken care of the request; commits. Marking it twice changes nothing."""
    _require_organizer(user, group)
    visitor_request = db.session.get(VisitorRequest, request_id)
    if visitor_request is None or visitor_request.group_id != group.id:
        raise NotFound()
    if visitor_request.handled_at is None:
        visitor_request.handled_at = utcnow()
        visitor_request.handled_by_id = user.id
        db.session.commit()
    return visitor_request


def retention_days() -> int:
    return int(current_app.config["VISITOR_REQUEST_RETENTION_DAYS"])


def deleted_after(visitor_request: VisitorRequest):
    """When `flask privacy purge` deletes the request."""
    return visitor_request.created_at + timedelta(days=retention_days())
