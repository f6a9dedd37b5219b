"""What admins see of the inbound mail (/admin/mail/inbound): the list and one message."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth import permissions
from app.errors import NotFound
from app.extensions import db
from app.inbound.parse import parse_message
from app.models.calendar import InboundMail, InboundOutcome
from app.pagination import Page, paginate

PER_PAGE = 25
SHOW_RAW_CHARS = 200_000  # of the kept raw text shown on the page; the download has it all
OUTCOMES = tuple(o.value for o in InboundOutcome)


def inbound_list(user, *, page: int = 1, outcome: str | None = None) -> Page:
    """Newest first, optionally only one outcome (an unknown one: no filter)."""
    permissions.require(permissions.is_admin(user))
    query = (select(InboundMail).options(selectinload(InboundMail.member), selectinload(InboundMail.meeting))
             .order_by(InboundMail.received_at.desc(), InboundMail.id.desc()))
    if outcome in OUTCOMES:
        query = query.where(InboundMail.outcome == outcome)
    return paginate(query, page, PER_PAGE)


@dataclass
class InboundView:
    mail: InboundMail
    headers: list[tuple[str, str]]
    text: str  # the raw message as text (undecodable bytes replaced), at most SHOW_RAW_CHARS
    text_cut: bool  # the text shown is shorter than what is kept


def inbound_mail(user, mail_id: int) -> InboundView:
    mail, raw = raw_of(user, mail_id)
    headers = parse_message(raw[:SHOW_RAW_CHARS], max_bytes=0).headers
    text = raw[:SHOW_RAW_CHARS].decode("utf-8", "replace").replace("\x00", "\ufffd")
    return InboundView(mail, headers, text, len(raw) > SHOW_RAW_CHARS)


def raw_of(user, mail_id: int) -> tuple[InboundMail, bytes]:
    """The message and its kept bytes (admins only)."""
    permissions.require(permissions.is_admin(user))
    mail = db.session.get(InboundMail, mail_id)
    if mail is None:
        raise NotFound()
    return mail, bytes(mail.raw or b"")
