"""Retention: delete what is no longer needed after the documented periods (docs/privacy.md).

- the bodies of sent or given-up mails after OUTBOX_BODY_RETENTION_DAYS (the row stays: recipient,
  subject, status and dates, for the mail log); pending mails are never touched;
- used, revoked or expired login links, login attempts and ended logins after
  LOGIN_RECORD_RETENTION_DAYS (links and logins that still work are kept);
- inbound mails (calendar replies, kept raw) after INBOUND_RETENTION_DAYS;
- visitors' requests ("kom som gæst / bliv medlem") after VISITOR_REQUEST_RETENTION_DAYS.

A period below 1 day turns that part off. Running it again deletes nothing more (idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, delete, func, or_, select, update

from app.extensions import db
from app.models import (
    InboundMail,
    LoginAttempt,
    LoginSession,
    LoginToken,
    OutboxMessage,
    OutboxStatus,
    VisitorRequest,
)

DONE = (OutboxStatus.SENT.value, OutboxStatus.FAILED.value)


@dataclass(frozen=True)
class PurgeResult:
    outbox_bodies: int
    login_links: int
    login_attempts: int
    login_sessions: int
    inbound_mails: int
    visitor_requests: int

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def _cutoff(setting: str, now: datetime) -> datetime | None:
    days = int(current_app.config.get(setting) or 0)
    return now - timedelta(days=days) if days >= 1 else None


def _count(statement: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Delete what is past its retention; committed unless `dry_run` (then only counted)."""
    now = now or datetime.now(UTC)
    counts: dict[str, int] = {}

    def run(name: str, ids: Select, change) -> None:
        counts[name] = _count(ids)
        if not dry_run and counts[name]:
            db.session.execute(change.execution_options(synchronize_session=False))

    outbox = _cutoff("OUTBOX_BODY_RETENTION_DAYS", now)
    if outbox is not None:
        done_before = (OutboxMessage.status.in_(DONE), OutboxMessage.raw != "",
                       func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < outbox,
                       OutboxMessage.created_at < outbox)
        run("outbox_bodies", select(OutboxMessage.id).where(*done_before),
            update(OutboxMessage).where(*done_before).values(raw=""))
    logins = _cutoff("LOGIN_RECORD_RETENTION_DAYS", now)
    if logins is not None:
        old_links = (or_(LoginToken.expires_at < logins, LoginToken.used_at < logins,
                         LoginToken.revoked_at < logins),)
        run("login_links", select(LoginToken.id).where(*old_links), delete(LoginToken).where(*old_links))
        old_attempts = (LoginAttempt.created_at < logins,)
        run("login_attempts", select(LoginAttempt.id).where(*old_attempts),
            delete(LoginAttempt).where(*old_attempts))
        ended = (or_(LoginSession.revoked_at < logins, LoginSession.expires_at < logins),)
        run("login_sessions", select(LoginSession.id).where(*ended), delete(LoginSession).where(*ended))
    inbound = _cutoff("INBOUND_RETENTION_DAYS", now)
    if inbound is not None:
        old_mail = (InboundMail.received_at < inbound,)
        run("inbound_mails", select(InboundMail.id).where(*old_mail), delete(InboundMail).where(*old_mail))
    visitors = _cutoff("VISITOR_REQUEST_RETENTION_DAYS", now)
    if visitors is not None:
        old_requests = (VisitorRequest.created_at < visitors,)
        run("visitor_requests", select(VisitorRequest.id).where(*old_requests),
            delete(VisitorRequest).where(*old_requests))
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    names = ("outbox_bodies", "login_links", "login_attempts", "login_sessions", "inbound_mails",
             "visitor_requests")
    return PurgeResult(**{name: counts.get(name, 0) for name in names})
