"""The outbox worker: delivers due messages over SMTP, one message at a time, each under a lease.

Delivery is at-least-once, with a window of one message per worker. A worker *claims* the oldest
due message by moving its ``next_attempt_at`` a lease (OUTBOX_LEASE_SECONDS) into the future in a
short committed transaction (a conditional UPDATE, so two workers never claim the same message;
on PostgreSQL the candidate is picked with ``FOR UPDATE SKIP LOCKED``). No transaction is open
while the SMTP server has the message. As soon as the server accepts it, the message is marked
sent and committed -- before the next message is claimed. If the worker dies in between, the
message stays pending and claimed; once the lease expires another run sends the very same raw
text with the same Message-ID, so receivers can recognise (and drop) the duplicate. A dead
worker's claim is not taken over before its lease expires, so a message is never sent by two
workers at the same time while its first worker might still be talking to the server.

Failures: a permanent refusal (a 5xx answer to the message, e.g. an unknown recipient) fails the
message at once -- repeating it cannot help, and repeated bounces hurt the sender's reputation.
Anything else (connection refused, timeouts, 4xx answers) is retried with exponential backoff
(OUTBOX_BACKOFF_SECONDS doubling, at most OUTBOX_MAX_BACKOFF_SECONDS) until the message has been
failing for OUTBOX_GIVE_UP_AFTER_HOURS (two days by default, so a weekend's outage heals by
itself); then it is failed. `flask outbox retry` and /admin/mail put failed messages back.

Without MAIL_SERVER, in development (DEV_MAIL_PAGE), messages are "captured" instead: marked
sent with transport "captured", to be read at /dev/mail. Nothing leaves the machine.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from flask_mail import Connection, sanitize_address
from sqlalchemy import func, select, update

from app.errors import Conflict, NotFound
from app.extensions import db, mail
from app.models import OutboxMessage, OutboxStatus, utcnow

TRANSPORT_SMTP = "smtp"
TRANSPORT_CAPTURED = "captured"
MAX_BACKOFF = timedelta(hours=1)
ERROR_MAX_CHARS = 2000


Clock = Callable[[], datetime]


class OutboxNotConfigured(RuntimeError):
    """No MAIL_SERVER and not a development setup: refusing to pretend mail was sent."""


@dataclass
class SendResult:
    sent: int = 0  # accepted by the server (or captured)
    failed: int = 0  # given up on: status failed
    retried: int = 0  # this attempt failed; will be tried again later
    last_id: int = 0  # the highest message id this run claimed (a cursor for the next batch)

    @property
    def processed(self) -> int:
        return self.sent + self.failed + self.retried

    def add(self, other: SendResult) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.retried += other.retried
        self.last_id = max(self.last_id, other.last_id)


class _DeliveryError(Exception):
    """One failed attempt: what to record, and what it means for the message and the batch."""

    def __init__(self, text: str, *, permanent: bool = False, connection_lost: bool = False):
        super().__init__(text)
        self.text = text
        self.permanent = permanent
        self.connection_lost = connection_lost


def backoff_delay(attempts: int, base_seconds: int, cap: timedelta = MAX_BACKOFF) -> timedelta:
    """Wait before attempt number `attempts + 1`: base * 2**(attempts-1), at most `cap`."""
    if base_seconds <= 0 or attempts <= 0:
        return timedelta(0)
    exponent = min(attempts - 1, 32)  # 2**32 * base is far beyond any cap; avoids huge ints
    return min(timedelta(seconds=base_seconds * 2**exponent), cap)


def envelope_address(value: str) -> str:
    """The bare address for the SMTP envelope from "Name <addr>" or "addr" (IDN domains encoded)."""
    address = parseaddr(value)[1] or value.strip()
    return sanitize_address(("", address))


def transport_name() -> str:
    """"smtp" with a MAIL_SERVER, "captured" in development without one; otherwise an error."""
    config = current_app.config
    if config.get("MAIL_SERVER") and not config.get("MAIL_SUPPRESS_SEND"):
        return TRANSPORT_SMTP
    if config.get("DEV_MAIL_PAGE"):
        return TRANSPORT_CAPTURED
    raise OutboxNotConfigured("MAIL_SERVER is not set: the outbox cannot send mail")


class _SMTPBatch:
    """One SMTP connection for a batch, opened on first use through Flask-Mail's Connection.

    The Connection is built from the *current* config rather than the state Flask-Mail froze at
    start-up: Flask-Mail suppresses all sending when TESTING, while the outbox is itself the
    thing under test and talks to a real (test) server; and the settings stay changeable.
    """

    def __init__(self) -> None:
        self._connection: Connection | None = None

    def _host(self) -> smtplib.SMTP:
        if self._connection is None:
            config = current_app.config
            state = mail.init_mail(config, debug=current_app.debug, testing=False)
            connection = Connection(state)
            try:
                connection.__enter__()  # connects, STARTTLS, login
            except OSError as exc:  # smtplib.SMTPException is an OSError too
                raise _DeliveryError(_describe(exc), connection_lost=True) from exc
            timeout = config.get("OUTBOX_SMTP_TIMEOUT", 60)
            if connection.host is not None and connection.host.sock is not None and timeout:
                connection.host.sock.settimeout(timeout)
            self._connection = connection
        return self._connection.host

    def deliver(self, message: OutboxMessage) -> None:
        """Hand one message to the server; raises _DeliveryError unless every recipient was accepted."""
        host = self._host()
        recipients = [envelope_address(r) for r in message.recipient_list]
        try:
            refused = host.sendmail(envelope_address(message.sender), recipients,
                                    message.raw.encode("utf-8"))
        except OSError as exc:  # smtplib.SMTPException is an OSError too
            if isinstance(exc, smtplib.SMTPRecipientsRefused):
                error = _refusal(exc.recipients)
            else:
                # A 5xx answer to this message (552 too big, 554 rejected) is permanent: sending it
                # again gives the same answer. A refused *sender* is our setup (the network's
                # address, the relay's login), the same for every mail: retried while it is fixed.
                permanent = (isinstance(exc, smtplib.SMTPResponseException)
                             and not isinstance(exc, smtplib.SMTPSenderRefused)
                             and 500 <= exc.smtp_code < 600)
                error = _DeliveryError(_describe(exc), permanent=permanent)
            # A 4xx/5xx answer leaves the session usable (smtplib sent RSET), unless the server
            # hung up (421 closes it) or the socket failed: then this batch is over.
            answered = isinstance(exc, (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused))
            if not answered or host.sock is None:
                self._drop()
                error.connection_lost = True
            raise error from exc
        if refused:  # some recipients accepted, some refused
            raise _refusal(refused)

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and connection.host is not None:
            try:
                connection.host.close()
            except OSError:
                pass

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.__exit__(None, None, None)  # QUIT
            except OSError:
                if connection.host is not None:
                    connection.host.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}"


def _refusal(refused: dict[str, tuple[int, bytes | str]]) -> _DeliveryError:
    parts = []
    for address, (code, text) in refused.items():
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        parts.append(f"{code} {text} ({address})")
    permanent = bool(refused) and all(code >= 500 for code, _text in refused.values())
    return _DeliveryError("Recipient refused: " + "; ".join(parts), permanent=permanent)


def _claim_next(after_id: int, now: datetime) -> OutboxMessage | None:
    """Claim the oldest due pending message after `after_id` for one lease; None when none is due.

    The claim moves `next_attempt_at` to the end of the lease and counts the attempt, and it is
    committed before the message goes to the SMTP server: no transaction stays open during the
    send, and a worker that dies leaves the message to be tried again when the lease expires.
    """
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    while True:
        candidate = db.session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING.value,
                OutboxMessage.next_attempt_at <= now,
                OutboxMessage.id > after_id,
            )
            .order_by(OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if candidate is None:
            db.session.rollback()  # ends the read transaction
            return None
        # Conditional: another worker may have claimed it since (SQLite has no SKIP LOCKED).
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == candidate,
                OutboxMessage.status == OutboxStatus.PENDING.value,
                OutboxMessage.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + lease, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed:
            return db.session.get(OutboxMessage, candidate, populate_existing=True)
        after_id = candidate


def _release(message_id: int, now: datetime) -> None:
    """Give a claimed message back at once (the worker stops by an exception, not by dying)."""
    try:
        db.session.rollback()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING.value)
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except Exception:  # the database may be what failed; the lease then expires by itself
        db.session.rollback()


def _record_failure(message: OutboxMessage, error: _DeliveryError, result: SendResult,
                    now: datetime) -> None:
    config = current_app.config
    message.last_error = error.text[:ERROR_MAX_CHARS]
    if message.failing_since is None:
        message.failing_since = now
    give_up_after = timedelta(hours=config["OUTBOX_GIVE_UP_AFTER_HOURS"])
    max_attempts = config.get("OUTBOX_MAX_ATTEMPTS") or 0  # 0: no limit by count, only by time
    if (error.permanent or now - message.failing_since >= give_up_after
            or (max_attempts and message.attempts >= max_attempts)):
        message.status = OutboxStatus.FAILED.value
        result.failed += 1
        current_app.logger.error("Outbox message %s failed for good: %s", message.id, error.text)
    else:
        message.next_attempt_at = now + backoff_delay(
            message.attempts, config["OUTBOX_BACKOFF_SECONDS"],
            timedelta(seconds=config["OUTBOX_MAX_BACKOFF_SECONDS"]))
        result.retried += 1
        current_app.logger.warning("Outbox message %s attempt %s failed: %s",
                                   message.id, message.attempts, error.text)


def send_pending(batch_size: int = 50, *, progress: Callable[[int], object] | None = None,
                 after_id: int = 0, stop: Callable[[], bool] | None = None,
                 clock: Clock = utcnow) -> SendResult:
    """Deliver up to `batch_size` due messages (ids above `after_id`), committing each one.

    Returns the counts; `progress(1)` is called after each message. A lost connection ends the
    batch early (the server is unreachable; no need to count an attempt against every message).
    `clock` gives the current time (tests pass their own). Call it outside any other
    transaction: it commits.
    """
    transport = transport_name()
    result = SendResult(last_id=after_id)
    smtp = _SMTPBatch()
    try:
        while result.processed < batch_size and not (stop and stop()):
            message = _claim_next(result.last_id, clock())
            if message is None:
                break
            result.last_id = message.id
            lost = False
            try:
                if transport == TRANSPORT_SMTP:
                    smtp.deliver(message)
            except _DeliveryError as error:
                _record_failure(message, error, result, clock())
                lost = error.connection_lost
            except BaseException:
                _release(message.id, clock())  # delivery unknown: due again, sent again as it is
                raise
            else:
                message.status = OutboxStatus.SENT.value
                message.sent_at = clock()
                message.last_error = ""
                message.failing_since = None
                message.transport = transport
                result.sent += 1
            db.session.commit()  # "sent" is stored before the next message is claimed
            if progress is not None:
                progress(1)
            if lost:
                break
    except BaseException:
        db.session.rollback()
        raise
    finally:
        smtp.close()
    return result


def send_all_due(batch_size: int = 50, *, progress: Callable[[int], object] | None = None,
                 stop: Callable[[], bool] | None = None, clock: Clock = utcnow) -> SendResult:
    """One pass over every due message, batch after batch; a message is tried at most once."""
    total = SendResult()
    while not (stop and stop()):
        result = send_pending(batch_size, progress=progress, after_id=total.last_id, stop=stop,
                              clock=clock)
        total.add(result)
        if result.processed < batch_size:
            break
    return total


def due_count(now: datetime | None = None) -> int:
    """How many pending messages are due now (a message being sent is due when its lease ends)."""
    stmt = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.status == OutboxStatus.PENDING.value,
        OutboxMessage.next_attempt_at <= (now or utcnow()),
    )
    return db.session.scalar(stmt) or 0


def status_counts() -> dict[str, int]:
    """Number of messages per status (every status present, zero when none)."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
    ).all()
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update({status: count for status, count in rows})
    return counts


def _reset(message: OutboxMessage) -> None:
    message.status = OutboxStatus.PENDING.value
    message.attempts = 0
    message.failing_since = None
    message.next_attempt_at = utcnow()


def retry_message(message_id: int) -> OutboxMessage:
    """Put one failed message back in the queue, due now, with a fresh set of attempts."""
    # Ids are 32-bit integers in the database; PostgreSQL refuses a larger one with an error.
    message = db.session.get(OutboxMessage, message_id) if 0 < message_id < 2**31 else None
    if message is None:
        raise NotFound(f"No outbox message {message_id}")
    if message.status != OutboxStatus.FAILED.value:
        raise Conflict(f"Outbox message {message_id} is {message.status}, not failed")
    _reset(message)
    db.session.commit()
    return message


def retry_all_failed() -> int:
    """Put every failed message back in the queue; returns how many."""
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED.value)
    ).all()
    for message in messages:
        _reset(message)
    db.session.commit()
    return len(messages)


def recent_messages(limit: int = 200) -> list[OutboxMessage]:
    """The newest outbox messages first (for the development mail page)."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


def get_message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id) if 0 < message_id < 2**31 else None
    if message is None:
        raise NotFound()
    return message
