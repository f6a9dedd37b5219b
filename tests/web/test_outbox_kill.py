"""A worker process killed (SIGKILL) in the middle of a batch re-sends at most the message in flight.

The worker claims up to 50 messages at once (one lease for all of them): what the server had
accepted is stored as sent, the message in flight and the rest of the claim stay pending under
the dead worker's lease, and only after it ends are they sent -- the one in flight a second time,
with the same Message-ID, the others once.

The worker is a real `flask outbox send` process on a fresh PostgreSQL database, talking to a
real SMTP server that holds one message in DATA until the test has killed the worker. Nothing
sleeps for time: the test waits for states (messages arrived, the server holding, the process
gone).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from app.mail import outbox
from app.mail.services import enqueue_mail
from app.models import OutboxMessage, utcnow
from tests.dbutil import fresh_postgres_database
from tests.smtp import SMTPServer, SMTPSink

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COUNT = 8
HOLD_AT = 4  # the server holds the 4th message until the worker is dead


class HoldingSink(SMTPSink):
    """Accepts mail, but answers the `hold_at`-th message only once `release` is set.

    That message is stored first: the server has it, the worker has not heard "250" -- the
    window in which a worker's death leads to a duplicate.
    """

    def __init__(self, hold_at: int) -> None:
        super().__init__()
        self.hold_at = hold_at
        self.data_seen = 0
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.data_seen += 1
        answer = await super().handle_DATA(server, session, envelope)
        if self.data_seen == self.hold_at:
            self.holding.set()
            while not self.release.is_set():  # waits for the test's state change, not for time
                await asyncio.sleep(0.01)
        return answer


def wait_for(condition, what: str, attempts: int = 3000) -> None:
    event = threading.Event()
    for _ in range(attempts):
        if condition():
            return
        event.wait(0.01)  # polling interval only; the assertion is on the state
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_worker_resends_only_the_message_in_flight_and_only_after_its_lease(tmp_path):
    server = SMTPServer()
    sink = HoldingSink(HOLD_AT)
    server.sink = sink
    server.controller.handler = sink
    server.start()
    with fresh_postgres_database() as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="127.0.0.1",
                         MAIL_PORT=server.port, OUTBOX_LEASE_SECONDS=600)
        try:
            with app.app_context():
                db.create_all()
                ids = [enqueue_mail(f"kill{i}@example.test", "notice", body=f"Message {i}").message_id
                       for i in range(COUNT)]
                db.session.commit()
                db.session.remove()

            env = {**os.environ, "KAFFEKLUB_ENV": "development", "SECRET_KEY": "kill-test-secret",
                   "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://"),
                   "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(server.port),
                   "OUTBOX_LEASE_SECONDS": "600", "FLASK_APP": "wsgi.py"}
            worker = subprocess.Popen([str(BIN / "flask"), "outbox", "send", "--batch-size", "50"],
                                      cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            try:
                wait_for(sink.holding.is_set, "the server to hold message 4")
            finally:
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=30)
            sink.release.set()
            assert [m.message_id for m in sink.messages] == ids[:HOLD_AT]

            with app.app_context():
                statuses = dict(db.session.execute(
                    db.select(OutboxMessage.message_id, OutboxMessage.status)).all())
                # Each message the server had accepted before is already stored as sent.
                assert [statuses[i] for i in ids[:HOLD_AT - 1]] == ["sent"] * (HOLD_AT - 1)
                assert statuses[ids[HOLD_AT - 1]] == "pending"  # in flight when the worker died
                # The rest of its claim: pending, never handed to the server.
                assert [statuses[i] for i in ids[HOLD_AT:]] == ["pending"] * (COUNT - HOLD_AT)

                # Another worker right away: the dead worker's claim is left alone.
                now = utcnow()
                assert outbox.send_all_due(clock=lambda: now).processed == 0
                assert len(sink.messages) == HOLD_AT

                # When the lease has ended the message in flight goes again (the one duplicate)
                # and the rest of the claim for the first time.
                later = now + timedelta(seconds=601)
                assert outbox.send_all_due(clock=lambda: later).sent == COUNT - HOLD_AT + 1
                assert outbox.send_all_due(clock=lambda: later).processed == 0
                db.session.remove()
                db.engine.dispose()

            received = Counter(m.message_id for m in sink.messages)
            assert sorted(received) == sorted(ids)
            assert {mid: n for mid, n in received.items() if n > 1} == {ids[HOLD_AT - 1]: 2}
        finally:
            sink.release.set()
            server.stop()
