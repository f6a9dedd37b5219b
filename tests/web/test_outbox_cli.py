"""`flask outbox send | status | retry`."""

from __future__ import annotations

import os
import signal
import threading
import time

from app.extensions import db
from app.mail.services import enqueue_mail
from app.models import OutboxMessage, utcnow


def enqueue(address: str) -> OutboxMessage:
    message = enqueue_mail(address, "notice", body="Hello from the CLI test.")
    db.session.commit()
    return message


def make_failed(address: str) -> OutboxMessage:
    message = enqueue(address)
    message.status, message.attempts, message.last_error = "failed", 8, "550 no"
    db.session.commit()
    return message


def test_send_with_nothing_due_says_so(runner, smtp_server):
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "No messages due." in result.output


def test_send_delivers_everything_due_and_prints_a_summary(runner, smtp_server):
    messages = [enqueue(f"cli{i}@example.test") for i in range(3)]

    result = runner.invoke(args=["outbox", "send", "--batch-size", "2"])

    assert result.exit_code == 0, result.output
    assert "Sent 3, will retry 0, failed 0." in result.output
    assert sorted(m.message_id for m in smtp_server.sink.messages) == sorted(m.message_id for m in messages)
    db.session.expire_all()
    assert all(m.status == "sent" for m in messages)


def test_send_reports_retries(runner, smtp_server):
    enqueue("later@example.test")
    smtp_server.sink.refuse = "451 4.3.0 Try again later"
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 0, will retry 1, failed 0." in result.output


def test_send_refuses_without_a_mail_server_outside_development(app, runner, smtp_server):
    app.config.update(MAIL_SERVER="", DEV_MAIL_PAGE=False)
    message = enqueue("prod@example.test")
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 1
    assert "MAIL_SERVER is not set" in result.output
    db.session.expire_all()
    assert message.status == "pending"


def test_send_loop_stops_gracefully_on_sigterm(runner, smtp_server):
    message = enqueue("loop@example.test")
    before = signal.getsignal(signal.SIGTERM)

    def terminate_when_delivered():
        deadline = time.monotonic() + 10
        while not smtp_server.sink.messages and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=terminate_when_delivered)
    killer.start()
    result = runner.invoke(args=["outbox", "send", "--loop", "--interval", "0.1"])
    killer.join()

    assert result.exit_code == 0, result.output
    assert "Outbox worker stopped." in result.output
    assert [m.message_id for m in smtp_server.sink.messages] == [message.message_id]
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is put back


def test_status_counts_messages_by_status(runner, smtp_server):
    enqueue("p1@example.test")
    later = enqueue("p2@example.test")
    later.next_attempt_at = utcnow().replace(year=utcnow().year + 1)
    sent = enqueue("s@example.test")
    sent.status = "sent"
    make_failed("f@example.test")
    db.session.commit()

    result = runner.invoke(args=["outbox", "status"])

    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert ["pending", "2", "(1", "due", "now)"] in lines
    assert ["sent", "1"] in lines
    assert ["failed", "1"] in lines


def test_retry_puts_one_failed_message_back(runner, smtp_server):
    message = make_failed("again@example.test")
    other = make_failed("other@example.test")

    result = runner.invoke(args=["outbox", "retry", str(message.id)])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert message.status == "pending" and message.attempts == 0
    assert message.next_attempt_at <= utcnow()
    assert other.status == "failed"
    runner.invoke(args=["outbox", "send"])
    assert [m.message_id for m in smtp_server.sink.messages] == [message.message_id]


def test_retry_failed_puts_all_failed_messages_back(runner, smtp_server):
    failed = [make_failed(f"f{i}@example.test") for i in range(2)]
    result = runner.invoke(args=["outbox", "retry", "--failed"])
    assert result.exit_code == 0, result.output
    assert "2 failed message(s) queued again." in result.output
    db.session.expire_all()
    assert [m.status for m in failed] == ["pending", "pending"]


def test_retry_refuses_unknown_ids_messages_not_failed_and_bad_usage(runner, smtp_server):
    pending = enqueue("pending@example.test")

    not_failed = runner.invoke(args=["outbox", "retry", str(pending.id)])
    assert not_failed.exit_code == 1 and "not failed" in not_failed.output

    unknown = runner.invoke(args=["outbox", "retry", "99999"])
    assert unknown.exit_code == 1 and "No outbox message 99999" in unknown.output

    assert runner.invoke(args=["outbox", "retry"]).exit_code == 2
    assert runner.invoke(args=["outbox", "retry", str(pending.id), "--failed"]).exit_code == 2


def test_retry_leaves_a_failed_message_the_retention_purge_emptied(runner, smtp_server):
    emptied = make_failed("emptied@example.test")
    whole = make_failed("whole@example.test")
    emptied.raw = ""  # what `flask privacy purge` does to an old failed mail
    db.session.commit()

    one = runner.invoke(args=["outbox", "retry", str(emptied.id)])
    assert one.exit_code == 1 and "emptied by the retention purge" in one.output

    every = runner.invoke(args=["outbox", "retry", "--failed"])
    assert every.exit_code == 0 and "1 failed message(s) queued again." in every.output
    db.session.expire_all()
    assert (emptied.status, whole.status) == ("failed", "pending")
