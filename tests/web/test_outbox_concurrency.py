"""Several outbox workers on one PostgreSQL database never send a message twice.

Each worker is a thread with its own app instance, app context, session and connection pool,
as separate worker processes would have.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from app import create_app
from app.extensions import db
from app.mail import outbox
from app.mail.services import enqueue_mail
from app.models import OutboxMessage
from tests.dbutil import fresh_postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url():
    with fresh_postgres_database() as url:
        yield url


def make_app(url: str, smtp_port: int):
    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port)


def enqueue_many(app, count: int) -> list[str]:
    with app.app_context():
        db.create_all()
        ids = [enqueue_mail(f"reader{i}@example.test", "notice", body=f"Message {i}").message_id
               for i in range(count)]
        db.session.commit()
        return ids


def test_concurrent_workers_send_every_message_exactly_once(postgres_url, smtp_server):
    apps = [make_app(postgres_url, smtp_server.port) for _ in range(4)]
    message_ids = enqueue_many(apps[0], 60)
    smtp_server.sink.delay = 0.01  # the server takes a moment, so the workers overlap
    workers = apps[1:]
    start = threading.Barrier(len(workers))
    sent_by: dict[int, int] = {}
    errors: list[BaseException] = []

    def work(number: int, app) -> None:
        try:
            with app.app_context():
                start.wait()
                total = 0
                while True:
                    result = outbox.send_pending(batch_size=7)
                    total += result.sent
                    if result.processed == 0:
                        break
                sent_by[number] = total
                db.session.remove()
                db.engine.dispose()
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n, a)) for n, a in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    received = Counter(m.message_id for m in smtp_server.sink.messages)
    assert sorted(received) == sorted(message_ids)
    assert set(received.values()) == {1}  # each Message-ID arrived exactly once
    assert sum(sent_by.values()) == 60
    assert all(count > 0 for count in sent_by.values()), sent_by  # they really worked side by side
    with apps[0].app_context():
        statuses = Counter(db.session.scalars(db.select(OutboxMessage.status)))
        assert statuses == {"sent": 60}
        db.session.remove()
        db.engine.dispose()


def test_a_message_being_sent_stays_claimed_for_other_workers(postgres_url, smtp_server, monkeypatch):
    first_app, second_app = make_app(postgres_url, smtp_server.port), make_app(postgres_url, smtp_server.port)
    [message_id] = enqueue_many(first_app, 1)
    in_smtp, release = threading.Event(), threading.Event()
    original = outbox._SMTPBatch.deliver

    def slow_deliver(self, message):
        if threading.current_thread().name == "first-worker":
            in_smtp.set()
            release.wait(timeout=20)
        return original(self, message)

    monkeypatch.setattr(outbox._SMTPBatch, "deliver", slow_deliver)
    results = {}

    def first_worker():
        with first_app.app_context():
            results["first"] = outbox.send_pending()
            db.session.remove()
            db.engine.dispose()

    thread = threading.Thread(target=first_worker, name="first-worker")
    thread.start()
    try:
        assert in_smtp.wait(timeout=20)
        with second_app.app_context():
            # The first worker's claim (a committed lease) holds while the SMTP server has it:
            # skipped, not sent again, and no transaction is open meanwhile.
            assert outbox.send_pending().processed == 0
            claimed = db.session.scalars(db.select(OutboxMessage)).one()
            assert claimed.status == "pending" and claimed.attempts == 1
            assert outbox.due_count() == 0  # due again only when the lease ends
            db.session.rollback()
    finally:
        release.set()
        thread.join(timeout=20)

    assert results["first"].sent == 1
    with second_app.app_context():
        assert outbox.send_pending().processed == 0
        db.session.remove()
        db.engine.dispose()
    assert [m.message_id for m in smtp_server.sink.messages] == [message_id]
