"""Builders for the referral, help and thanks tests: a small network with one person per way of
standing to an item (the two parties, a member and an organizer of the group, an admin, a member of
another group, anonymous), items written through the services, and the mails read back."""

from __future__ import annotations

import email
from dataclasses import dataclass
from email import policy

from sqlalchemy import select

from app.extensions import db
from app.ledger import referrals, thanks
from app.models import Group, Member, OutboxMessage, Referral, Thanks
from tests.factories import create_admin, create_group, create_member, create_organizer

# How a viewer stands to an item, in the order of the permission tables.
VIEWERS = ("giver", "receiver", "member", "organizer", "admin", "other", "anonymous")
PARTIES = ("giver", "receiver")
INSIDERS = ("member", "organizer", "admin")
MODERATORS = ("organizer", "admin")

CONTACT = {"contact_name": "Karen Kunde", "contact_company": "Kundens Køkkener A/S",
           "contact_phone": "+45 87 65 43 21", "contact_email": "karen@kunde.example",
           "about": "Skal have nyt køkken i foråret", "warmth": "expects_call"}
SECRET_WORDS = ("Karen Kunde", "Kundens Køkkener", "87 65 43 21", "karen@kunde.example", "nyt køkken")


@dataclass
class LedgerWorld:
    group: Group
    other_group: Group
    giver: Member
    receiver: Member
    member: Member
    organizer: Member
    admin: Member
    other: Member

    def person(self, role: str) -> Member | None:
        return None if role == "anonymous" else getattr(self, role)


def build_ledger_world() -> LedgerWorld:
    group = create_group(name="Kaffeklub Vejle", slug="kaffeklub-vejle")
    other_group = create_group(name="Kaffeklub Odense", slug="kaffeklub-odense")
    return LedgerWorld(
        group=group, other_group=other_group,
        giver=create_member(name="Gitte Giver", email="gitte@example.test", groups=[group]),
        receiver=create_member(name="Rasmus Modtager", email="rasmus@example.test", groups=[group]),
        member=create_member(name="Mette Medlem", email="mette@example.test", groups=[group]),
        organizer=create_organizer(group, name="Ole Organisator", email="ole@example.test"),
        admin=create_admin(name="Anna Admin", email="anna@example.test"),
        other=create_member(name="Otto Andet", email="otto@example.test", groups=[other_group]),
    )


def give_referral(world: LedgerWorld, **values) -> Referral:
    data = {"receiver_id": world.receiver.id, **CONTACT, **values}
    return referrals.give(world.giver, data)


def thank_business(world: LedgerWorld, **values) -> Thanks:
    """The receiver thanks the giver for business (amount 12.500 unless told)."""
    data = {"thanked_id": world.giver.id, "amount_dkk": "12.500", "message": "Tusind tak for Karen!",
            **values}
    return thanks.thank_for_business(world.receiver, data)


def thank_help(world: LedgerWorld, **values) -> Thanks:
    data = {"giver_id": world.giver.id, "kind": "advice", "description": "Hjalp med momsregnskabet",
            "message": "Tak for rådet", **values}
    return thanks.thank_for_help(world.receiver, data)


def mails(kind: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def mail_text(row: OutboxMessage) -> str:
    """The subject, the plain text and the HTML of a mail, as one text."""
    message = email.message_from_bytes(row.raw.encode("utf-8"), policy=policy.default)
    parts = [str(message["Subject"])]
    parts += [p.get_content() for p in message.walk() if p.get_content_type() in ("text/plain", "text/html")]
    return "\n".join(parts)


def client_as(app, login, world: LedgerWorld, role: str):
    client = app.test_client()
    person = world.person(role)
    if person is not None:
        login(person, test_client=client)
    return client
