"""The outbox survives an SMTP outage in the middle of sending a whole group's invitations.

An organizer sends the invitations of a meeting to a group of 30 (29 members and a guest); the
outbox worker delivers part of them to a real SMTP server (aiosmtpd), then the server goes away
in the middle of the batch (stopped: the open connection drops, new ones are refused). The worker
keeps trying while it is down: nothing is lost (every message stays pending, with its error), and
pressing "Send invitations" again in the meantime writes nothing new. When the server is back on
the same port, the worker delivers the rest. In the end every person got exactly one invitation
(counted per recipient on what the servers received), each message went out with the Message-ID
it was given when it was written (retries included), and nothing was sent twice.

The clock is passed in (the backoff is jumped over, nothing sleeps); SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.calendars import invites
from app.extensions import db
from app.mail import outbox
from app.models import MeetingInvite, OutboxMessage, utcnow
from tests.factories import build_meeting_world, create_member
from tests.smtp import SMTPServer, SMTPSink

MEMBERS = 27  # + the organizer and the member of the meeting world = 29 members, and one guest
DELIVERED_BEFORE_OUTAGE = 11


@pytest.fixture
def server(app):
    """An SMTP server of this test's own, which the test stops and starts again on the same port."""
    smtp = SMTPServer().start()
    app.config.update(MAIL_PORT=smtp.port, OUTBOX_BACKOFF_SECONDS=60, OUTBOX_MAX_BACKOFF_SECONDS=3600,
                      OUTBOX_GIVE_UP_AFTER_HOURS=48, OUTBOX_MAX_ATTEMPTS=0)
    state = {"current": smtp, "sinks": [smtp.sink], "running": True}
    yield state
    if state["running"]:
        state["current"].stop()


def _restart(state: dict) -> None:
    old = state["current"]
    again = SMTPServer.__new__(SMTPServer)
    again.sink, again.port = SMTPSink(), old.port
    from aiosmtpd.controller import Controller

    again.controller = Controller(again.sink, hostname="127.0.0.1", port=old.port)
    again.start()
    state["current"], state["running"] = again, True
    state["sinks"].append(again.sink)


def _received(state: dict) -> list:
    return [mail for sink in state["sinks"] for mail in sink.messages]


def _invitation_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "calendar_invite")
                                   .order_by(OutboxMessage.id)))


def _next_due() -> object:
    db.session.expire_all()
    return db.session.scalar(select(db.func.min(OutboxMessage.next_attempt_at))
                             .where(OutboxMessage.status == "pending"))


def test_invitations_survive_an_smtp_outage_mid_batch(app, server):
    from app.rsvp import services as rsvp

    world = build_meeting_world()
    for i in range(MEMBERS):
        create_member(groups=[world.group], name=f"Medlem {i:02d}", email=f"medlem{i:02d}@example.test",
                      language="da" if i % 2 else "en")
    rsvp.answer(world.member, world.meeting.id, "yes",
                guests=[{"name": "Gitte Gæst", "email": "gitte@example.test"}])
    people = ({m.email for m in (world.organizer, world.member)}
              | {f"medlem{i:02d}@example.test" for i in range(MEMBERS)} | {"gitte@example.test"})
    assert len(people) == 30
    outbox.send_all_due()  # the guest's confirmation: out of the way before the invitations
    server["current"].sink.clear()

    result = invites.send_invitations(world.organizer, world.meeting.id)
    assert (result.invited, result.already) == (30, 0)
    rows = _invitation_rows()
    assert sorted(r.recipients for r in rows) == sorted(people)
    written_ids = {r.id: r.message_id for r in rows}  # the Message-IDs given when the mails were written
    assert len(set(written_ids.values())) == 30

    # The worker sends; after 11 messages the server goes away in the middle of the batch.
    delivered = [0]

    def stop_after_some(step: int) -> None:
        delivered[0] += step
        if delivered[0] == DELIVERED_BEFORE_OUTAGE:
            server["current"].stop()
            server["running"] = False

    start = utcnow()
    first = outbox.send_pending(batch_size=50, progress=stop_after_some, clock=lambda: start)
    assert first.sent == DELIVERED_BEFORE_OUTAGE
    assert (first.retried, first.failed) == (1, 0)  # the one in flight when the connection dropped
    assert len(_received(server)) == DELIVERED_BEFORE_OUTAGE

    rows = _invitation_rows()
    pending = [r for r in rows if r.status == "pending"]
    assert len(pending) == 30 - DELIVERED_BEFORE_OUTAGE
    assert all(r.status in ("sent", "pending") for r in rows)  # nothing lost, nothing failed
    in_flight = [r for r in pending if r.attempts == 1]
    assert len(in_flight) == 1 and in_flight[0].last_error and in_flight[0].failing_since is not None

    # While it is down the organizer presses "Send invitations" again: nothing new is written.
    again = invites.send_invitations(world.organizer, world.meeting.id)
    assert (again.invited, again.already) == (0, 30)
    assert len(_invitation_rows()) == 30

    # The worker keeps polling through two hours of outage (each due time, as the loop would).
    now, passes = start, 0
    while now < start + timedelta(hours=2):
        result = outbox.send_all_due(clock=lambda at=now: at)
        passes += result.processed
        assert result.sent == 0 and result.failed == 0
        now = max(now + timedelta(seconds=1), _next_due())
    assert passes >= 5  # it did keep trying
    rows = _invitation_rows()
    assert sum(r.status == "pending" for r in rows) == 30 - DELIVERED_BEFORE_OUTAGE
    assert all("ConnectionRefusedError" in r.last_error or "Disconnected" in r.last_error
               for r in rows if r.status == "pending" and r.attempts)
    retried = {r.id for r in rows if r.status == "pending" and r.attempts >= 2}
    assert retried  # some messages were tried more than once

    # The server is back on the same port: the worker delivers the rest.
    _restart(server)
    for _ in range(100):
        due = _next_due()
        if due is None:
            break
        now = max(now, due)
        outbox.send_all_due(clock=lambda at=now: at)
    assert _next_due() is None

    rows = _invitation_rows()
    assert [r.status for r in rows] == ["sent"] * 30
    assert all(r.last_error == "" and r.failing_since is None for r in rows)
    assert {r.id: r.message_id for r in rows} == written_ids  # unchanged by the retries

    received = _received(server)
    per_person = Counter(address.lower() for mail in received for address in mail.rcpt_tos)
    assert per_person == Counter({address: 1 for address in people})  # exactly one each
    assert sorted(mail.message_id for mail in received) == sorted(written_ids.values())
    for row_id in retried | {in_flight[0].id}:
        [mail] = [m for m in received if m.message_id == written_ids[row_id]]
        assert mail.message.get_content_type() == "multipart/mixed"
        calendar = [part for part in mail.message.walk() if part.get_content_type() == "text/calendar"]
        assert calendar and calendar[0].get_param("method") == "REQUEST"
    assert len(server["sinks"][0].messages) == DELIVERED_BEFORE_OUTAGE
    assert len(server["sinks"][1].messages) == 30 - DELIVERED_BEFORE_OUTAGE

    # Each person holds one calendar copy, one invitation row each.
    invites_held = db.session.scalars(select(MeetingInvite)
                                      .where(MeetingInvite.meeting_id == world.meeting.id))
    assert sorted(i.email for i in invites_held) == sorted(people)
