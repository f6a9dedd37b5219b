"""The outbox worker's batches: one claim for many messages, each "sent" stored before the next
message's DATA, untried claims given back, the lease respected, the connection left durable.

Against a real SMTP server (aiosmtpd), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import string
import threading
from datetime import timedelta
from email.utils import parseaddr

import pytest
from flask_mail import sanitize_address
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select

from app.extensions import db
from app.mail import outbox
from app.mail.services import enqueue_mail
from app.models import OutboxMessage, utcnow
from tests.smtp import SMTPServer, SMTPSink


def enqueue(count: int, prefix: str = "batch") -> list[OutboxMessage]:
    messages = [enqueue_mail(f"{prefix}{i}@example.test", "notice", body=f"Message {i}")
                for i in range(count)]
    db.session.commit()
    return messages


def test_one_claim_takes_a_batch_and_counts_one_attempt_each(app, smtp_server):
    messages = enqueue(60)
    now = utcnow()
    store = outbox._Store()
    try:
        first = outbox._claim(store, 50, 0, now)
        second = outbox._claim(store, 50, 0, now)  # what is left: the first 50 are leased
    finally:
        store.close()

    assert [m.id for m in first] == [m.id for m in messages[:50]]
    assert [m.id for m in second] == [m.id for m in messages[50:]]
    db.session.expire_all()
    assert {m.attempts for m in messages} == {1}
    lease_end = now + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"])
    assert {m.next_attempt_at for m in messages} == {lease_end}
    assert {m.status for m in messages} == {"pending"}
    assert outbox.due_count(now) == 0


class StatusRecordingSink(SMTPSink):
    """Records, as each message's DATA arrives, which messages the database holds as sent --
    read on a connection of its own, as anyone else would see it."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.engine = create_engine(url)
        self.sent_when_data_arrived: list[set[str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.engine.connect() as connection:
            sent = set(connection.scalars(select(OutboxMessage.message_id)
                                          .where(OutboxMessage.status == "sent")))
        self.sent_when_data_arrived.append(sent)
        return await super().handle_DATA(server, session, envelope)


def test_each_message_is_stored_as_sent_before_the_next_one_is_handed_over(app, smtp_server):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    server = SMTPServer()
    sink = server.sink = server.controller.handler = StatusRecordingSink(url)
    server.start()
    try:
        app.config["MAIL_PORT"] = server.port
        ids = [m.message_id for m in enqueue(6)]

        result = outbox.send_pending()

        assert result.sent == 6
        assert [m.message_id for m in sink.messages] == ids
        # When message k's DATA arrives, messages 1..k-1 are stored as sent, k is not: at most
        # the message in flight is sent again if the worker dies now.
        assert sink.sent_when_data_arrived == [set(ids[:k]) for k in range(6)]
    finally:
        server.stop()
        sink.engine.dispose()


def test_a_stop_request_gives_the_untried_rest_of_the_claim_back_at_once(app, smtp_server):
    messages = enqueue(5)
    done = []

    result = outbox.send_pending(progress=done.append, stop=lambda: len(done) >= 2)

    assert (result.sent, result.processed) == (2, 2)
    db.session.expire_all()
    assert [m.status for m in messages] == ["sent", "sent", "pending", "pending", "pending"]
    # Claimed with the first two, never handed over: due now, their attempt not counted.
    assert [m.attempts for m in messages[2:]] == [0, 0, 0]
    assert outbox.due_count() == 3
    assert outbox.send_pending().sent == 3
    assert sorted(m.message_id for m in smtp_server.sink.messages) == sorted(m.message_id for m in messages)


def test_no_message_is_started_in_the_second_half_of_its_lease(app, smtp_server):
    app.config["OUTBOX_LEASE_SECONDS"] = 600
    messages = enqueue(4)
    start = utcnow()
    times = iter([start] * 6)  # the claim and the first message, then time jumps

    def clock():
        return next(times, start + timedelta(seconds=301))

    result = outbox.send_pending(clock=clock)

    assert result.sent == 4
    db.session.expire_all()
    assert [m.status for m in messages] == ["sent"] * 4
    # The first went under the first lease; the other three were given back untried and claimed
    # again under a fresh lease: one attempt each, each sent once.
    assert [m.attempts for m in messages] == [1, 1, 1, 1]
    assert sorted(m.message_id for m in smtp_server.sink.messages) == sorted(m.message_id for m in messages)


def test_a_lost_connection_fails_one_attempt_and_gives_the_rest_back(app, smtp_server):
    messages = enqueue(3)

    class HangUpSink(SMTPSink):
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            return "421 4.3.2 Shutting down"

    server = SMTPServer()
    server.sink = server.controller.handler = HangUpSink()
    server.start()
    try:
        app.config["MAIL_PORT"] = server.port
        result = outbox.send_pending()
    finally:
        server.stop()

    assert (result.sent, result.retried, result.failed) == (0, 1, 0)
    db.session.expire_all()
    assert [m.attempts for m in messages] == [1, 0, 0]
    assert "421" in messages[0].last_error
    assert [m.status for m in messages] == ["pending"] * 3


def test_the_worker_leaves_its_connection_committing_durably(app, smtp_server):
    [message] = enqueue(1)
    store = outbox._Store()
    raw = store.connection.connection.dbapi_connection
    claimed = outbox._claim(store, 10, 0, utcnow())
    store.mark_sent(claimed[0], "smtp", utcnow())
    store.close()  # back to the pool

    if db.engine.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
        raw.rollback()
    else:
        assert raw.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.session.expire_all()
    assert message.status == "sent" and message.transport == "smtp" and message.sent_at is not None


def test_two_workers_at_once_share_the_messages_and_send_each_once(make_app, smtp_server):
    """On either backend: claims never overlap (SQLite runs each claim under its write lock)."""
    apps = [make_app() for _ in range(3)]
    with apps[0].app_context():
        ids = [enqueue_mail(f"two{i}@example.test", "notice", body=f"Message {i}").message_id
               for i in range(40)]
        db.session.commit()
        db.session.remove()
    smtp_server.sink.delay = 0.005
    barrier = threading.Barrier(2)
    sent: dict[int, int] = {}
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            with apps[number + 1].app_context():
                barrier.wait()
                total = 0
                while (result := outbox.send_pending(batch_size=5)).processed:
                    total += result.sent
                sent[number] = total
                db.session.remove()
                db.engine.dispose()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    received = [m.message_id for m in smtp_server.sink.messages]
    assert sorted(received) == sorted(ids) and len(set(received)) == 40
    assert sum(sent.values()) == 40


ADDRESS_CHARS = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~.-"


@settings(max_examples=300, deadline=None)
@given(st.text(ADDRESS_CHARS, min_size=1, max_size=20),
       st.text(string.ascii_letters + string.digits + ".-", min_size=1, max_size=20))
def test_the_fast_envelope_address_equals_the_parsed_one(local, domain):
    address = f"{local}@{domain}"
    assert outbox.envelope_address(address) == sanitize_address(("", parseaddr(address)[1] or address))


@pytest.mark.parametrize("value, expected", [
    ("Kaffeklub <kaffeklub@example.test>", "kaffeklub@example.test"),
    ("  ole@example.test ", "ole@example.test"),
    ("Søren <soren@xn--frd-lna.example>", "soren@xn--frd-lna.example"),
    ("soren@fælled.example", "soren@" + "fælled".encode("idna").decode() + ".example"),
])
def test_other_envelope_addresses_are_parsed(value, expected):
    assert outbox.envelope_address(value) == expected
