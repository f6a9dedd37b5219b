"""Helpers for the notices tests (instant mails, digests, expiry): a request posted the way the asks
service posts it (flushed with its groups, `request_posted` sent, committed), and reading mails."""

from __future__ import annotations

import email
from datetime import datetime
from email import policy

from sqlalchemy import select

from app import events
from app.extensions import db
from app.models import OutboxMessage
from app.models.social import HelpRequest, RequestNotice


def post_request(author, groups, title="En bogholder med forstand på byggeri", *, created_at=None,
                 signal=True, **kwargs) -> HelpRequest:
    """A new open request as app.asks.services posts it; `created_at` places it in time."""
    request = HelpRequest(author_id=author.id, title=title, **kwargs)
    if created_at is not None:
        request.created_at = created_at
        request.updated_at = created_at
    request.groups = list(groups)
    db.session.add(request)
    db.session.flush()
    if signal:
        events.request_posted.send(request)
    db.session.commit()
    return request


def mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                   .order_by(OutboxMessage.id)))


def recipients(kind: str) -> list[str]:
    return sorted(m.recipients for m in mails(kind))


def text_of(message: OutboxMessage) -> str:
    parsed = email.message_from_bytes(message.raw.encode("utf-8"), policy=policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


def html_of(message: OutboxMessage) -> str:
    parsed = email.message_from_bytes(message.raw.encode("utf-8"), policy=policy.default)
    return parsed.get_body(preferencelist=("html",)).get_content()


def subject_of(message: OutboxMessage) -> str:
    parsed = email.message_from_bytes(message.raw.encode("utf-8"), policy=policy.default)
    return str(parsed["Subject"])


def notices_of(member) -> dict[int, str]:
    """{request id: channel} of the member's notices."""
    return dict(db.session.execute(select(RequestNotice.request_id, RequestNotice.channel)
                                   .where(RequestNotice.member_id == member.id)).all())


def at(text: str) -> datetime:
    """An aware datetime from ISO text."""
    return datetime.fromisoformat(text)
