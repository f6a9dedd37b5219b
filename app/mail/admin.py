"""The mail queue as admins see it (/admin/mail): counts, what is waiting or failing, and retries.

Read-only queries plus the two retry actions, each behind the admin check. The worker itself
lives in app/mail/outbox.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.auth import permissions
from app.extensions import db
from app.mail import outbox
from app.models import OutboxMessage, OutboxStatus, utcnow

LIST_LIMIT = 50
# Due messages older than this while nothing is being attempted suggest the worker is not running.
WORKER_STALL = timedelta(minutes=10)


@dataclass
class QueueReport:
    now: datetime
    counts: dict[str, int]
    due_now: int
    oldest_waiting: datetime | None  # when the oldest pending message was written
    next_attempt: datetime | None  # the earliest time a pending message will be (re)tried
    worker_stalled: bool  # a message has been due for WORKER_STALL: is `flask outbox send --loop` running?
    give_up_after: timedelta  # how long a failing message is retried (OUTBOX_GIVE_UP_AFTER_HOURS)
    retrying: list[OutboxMessage] = field(default_factory=list)  # pending after a failed attempt
    failed: list[OutboxMessage] = field(default_factory=list)  # newest first


def queue_report(user, now: datetime | None = None) -> QueueReport:
    """The queue's state for the admin page."""
    permissions.require(permissions.is_admin(user))
    now = now or utcnow()
    pending = OutboxMessage.status == OutboxStatus.PENDING.value
    oldest_waiting, next_attempt = db.session.execute(
        select(func.min(OutboxMessage.created_at), func.min(OutboxMessage.next_attempt_at)).where(pending)
    ).one()
    retrying = db.session.scalars(
        select(OutboxMessage).where(pending, OutboxMessage.last_error != "")
        .order_by(OutboxMessage.id).limit(LIST_LIMIT)
    ).all()
    failed = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED.value)
        .order_by(OutboxMessage.id.desc()).limit(LIST_LIMIT)
    ).all()
    return QueueReport(
        now=now,
        counts=outbox.status_counts(),
        due_now=outbox.due_count(now),
        oldest_waiting=oldest_waiting,
        next_attempt=next_attempt,
        worker_stalled=next_attempt is not None and next_attempt < now - WORKER_STALL,
        give_up_after=timedelta(hours=current_app.config["OUTBOX_GIVE_UP_AFTER_HOURS"]),
        retrying=list(retrying),
        failed=list(failed),
    )


def retry_failed_message(user, message_id: int) -> OutboxMessage:
    """Put one failed message back in the queue (admins only); NotFound or Conflict otherwise."""
    permissions.require(permissions.is_admin(user))
    return outbox.retry_message(message_id)


def retry_all_failed_messages(user) -> int:
    """Put every failed message back in the queue (admins only); returns how many."""
    permissions.require(permissions.is_admin(user))
    return outbox.retry_all_failed()
