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


def run_overlapping(app, tmp_path, work, *, key: int = 434343) -> list:
    """Run `work()` in two threads at once, made to overlap for certain: the first to take its claim
    is held right after it (app.db_locks.locked, ROW_LOCK_TEST_HOLD) until the second is waiting for
    the same row (PostgreSQL) or for the write lock (SQLite). Returns both results."""
    import fcntl
    import threading

    from sqlalchemy import text

    from tests.waiting import wait_for

    postgres = db.engine.dialect.name == "postgresql"
    hold_key = key if postgres else str(tmp_path / "hold")
    arrived = tmp_path / "arrived"
    app.config.update(ROW_LOCK_TEST_HOLD=hold_key, ROW_LOCK_TEST_ARRIVED_FILE=str(arrived))
    results: list = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=60)
                results.append(work())
        except BaseException as exc:  # reported below
            errors.append(exc)

    holder = db.engine.connect() if postgres else open(hold_key, "w")  # noqa: SIM115
    threads = [threading.Thread(target=run) for _ in range(2)]
    try:
        if postgres:
            holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": hold_key})
            holder.commit()
        else:
            fcntl.flock(holder, fcntl.LOCK_EX)
        for thread in threads:
            thread.start()
        if postgres:
            def both_waiting() -> bool:
                waits = holder.execute(text(
                    "SELECT wait_event FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()")).scalars().all()
                holder.commit()
                return "advisory" in waits and len(waits) == 2
            wait_for(both_waiting, "one run holding the claim and the other waiting for it")
        else:
            wait_for(lambda: arrived.exists() and len(arrived.read_text().split()) == 2,
                     "both runs asking for the write lock")
    finally:
        if postgres:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": hold_key})
            holder.commit()
            holder.close()
        else:
            fcntl.flock(holder, fcntl.LOCK_UN)
            holder.close()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results
