"""The outbox worker against a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import flask_mail
import pytest

from app.extensions import db
from app.mail import outbox
from app.mail.outbox import backoff_delay, send_pending
from app.mail.services import enqueue_mail
from app.models import OutboxMessage, utcnow
from tests.factories import create_member
from tests.smtp import free_port


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
    assert "Hello Karen Blixen," in received.text()
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


def test_backoff_grows_messages_not_due_wait_and_it_fails_after_max_attempts(app, smtp_server):
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
    assert backoff_delay(50, 60) == timedelta(hours=6)
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
    assert message.status == "pending" and message.attempts == 0 and message.sent_at is None

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
    assert "Hello Søren Ærø," in received.text() and "Vi ses på Fælledvej." in received.html()
