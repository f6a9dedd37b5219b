"""Deleting an account removes the mails from the member's address, and only theirs: an inbound
mail from an address that merely contains theirs ("jbo@..." for "bo@...") belongs to someone else;
an address stored in another case is still theirs (app.privacy.deletion)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import InboundMail, LoginAttempt
from app.privacy.deletion import delete_account
from tests.factories import create_group, create_member


def test_deletion_removes_only_the_members_own_inbound_mail(app):
    group = create_group()
    bo = create_member(name="Bo Bager", email="bo@example.test", groups=[group])
    create_member(name="Jakob Bo", email="jbo@example.test", groups=[group])
    db.session.add(InboundMail(sha256="1" * 64, sender="Bo Bager <BO@example.test>", subject="Svar",
                               raw=b"From: bo@example.test\r\n\r\nhej", outcome="applied"))
    db.session.add(InboundMail(sha256="2" * 64, sender="Jakob Bo <jbo@example.test>", subject="Svar",
                               raw=b"From: jbo@example.test\r\n\r\nhej", outcome="applied"))
    db.session.commit()
    delete_account(bo, bo.id, confirmation="SLET")
    senders = list(db.session.scalars(select(InboundMail.sender)))
    assert senders == ["Jakob Bo <jbo@example.test>"]


def test_deletion_matches_the_address_in_any_case(app):
    bo = create_member(name="Bo Bager", email="bo@example.test")
    bo.email = "Bo@Example.test"  # an address stored before addresses were lower-cased
    db.session.add(LoginAttempt(kind="link", email="bo@example.test", ip="127.0.0.1"))
    db.session.commit()
    delete_account(bo, bo.id, confirmation="SLET")
    assert db.session.scalar(select(LoginAttempt.id)) is None
