"""The outbox worker: delivers due messages over SMTP, a batch at a time, each message under a lease.

Delivery is at-least-once, with a window of one message per worker:

- *Claim*: the worker takes up to CLAIM_SIZE (50) of the oldest due messages at once with one
  conditional UPDATE ... RETURNING, committed before anything goes to the SMTP server: it moves
  their ``next_attempt_at`` a lease (OUTBOX_LEASE_SECONDS) into the future and counts the attempt.
  On PostgreSQL the candidates are picked with ``FOR UPDATE SKIP LOCKED`` and the UPDATE re-checks
  that each is still pending and due; on SQLite the statement runs under the database's write
  lock. So two workers never hold the same message.
- *Send*: the claimed messages go one after the other over one SMTP connection. No transaction is
  open while the server has a message (the worker uses a connection of its own in autocommit
  mode: each claim, mark and release is one statement).
- *Mark*: each message the server accepted is stored as sent in its own small commit, right
  after the server's "250" and before the next message is handed over. So when a worker dies, at
  most one message the server had accepted is not yet marked: once the lease expires another run
  sends the very same raw text with the same Message-ID, so receivers can recognise (and drop)
  the duplicate. The rest of a dead worker's claim (messages never handed
  to the server) also waits for the lease -- up to 50 messages are delayed, none is lost or sent
  twice. A worker that stops by itself (a stop request, a lost connection, an exception) gives
  its untried messages back at once, with their attempt uncounted.
- The marks are committed *cheaply*: on PostgreSQL with ``synchronous_commit = off`` (the commit
  does not wait for the WAL flush; a crash of the *database server* can lose the last ~0.6 s of
  marks -- never claims, which stay synchronous), on SQLite with ``synchronous = NORMAL`` in WAL
  mode (no fsync; a power loss or OS crash, which kills the worker too, can lose the marks since
  the last checkpoint). Those messages are then sent again after their lease, with the same
  Message-ID: the same kind of duplicate as above, in a rarer case. The connection is set back
  to durable commits before it returns to the pool.
- A dead worker's claim is not taken over before its lease expires, and a worker does not start
  a message in the second half of its lease (it gives the rest back and claims afresh), so a
  message is never sent by two workers at the same time while the first might still be talking
  to the server.

Failures: a permanent refusal (a 5xx answer to the message, e.g. an unknown recipient) fails the
message at once -- repeating it cannot help, and repeated bounces hurt the sender's reputation.
Anything else (connection refused, timeouts, 4xx answers) is retried with exponential backoff
(OUTBOX_BACKOFF_SECONDS doubling, at most OUTBOX_MAX_BACKOFF_SECONDS) until the message has been
failing for OUTBOX_GIVE_UP_AFTER_HOURS (two days by default, so a weekend's outage heals by
itself); then it is failed. A lost connection ends the batch: the message in flight counts one
attempt, the rest of the claim is given back untried. `flask outbox retry` and /admin/mail put
failed messages back.

Without MAIL_SERVER, in development (DEV_MAIL_PAGE), messages are "captured" instead: marked
sent with transport "captured", to be read at /dev/mail. Nothing leaves the machine.
"""

from __future__ import annotations

import re
import smtplib
from collections import deque
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
CLAIM_SIZE = 50  # messages claimed by one UPDATE (at most this many wait for a dead worker's lease)


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


# A bare ASCII address needs no parsing: parseaddr and sanitize_address give it back unchanged.
_BARE_ASCII_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")


def envelope_address(value: str) -> str:
    """The bare address for the SMTP envelope from "Name <addr>" or "addr" (IDN domains encoded)."""
    if _BARE_ASCII_ADDRESS.fullmatch(value):
        return value
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


@dataclass
class _Claimed:
    """A message this worker holds under a lease: the columns the send needs, read by the claim."""

    id: int
    sender: str
    recipients: str
    raw: str
    attempts: int  # this attempt included
    failing_since: datetime | None
    lease_end: datetime  # its next_attempt_at while the claim is ours

    @property
    def recipient_list(self) -> list[str]:
        return [r for r in self.recipients.split(",") if r]


_TABLE = OutboxMessage.__table__
# "sent" for one message, run on the driver's own cursor (psycopg prepares it on the server after
# its fifth run): it runs once per message, and SQLAlchemy's statement handling would add about
# half of what the database costs (measured: ~40 vs ~65 us on SQLite, ~150 vs ~200 us on PostgreSQL).
_MARK_SENT_SQL = ("UPDATE outbox_messages SET status = 'sent', sent_at = {at}, last_error = '', "
                  "failing_since = NULL, transport = {via} WHERE id = {message}")
_PLACEHOLDERS = {"postgresql": "%({})s", "sqlite": ":{}"}


class _Store:
    """The worker's own database connection for one batch, in autocommit mode: each claim, mark
    and release is one statement, and so one transaction, and one round trip on PostgreSQL.

    Claims, failures and releases are committed durably. The "sent" marks are committed cheaply
    (see the module doc): PostgreSQL `synchronous_commit = off`, SQLite `synchronous = NORMAL`
    (in WAL mode no fsync). The connection is set back before it returns to the pool, or thrown
    away if that fails, so no other use of it ever commits cheaply.
    """

    def __init__(self) -> None:
        self.connection = db.engine.connect()
        self.connection.execution_options(isolation_level="AUTOCOMMIT")
        self.dialect = self.connection.dialect.name
        self._cheap = False
        placeholder = _PLACEHOLDERS[self.dialect]
        self._mark_sql = _MARK_SENT_SQL.format(
            **{name: placeholder.format(name) for name in ("at", "via", "message")})
        self._time = _TABLE.c.sent_at.type.bind_processor(self.connection.dialect) or (lambda t: t)
        self._cursor = None

    def _sync(self, cheap: bool) -> None:
        if cheap == self._cheap:
            return
        if self.dialect == "postgresql":
            self.connection.exec_driver_sql(f"SET synchronous_commit = {'off' if cheap else 'on'}")
        elif self.dialect == "sqlite":
            self.connection.exec_driver_sql(f"PRAGMA synchronous = {'NORMAL' if cheap else 'FULL'}")
        self._cheap = cheap

    def durable(self, statement, parameters=None):
        self._sync(False)
        return self.connection.execute(statement, parameters)

    def mark_sent(self, message: _Claimed, transport: str, now: datetime) -> None:
        """Store "sent" for one message the server accepted, before the next one is sent."""
        self._sync(True)
        if self._cursor is None:
            self._cursor = self.connection.connection.dbapi_connection.cursor()
        self._cursor.execute(self._mark_sql, {"message": message.id, "at": self._time(now), "via": transport})

    def close(self) -> None:
        try:
            if self._cursor is not None:
                self._cursor.close()
            self._sync(False)
        except Exception:
            self.connection.invalidate()  # never back into the pool committing cheaply
        finally:
            self.connection.close()


def _claim(store: _Store, limit: int, after_id: int, now: datetime) -> list[_Claimed]:
    """Claim up to `limit` due pending messages after `after_id`, oldest first, for one lease.

    One conditional UPDATE ... RETURNING, committed (durably) before any of them goes to the SMTP
    server: it moves each message's `next_attempt_at` to the end of the lease and counts the
    attempt. On PostgreSQL the candidates are picked with FOR UPDATE SKIP LOCKED (two workers
    skip each other's rows instead of waiting), and the UPDATE re-checks that each is still
    pending and due, so a message is never claimed twice; SQLite runs the one statement under
    its database write lock.
    """
    lease_end = now + timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    due = (_TABLE.c.status == OutboxStatus.PENDING.value, _TABLE.c.next_attempt_at <= now)
    candidates = (select(_TABLE.c.id).where(*due, _TABLE.c.id > after_id)
                  .order_by(_TABLE.c.id).limit(limit))
    # The candidates in a CTE (run once; as `IN (subquery)` PostgreSQL's planner may rescan it
    # inside a join, and concurrent workers then came away with nothing). SQLite leaves out the
    # FOR UPDATE (its one writer holds the database lock) and runs the same UPDATE ... FROM.
    chosen = candidates.with_for_update(skip_locked=True).cte("claimable")
    rows = store.durable(
        update(_TABLE)
        .where(_TABLE.c.id == chosen.c.id, *due)
        .values(next_attempt_at=lease_end, attempts=_TABLE.c.attempts + 1)
        .returning(_TABLE.c.id, _TABLE.c.sender, _TABLE.c.recipients, _TABLE.c.raw,
                   _TABLE.c.attempts, _TABLE.c.failing_since)
    ).all()
    return sorted((_Claimed(*row, lease_end=lease_end) for row in rows), key=lambda m: m.id)


def _release(store: _Store, messages: list[_Claimed], now: datetime, *, attempted: bool) -> None:
    """Give claimed messages back at once, due `now` (the worker stops by an exception, a lost
    connection or a stop request -- not by dying). Messages never handed to the server
    (`attempted=False`) get their attempt back. Only what is still ours under this lease is
    touched; if the database is what failed, the lease expires by itself."""
    if not messages:
        return
    try:
        store.durable(
            update(_TABLE)
            .where(_TABLE.c.id.in_([m.id for m in messages]),
                   _TABLE.c.status == OutboxStatus.PENDING.value,
                   _TABLE.c.next_attempt_at == messages[0].lease_end)
            .values(next_attempt_at=now, attempts=_TABLE.c.attempts - (0 if attempted else 1))
        )
    except Exception:
        current_app.logger.warning("Outbox: could not give back %s claimed message(s); they are "
                                   "due again when their lease ends", len(messages), exc_info=True)


def _record_failure(store: _Store, message: _Claimed, error: _DeliveryError, result: SendResult,
                    now: datetime) -> None:
    """Store a failed attempt: failed for good, or due again after the backoff."""
    config = current_app.config
    failing_since = message.failing_since or now
    values: dict[str, object] = {"last_error": error.text[:ERROR_MAX_CHARS],
                                 "failing_since": failing_since}
    give_up_after = timedelta(hours=config["OUTBOX_GIVE_UP_AFTER_HOURS"])
    max_attempts = config.get("OUTBOX_MAX_ATTEMPTS") or 0  # 0: no limit by count, only by time
    if (error.permanent or now - failing_since >= give_up_after
            or (max_attempts and message.attempts >= max_attempts)):
        values["status"] = OutboxStatus.FAILED.value
        result.failed += 1
        current_app.logger.error("Outbox message %s failed for good: %s", message.id, error.text)
    else:
        values["next_attempt_at"] = now + backoff_delay(
            message.attempts, config["OUTBOX_BACKOFF_SECONDS"],
            timedelta(seconds=config["OUTBOX_MAX_BACKOFF_SECONDS"]))
        result.retried += 1
        current_app.logger.warning("Outbox message %s attempt %s failed: %s",
                                   message.id, message.attempts, error.text)
    store.durable(update(_TABLE).where(_TABLE.c.id == message.id).values(**values))


def send_pending(batch_size: int = 50, *, progress: Callable[[int], object] | None = None,
                 after_id: int = 0, stop: Callable[[], bool] | None = None,
                 clock: Clock = utcnow) -> SendResult:
    """Deliver up to `batch_size` due messages (ids above `after_id`), storing each one's outcome.

    Returns the counts; `progress(1)` is called after each message. A lost connection ends the
    batch early (the server is unreachable; no need to count an attempt against every message).
    `clock` gives the current time (tests pass their own). Call it outside any other
    transaction: the session's is rolled back, and the worker commits on a connection of its own.
    """
    transport = transport_name()
    db.session.rollback()  # holds no lock (nor old snapshot) while the worker writes
    result = SendResult(last_id=after_id)
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    claimed: deque[_Claimed] = deque()
    store = _Store()
    smtp = _SMTPBatch()
    try:
        while result.processed < batch_size and not (stop and stop()):
            fresh = not claimed
            if fresh:
                claimed.extend(_claim(store, min(CLAIM_SIZE, batch_size - result.processed),
                                      result.last_id, clock()))
                if not claimed:
                    break
            message = claimed[0]
            now = clock()
            if not fresh and now > message.lease_end - lease / 2:
                # Started this late, the exchange might outlast the lease and meet another
                # worker's: give the rest back and claim afresh.
                _release(store, list(claimed), now, attempted=False)
                claimed.clear()
                continue
            claimed.popleft()
            result.last_id = message.id
            lost = False
            try:
                if transport == TRANSPORT_SMTP:
                    smtp.deliver(message)
            except _DeliveryError as error:
                _record_failure(store, message, error, result, clock())
                lost = error.connection_lost
            except BaseException:
                # Delivery unknown: due again at once, sent again as it is.
                _release(store, [message], clock(), attempted=True)
                raise
            else:
                store.mark_sent(message, transport, clock())  # before the next message goes
                result.sent += 1
            if progress is not None:
                progress(1)
            if lost:
                break
    finally:
        try:
            _release(store, list(claimed), clock(), attempted=False)  # claimed, never handed over
        finally:
            store.close()
            smtp.close()
            db.session.expire_all()  # the caller's objects show what the worker stored
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
    if not message.raw:
        # `flask privacy purge` emptied it: sending it again would send an empty mail.
        raise Conflict(f"Outbox message {message_id} was emptied by the retention purge")
    _reset(message)
    db.session.commit()
    return message


def retry_all_failed() -> int:
    """Put every failed message back in the queue; returns how many."""
    messages = [message for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED.value)
    ) if message.raw]  # not the ones the retention purge emptied
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
