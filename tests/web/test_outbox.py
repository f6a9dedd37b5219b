"""The outbox worker against a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import flask_mail
import pytest

from app.extensions import db
from app.mail import outbox
from app.mail.outbox import backoff_delay, send_pending
from app.mail.services import enqueue_mail
from app.models import OutboxMessage, utcnow
from tests.factories import create_member
from tests.smtp import SMTPServer, SMTPSink, free_port


def enqueue_notice(to, body: str = "The breakfast moves to Friday.") -> OutboxMessage:
    message = enqueue_mail(to, "notice", body=body)
    db.session.commit()
    return message


def test_send_pending_delivers_the_stored_message_over_smtp(app, smtp_server):
    member = create_member(name="Karen Blixen", email="karen@example.test", language="en")
    message = enqueue_notice(member, body="See you at 7:30.\n\nBring <cards> & coffee.")
    stored_id = message.message_id

    result = send_pending()

    assert (result.sent, result.retried, result.failed) == (1, 0, 0)
    [received] = smtp_server.sink.messages
    assert received.message_id == stored_id
    assert received.mail_from == "kaffeklub@example.test"  # bare envelope sender from "Name <addr>"
    assert received.rcpt_tos == ["karen@example.test"]
    assert received.subject == "A message from Kaffeklub"
    assert "kaffeklub@example.test" in str(received.message["From"])
    assert str(received.message["To"]) == "Karen Blixen <karen@example.test>"
    assert "Hello Karen," in received.text()  # mail greets by first name
    assert "Bring <cards> & coffee." in received.text()
    assert "Bring &lt;cards&gt; &amp; coffee." in received.html()
    assert "<p>See you at 7:30.</p>" in received.html()
    assert message.status == "sent"
    assert message.sent_at is not None and abs(utcnow() - message.sent_at) < timedelta(minutes=1)
    assert message.transport == "smtp"
    assert message.attempts == 1
    assert message.last_error == ""


def test_messages_go_in_id_order_over_one_connection_per_batch(app, smtp_server, monkeypatch):
    connects = []
    original = flask_mail.Connection.configure_host

    def counting_configure_host(self):
        connects.append(1)
        return original(self)

    monkeypatch.setattr(flask_mail.Connection, "configure_host", counting_configure_host)
    messages = [enqueue_notice(f"reader{i}@example.test") for i in range(3)]
    ids = [m.message_id for m in messages]

    first = send_pending(batch_size=2)
    assert first.sent == 2 and len(connects) == 1
    second = send_pending(batch_size=2)
    assert second.sent == 1 and len(connects) == 2
    assert [m.message_id for m in smtp_server.sink.messages] == ids
    assert send_pending().processed == 0
    assert len(connects) == 2  # nothing due: no connection at all


def test_temporary_refusal_keeps_it_pending_and_the_retry_sends_the_same_message_once(app, smtp_server):
    message = enqueue_notice("ole@example.test")
    smtp_server.sink.refuse = "451 4.3.0 Try again later"

    result = send_pending()

    assert (result.sent, result.retried, result.failed) == (0, 1, 0)
    assert smtp_server.sink.messages == []
    assert message.status == "pending"
    assert message.attempts == 1
    assert "451" in message.last_error and "Try again later" in message.last_error

    smtp_server.sink.refuse = None
    assert send_pending().sent == 1
    assert send_pending().processed == 0
    [received] = smtp_server.sink.messages
    assert received.message_id == message.message_id
    assert message.status == "sent" and message.attempts == 2 and message.last_error == ""


def test_backoff_grows_messages_not_due_wait_and_an_attempt_limit_still_applies(app, smtp_server):
    app.config.update(OUTBOX_BACKOFF_SECONDS=60, OUTBOX_MAX_ATTEMPTS=3)
    message = enqueue_notice("bo@example.test")
    smtp_server.sink.refuse = "451 4.3.0 Try again later"

    before = utcnow()
    send_pending()
    first_wait = message.next_attempt_at - before
    assert timedelta(seconds=59) < first_wait < timedelta(seconds=62)

    assert send_pending().processed == 0  # not due yet: untouched
    assert message.attempts == 1

    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    before = utcnow()
    send_pending()
    second_wait = message.next_attempt_at - before
    assert message.attempts == 2
    assert timedelta(seconds=119) < second_wait < timedelta(seconds=122)

    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = send_pending()
    assert (result.failed, result.retried) == (1, 0)
    assert message.status == "failed" and message.attempts == 3

    smtp_server.sink.refuse = None
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert send_pending().processed == 0  # failed messages are left alone
    assert smtp_server.sink.messages == []


def test_backoff_delay_is_exponential_and_capped():
    assert backoff_delay(1, 60) == timedelta(seconds=60)
    assert backoff_delay(2, 60) == timedelta(seconds=120)
    assert backoff_delay(4, 60) == timedelta(seconds=480)
    assert backoff_delay(50, 60) == timedelta(hours=1)  # capped at an hour by default
    assert backoff_delay(50, 60, timedelta(minutes=10)) == timedelta(minutes=10)
    assert backoff_delay(3, 0) == timedelta(0)


def test_server_down_counts_as_a_failed_attempt_and_ends_the_batch(app, smtp_server):
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    first, second = enqueue_notice("a@example.test"), enqueue_notice("b@example.test")

    result = send_pending()

    assert (result.sent, result.retried, result.failed) == (0, 1, 0)
    assert first.status == "pending" and first.attempts == 1
    assert "ConnectionRefusedError" in first.last_error
    assert second.attempts == 0  # the unreachable server is not held against every message


def test_permanent_recipient_refusal_fails_at_once(app, smtp_server):
    message = enqueue_notice("nobody@example.test")
    smtp_server.sink.refuse_rcpt = "550 5.1.1 No such user"

    result = send_pending()

    assert (result.sent, result.retried, result.failed) == (0, 0, 1)
    assert message.status == "failed" and message.attempts == 1
    assert "550" in message.last_error and "nobody@example.test" in message.last_error


def test_temporary_recipient_refusal_is_retried(app, smtp_server):
    message = enqueue_notice("busy@example.test")
    smtp_server.sink.refuse_rcpt = "450 4.2.1 Mailbox busy"

    assert send_pending().retried == 1
    assert message.status == "pending" and "450" in message.last_error

    smtp_server.sink.refuse_rcpt = None
    assert send_pending().sent == 1
    assert smtp_server.sink.messages[0].message_id == message.message_id


def test_a_crash_after_sending_but_before_commit_resends_the_identical_message(app, smtp_server, monkeypatch):
    message = enqueue_notice("crash@example.test")
    original = outbox._SMTPBatch.deliver

    def deliver_then_crash(self, msg):
        original(self, msg)
        raise RuntimeError("worker died before commit")

    monkeypatch.setattr(outbox._SMTPBatch, "deliver", deliver_then_crash)
    with pytest.raises(RuntimeError):
        send_pending()
    db.session.expire_all()
    # The attempt counts (it was claimed); the exception gave the claim back, so it is due again.
    assert message.status == "pending" and message.attempts == 1 and message.sent_at is None
    assert message.next_attempt_at <= utcnow()

    monkeypatch.setattr(outbox._SMTPBatch, "deliver", original)
    assert send_pending().sent == 1
    first, second = smtp_server.sink.messages
    assert first.message_id == second.message_id == message.message_id
    assert first.raw == second.raw


def test_without_mail_server_development_captures_instead_of_sending(app, smtp_server):
    app.config["MAIL_SERVER"] = ""
    message = enqueue_notice("dev@example.test")

    assert send_pending().sent == 1

    assert smtp_server.sink.messages == []
    assert message.status == "sent" and message.transport == "captured"
    assert message.last_error == "" and message.sent_at is not None


def test_without_mail_server_outside_development_nothing_is_marked_sent(app, smtp_server):
    app.config.update(MAIL_SERVER="", DEV_MAIL_PAGE=False)
    message = enqueue_notice("prod@example.test")

    with pytest.raises(outbox.OutboxNotConfigured):
        send_pending()
    assert message.status == "pending" and message.attempts == 0


def test_send_all_due_tries_each_message_once_per_pass(app, smtp_server):
    smtp_server.sink.refuse = "451 4.3.0 Try again later"  # backoff is 0 in tests: due again at once
    messages = [enqueue_notice(f"p{i}@example.test") for i in range(5)]

    result = outbox.send_all_due(batch_size=2)

    assert result.retried == 5
    assert [m.attempts for m in messages] == [1] * 5


def test_danish_letters_in_names_and_subject_arrive_intact(app, smtp_server):
    from app.models import NetworkSettings

    settings = NetworkSettings.get()
    settings.sender_name, settings.sender_email = "Kaffeklub Århus", "aarhus@kaffeklub.example"
    db.session.commit()
    member = create_member(name="Søren Ærø", email="soren@example.test", language="en")
    message = enqueue_mail(member, "notice", body="Vi ses på Fælledvej.", subject="Møde i Århus")
    db.session.commit()

    send_pending()

    [received] = smtp_server.sink.messages
    assert received.message_id == message.message_id
    assert received.subject == "Møde i Århus"
    assert received.message["To"].addresses[0].display_name == "Søren Ærø"
    assert received.message["From"].addresses[0].display_name == "Kaffeklub Århus"
    assert received.mail_from == "aarhus@kaffeklub.example"
    assert "Hello Søren," in received.text() and "Vi ses på Fælledvej." in received.html()


def _pending_next_attempt() -> datetime | None:
    db.session.expire_all()
    return db.session.scalar(
        db.select(db.func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "pending"))


def run_worker_until(end: datetime, start: datetime) -> list[datetime]:
    """Poll like `flask outbox send --loop` from `start` to `end`, jumping to each next due time.

    Returns the times at which attempts were made. The clock is passed in: nothing sleeps.
    """
    now, attempts_at = start, []
    for _ in range(10_000):
        result = outbox.send_all_due(clock=lambda at=now: at)
        if result.processed:
            attempts_at.append(now)
            continue  # the batch ended early (connection refused): the next message is still due
        due = _pending_next_attempt()
        if due is None or due > end:
            return attempts_at
        now = max(now, due)
    raise AssertionError("the worker never settled")


def test_a_weekend_outage_heals_itself_and_each_mail_goes_out_once(app, smtp_server):
    app.config.update(OUTBOX_BACKOFF_SECONDS=60, OUTBOX_MAX_BACKOFF_SECONDS=3600,
                      OUTBOX_GIVE_UP_AFTER_HOURS=48, OUTBOX_MAX_ATTEMPTS=0)
    app.config["MAIL_PORT"] = free_port()  # the SMTP server is down: connection refused
    messages = [enqueue_notice(f"weekend{i}@example.test") for i in range(3)]
    friday = utcnow()

    attempts_at = run_worker_until(friday + timedelta(hours=47), friday)

    db.session.expire_all()
    assert [m.status for m in messages] == ["pending"] * 3  # 47 hours down: still trying
    assert all("ConnectionRefusedError" in m.last_error for m in messages)
    assert all(m.failing_since is not None for m in messages)
    first = messages[0]
    # Backoff doubles from a minute and is capped at an hour, so it keeps trying every hour.
    gaps = [b - a for a, b in zip(attempts_at, attempts_at[1:], strict=False) if b > a]
    assert max(gaps) == timedelta(hours=1)
    assert first.attempts >= 47
    assert smtp_server.sink.messages == []

    app.config["MAIL_PORT"] = smtp_server.port  # the server is back
    run_worker_until(friday + timedelta(hours=49), friday + timedelta(hours=47))

    db.session.expire_all()
    assert [m.status for m in messages] == ["sent"] * 3
    assert all(m.failing_since is None and m.last_error == "" for m in messages)
    received = sorted(m.message_id for m in smtp_server.sink.messages)
    assert received == sorted(m.message_id for m in messages)  # each exactly once


def test_after_two_days_of_outage_the_message_is_failed_not_before(app, smtp_server):
    app.config.update(OUTBOX_BACKOFF_SECONDS=60, OUTBOX_MAX_BACKOFF_SECONDS=3600,
                      OUTBOX_GIVE_UP_AFTER_HOURS=48, OUTBOX_MAX_ATTEMPTS=0,
                      MAIL_PORT=free_port())
    message = enqueue_notice("longoutage@example.test")
    start = utcnow()

    attempts_at = run_worker_until(start + timedelta(days=5), start)

    db.session.expire_all()
    assert message.status == "failed"
    assert "ConnectionRefusedError" in message.last_error
    gave_up_at = attempts_at[-1]
    assert timedelta(hours=48) <= gave_up_at - start <= timedelta(hours=49)
    assert message.attempts == len(attempts_at)


def test_a_permanent_refusal_of_the_message_fails_at_once(app, smtp_server):
    app.config.update(OUTBOX_BACKOFF_SECONDS=60)
    message = enqueue_notice("rejected@example.test")
    smtp_server.sink.refuse = "554 5.7.1 Message rejected as spam"

    result = send_pending()

    assert (result.sent, result.retried, result.failed) == (0, 0, 1)
    assert message.status == "failed" and message.attempts == 1
    assert "554" in message.last_error


def test_a_claimed_message_is_left_alone_until_its_lease_ends(app, smtp_server):
    app.config["OUTBOX_LEASE_SECONDS"] = 600
    message = enqueue_notice("claimed@example.test")
    now = utcnow()
    # A worker claims it and dies before the SMTP server answers (nothing else happens).
    store = outbox._Store()
    try:
        assert [m.id for m in outbox._claim(store, 1, 0, now)] == [message.id]
    finally:
        store.close()
    db.session.commit()

    assert send_pending(clock=lambda: now + timedelta(minutes=9)).processed == 0
    assert smtp_server.sink.messages == []
    result = send_pending(clock=lambda: now + timedelta(minutes=10, seconds=1))

    assert result.sent == 1
    db.session.expire_all()
    assert message.status == "sent" and message.attempts == 2
    assert [m.message_id for m in smtp_server.sink.messages] == [message.message_id]


class SenderRefusingSink(SMTPSink):
    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        return "553 5.7.1 Sender address rejected: not owned by user"


def test_a_refused_sender_is_a_setup_problem_and_is_retried_not_failed(app, smtp_server):
    server = SMTPServer()
    server.sink = server.controller.handler = SenderRefusingSink()
    server.start()
    try:
        app.config.update(MAIL_PORT=server.port, OUTBOX_BACKOFF_SECONDS=60)
        message = enqueue_notice("anyone@example.test")

        result = send_pending()

        assert (result.sent, result.retried, result.failed) == (0, 1, 0)
        assert message.status == "pending" and "553" in message.last_error
    finally:
        server.stop()
