"""`flask privacy purge`: what is past its retention goes, nothing in flight is touched."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    InboundMail,
    LoginAttempt,
    LoginSession,
    LoginToken,
    OutboxMessage,
    VisitorRequest,
    utcnow,
)
from tests.factories import create_group, create_member
from tests.web.privacy_helpers import mime


def _old_and_new(app):
    member = create_member()
    group = create_group()
    now = utcnow()
    long_ago = now - timedelta(days=400)
    rows = []
    for n, (status, created, sent) in enumerate([("sent", long_ago, long_ago), ("failed", long_ago, None),
                                                 ("pending", long_ago, None), ("sent", now, now)]):
        rows.append(OutboxMessage(message_id=f"<p{n}@x>", sender="k@x", recipients=member.email,
                                  subject=f"Subject {n}", raw=mime(f"Subject {n}", member.email, "Body"),
                                  status=status, created_at=created, sent_at=sent, member_id=member.id))
    rows += [
        LoginToken(member_id=member.id, token_hash="1" * 64, created_at=long_ago, expires_at=long_ago),
        LoginToken(member_id=member.id, token_hash="2" * 64, created_at=now,
                   expires_at=now + timedelta(hours=1)),
        LoginAttempt(kind="link", email=member.email, created_at=long_ago),
        LoginAttempt(kind="link", email=member.email, created_at=now),
        LoginSession(member_id=member.id, token_hash="3" * 64, created_at=long_ago, expires_at=long_ago),
        LoginSession(member_id=member.id, token_hash="4" * 64, created_at=long_ago,
                     expires_at=now + timedelta(days=300), remember=True),
        InboundMail(sha256="5" * 64, raw=b"x", outcome="applied", received_at=long_ago),
        InboundMail(sha256="6" * 64, raw=b"x", outcome="applied", received_at=now),
        VisitorRequest(group_id=group.id, name="Vera", email="v@x", created_at=long_ago),
        VisitorRequest(group_id=group.id, name="Viggo", email="w@x", created_at=now),
    ]
    db.session.add_all(rows)
    db.session.commit()


def _counts():
    db.session.expire_all()
    bodies = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.raw != ""))
    return {"outbox_rows": db.session.scalar(select(func.count()).select_from(OutboxMessage)),
            "outbox_bodies": bodies,
            **{model.__name__: db.session.scalar(select(func.count()).select_from(model))
               for model in (LoginToken, LoginAttempt, LoginSession, InboundMail, VisitorRequest)}}


def test_purge_deletes_what_is_old_and_keeps_what_is_in_use(app, runner):
    _old_and_new(app)
    before = _counts()
    dry = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would delete 2 mail bodies" in dry.output
    assert _counts() == before
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 mail bodies" in result.output and "Deleted 1 visitor requests" in result.output
    assert _counts() == {"outbox_rows": 4, "outbox_bodies": 2, "LoginToken": 1, "LoginAttempt": 1,
                         "LoginSession": 1, "InboundMail": 1, "VisitorRequest": 1}
    # The pending mail keeps its body; the purged rows keep recipient, subject and status.
    pending = db.session.scalar(select(OutboxMessage).where(OutboxMessage.status == "pending"))
    assert pending.raw
    sent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == "<p0@x>"))
    assert sent.raw == "" and sent.subject == "Subject 0" and sent.status == "sent"
    # Idempotent.
    again = runner.invoke(args=["privacy", "purge"])
    assert again.exit_code == 0 and all(line.startswith("Deleted 0") for line in again.output.splitlines())


def test_a_period_of_zero_turns_a_part_off(app, runner):
    _old_and_new(app)
    app.config["VISITOR_REQUEST_RETENTION_DAYS"] = 0
    result = runner.invoke(args=["privacy", "purge"])
    assert "Deleted 0 visitor requests" in result.output
    assert _counts()["VisitorRequest"] == 2
