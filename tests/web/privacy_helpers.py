"""A network in which one member, Zelda Quornwhistle, appears everywhere: for the export and
deletion tests. Every row is made as the app makes it (the models; mails rendered as MIME)."""

from __future__ import annotations

import email
from dataclasses import dataclass
from datetime import date, timedelta
from email import policy
from email.message import EmailMessage

from sqlalchemy import MetaData, select

from app.extensions import db
from app.models import (
    ApiToken,
    CalendarFeed,
    CheckIn,
    Competency,
    Encounter,
    GroupInvitation,
    HelpRecord,
    HelpRequest,
    InboundMail,
    LoginAttempt,
    LoginSession,
    LoginToken,
    MeetingChange,
    MeetingGuest,
    MeetingInvite,
    Member,
    MemberEvent,
    OneToOne,
    OutboxMessage,
    Referral,
    RequestAnswer,
    Rsvp,
    SocialChange,
    Thanks,
    VisitorRequest,
    utcnow,
)
from tests.factories import add_membership, create_admin, create_group, create_meeting, create_member

NAME = "Zelda Quornwhistle"
EMAIL = "zelda.quornwhistle@example.test"
PHONE = "+45 31 41 59 26"
TERMS = (NAME, EMAIL, PHONE)

ZELDA_PHOTO_KEY = "zeldaPhotoKey-0123456789abcdef"  # the form app.profiles.photos gives keys


@dataclass
class PrivacyWorld:
    group: object
    zelda: Member
    bo: Member  # shares the group, sat with Zelda, does business with her
    cy: Member  # another member of the group
    admin: Member
    organizer: Member
    past: object  # a closed meeting with check-ins and encounters
    coming: object  # a meeting ahead with Zelda's sign-up and guest
    request: HelpRequest  # Zelda's request
    bo_request: HelpRequest
    private_answer: RequestAnswer  # Bo's private answer on Zelda's request
    cy_private_answer: RequestAnswer  # Cy's private answer on Bo's request: never Zelda's


def mime(subject: str, to: str, text: str, *, base64: bool = False) -> str:
    message = EmailMessage(policy=policy.default)
    message["Subject"] = subject
    message["From"] = "Kaffeklub <kaffeklub@example.test>"
    message["To"] = to
    message.set_content(text, cte="base64" if base64 else "8bit")
    message.add_alternative(f"<p>{text}</p>", subtype="html")
    return message.as_bytes().decode("utf-8")


def build_privacy_world() -> PrivacyWorld:
    group = create_group(name="Kaffeklub Odense", slug="kaffeklub-odense")
    admin = create_admin(name="Ada Admin")
    organizer = create_member(name="Olaf Organizer", groups=[group], role="organizer")
    zelda = create_member(name=NAME, email=EMAIL, phone=PHONE, company="Quornwhistle Consult",
                          title="Owner", industry="Revision", bio=f"I am {NAME}, call {PHONE}.",
                          offers="Bookkeeping", seeks="Clients", website="https://quornwhistle.example",
                          groups=[group], photo_key=ZELDA_PHOTO_KEY, password_hash="pbkdf2:fake$hash")
    bo = create_member(name="Bo Bager", groups=[group])
    cy = create_member(name="Cy Cykel", groups=[group])
    zelda.competencies = [Competency(name="quornwhistling"), Competency(name="bogføring")]
    bo.competencies = [db.session.scalar(select(Competency).where(Competency.name == "bogføring"))]
    now = utcnow()
    past = create_meeting(group=group, title="Morgenmøde i januar",
                          starts_at=now - timedelta(days=30), closed_at=now - timedelta(days=29))
    coming = create_meeting(group=group, title="Morgenmøde i marts", agenda=f"Oplæg ved {NAME}")
    # Sign-ups, afbud, a guest, check-ins, encounters, calendar invitations and replies.
    rsvp = Rsvp(meeting=coming, member_id=zelda.id, status="going", message="")
    db.session.add(rsvp)
    db.session.add(Rsvp(meeting=past, member_id=zelda.id, status="going"))
    db.session.add(Rsvp(meeting=past, member_id=bo.id, status="going"))
    afbud_meeting = create_meeting(group=group, title="Morgenmøde i april",
                                   starts_at=now + timedelta(days=40))
    db.session.add(Rsvp(meeting=afbud_meeting, member_id=zelda.id, status="declined",
                        message=f"Sorry, {NAME} is ill; call {PHONE}"))
    guest = MeetingGuest(meeting=coming, rsvp=rsvp, name="Gustav Gæst", email="gustav@example.test",
                         company="Gæst ApS", status="going")
    db.session.add(guest)
    db.session.flush()
    db.session.add(CheckIn(meeting=past, member_id=zelda.id))
    db.session.add(CheckIn(meeting=past, member_id=bo.id))
    db.session.add(CheckIn(meeting=past, name="Vera Visitor", email="vera@example.test", company="V ApS",
                           brought_by_id=zelda.id, walk_in=True))
    a, b = sorted((zelda.id, bo.id))
    db.session.add(Encounter(meeting=past, group_id=group.id, round=1, table_no=1, member_a_id=a,
                             member_b_id=b, met_on=past.starts_at.date()))
    db.session.add(MeetingInvite(meeting=coming, member_id=zelda.id, email=EMAIL, name=NAME,
                                 partstat="ACCEPTED", replied_at=now))
    db.session.add(MeetingInvite(meeting=coming, guest_id=guest.id, email="gustav@example.test",
                                 name="Gustav Gæst"))
    db.session.add(MeetingChange(meeting=coming, member_id=organizer.id, action="updated",
                                 changes={"agenda": ["", f"Oplæg ved {NAME}"]}))
    # 1-to-1s
    db.session.add(OneToOne(proposer_id=zelda.id, partner_id=bo.id, met_on=date.today(), status="confirmed",
                            place="Quornwhistle Consult, Vestergade 3", note=f"{NAME} brings coffee"))
    db.session.add(OneToOne(proposer_id=cy.id, partner_id=zelda.id, met_on=date.today(), status="confirmed",
                            note=f"Meet {NAME} at her office"))
    # Requests and answers
    request = HelpRequest(author_id=zelda.id, title=f"{NAME} seeks an accountant", body=f"Call me: {PHONE}",
                          groups=[group])
    bo_request = HelpRequest(author_id=bo.id, title="Who knows a baker's oven?", body="Mine broke",
                             groups=[group])
    db.session.add_all([request, bo_request])
    db.session.flush()
    private_answer = RequestAnswer(request=request, author_id=bo.id, kind="offer", body="I can, privately",
                                   private=True)
    cy_private_answer = RequestAnswer(request=bo_request, author_id=cy.id, kind="offer",
                                      body="Cy's secret offer to Bo", private=True)
    db.session.add_all([private_answer, cy_private_answer,
                        RequestAnswer(request=bo_request, author_id=zelda.id, kind="referral",
                                      body=f"{NAME} says: talk to my uncle",
                                      referred_name="Uncle Quornwhistle"),
                        RequestAnswer(request=bo_request, author_id=cy.id, kind="referral",
                                      body=f"Talk to {NAME}", referred_member_id=zelda.id)])
    db.session.flush()
    db.session.add(SocialChange(item_type="request", item_id=request.id, actor_id=zelda.id, action="updated",
                                changes={"body": ["", f"Call me: {PHONE}"]}))
    # Referrals, help, thanks (with amounts: the ledger's sums must survive)
    referral = Referral(giver_id=zelda.id, receiver_id=bo.id, group_id=group.id, contact_name="Karla Kunde",
                        contact_company="Kunde A/S", contact_phone="+45 99 88 77 66",
                        contact_email="karla@kunde.example", about=f"Say {NAME} sent you", warmth="may_call")
    db.session.add(referral)
    db.session.add(Referral(giver_id=bo.id, receiver_id=zelda.id, group_id=group.id,
                            contact_name="Per Privat", about="A lead for you", warmth="tip"))
    db.session.add(HelpRecord(giver_id=zelda.id, receiver_id=bo.id, group_id=group.id, kind="advice",
                              description=f"{NAME} explained VAT", given_on=date.today(),
                              recorded_by_id=zelda.id))
    db.session.flush()
    db.session.add(Thanks(thanker_id=bo.id, thanked_id=zelda.id, group_id=group.id, kind="business",
                          referral_id=None, amount_dkk=12500, message=f"Thank you {NAME}!"))
    db.session.add(Thanks(thanker_id=zelda.id, thanked_id=bo.id, group_id=group.id, kind="business",
                          referral_id=referral.id, amount_dkk=4000, message="Tak Bo, fra Zelda Quornwhistle"))
    # History, logins, tokens, feeds, invitations, attempts, visitor requests
    db.session.add(MemberEvent(member_id=zelda.id, actor_id=admin.id, actor_is_admin=True,
                               kind="profile_edited", detail="phone,company"))
    db.session.add(MemberEvent(member_id=zelda.id, actor_id=organizer.id, kind="added", group_id=group.id))
    db.session.add(MemberEvent(member_id=bo.id, actor_id=organizer.id, kind="added", group_id=group.id,
                               detail=f"recommended by {NAME}"))
    db.session.add(LoginToken(member_id=zelda.id, token_hash="a" * 64, expires_at=now + timedelta(minutes=30),
                              requested_ip="10.1.2.3"))
    db.session.add(LoginSession(member_id=zelda.id, token_hash="b" * 64, expires_at=now + timedelta(days=1),
                                user_agent="Firefox", ip="10.1.2.3"))
    db.session.add(ApiToken(member_id=zelda.id, name="CRM sync", token_hash="c" * 64, prefix="kk_abc"))
    db.session.add(CalendarFeed(member_id=zelda.id, nonce="n" * 32, token_hash="d" * 64))
    db.session.add(LoginAttempt(kind="link", email=EMAIL, ip="10.1.2.3", succeeded=True))
    other_group = create_group(name="Kaffeklub Vejle")
    db.session.add(GroupInvitation(group_id=other_group.id, email=EMAIL, name=NAME, phone=PHONE,
                                   token_hash="e" * 64, expires_at=now + timedelta(days=7)))
    db.session.add(GroupInvitation(group_id=group.id, email=EMAIL, name=NAME, phone=PHONE,
                                   token_hash="f" * 64, expires_at=now - timedelta(days=7), accepted_at=now))
    db.session.add(VisitorRequest(group_id=group.id, name=NAME, email=EMAIL, phone=PHONE, message="Hi"))
    # Mail: to her (sent and pending), about her to Bo (8bit and base64), inbound from her.
    db.session.add(OutboxMessage(message_id="<m1@example.test>", sender="kaffeklub@example.test",
                                 recipients=EMAIL, subject=f"Velkommen, {NAME}", member_id=zelda.id,
                                 raw=mime(f"Velkommen, {NAME}", f"{NAME} <{EMAIL}>", "Hej Zelda"),
                                 status="sent", sent_at=now))
    db.session.add(OutboxMessage(message_id="<m2@example.test>", sender="kaffeklub@example.test",
                                 recipients=EMAIL, subject="Påmindelse", member_id=zelda.id,
                                 raw=mime("Påmindelse", EMAIL, "Vi ses")))
    db.session.add(OutboxMessage(message_id="<m3@example.test>", sender="kaffeklub@example.test",
                                 recipients=bo.email, subject=f"Afbud fra {NAME}", member_id=bo.id,
                                 raw=mime(f"Afbud fra {NAME}", bo.email,
                                          f"{NAME} ({EMAIL}, {PHONE}) har sendt afbud. Ærligt."),
                                 status="sent", sent_at=now))
    db.session.add(OutboxMessage(message_id="<m4@example.test>", sender="kaffeklub@example.test",
                                 recipients=bo.email, subject="En henvisning", member_id=bo.id,
                                 raw=mime("En henvisning", bo.email, f"Ring til {NAME} på {PHONE}. Øl?",
                                          base64=True)))
    db.session.add(InboundMail(sha256="9" * 64, sender=f"{NAME} <{EMAIL}>", subject=f"Accepted: {NAME}",
                               raw=f"From: {EMAIL}\r\n\r\nhi".encode(), outcome="applied",
                               member_id=zelda.id))
    db.session.commit()
    return PrivacyWorld(group=group, zelda=zelda, bo=bo, cy=cy, admin=admin, organizer=organizer, past=past,
                        coming=coming, request=request, bo_request=bo_request, private_answer=private_answer,
                        cy_private_answer=cy_private_answer)


def _texts_of_mime(raw: str) -> list[str]:
    message = email.message_from_bytes(raw.encode("utf-8", "surrogateescape"), policy=policy.default)
    texts = [str(message[name]) for name in ("Subject", "To", "From", "Cc") if message[name] is not None]
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            texts.append(part.get_content())
    return texts


def find_traces(terms=TERMS) -> list[tuple[str, str, object]]:
    """Every (table, column, value) in the whole database, reflected, holding one of the terms
    (case-insensitive): text, JSON and binary columns, and the decoded parts of outbox mails."""
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    needles = [t.casefold() for t in terms]
    found = []
    with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(table.select()).mappings():
                for column, value in row.items():
                    texts: list[str] = []
                    if isinstance(value, bytes | memoryview):
                        texts.append(bytes(value).decode("utf-8", "replace"))
                    elif isinstance(value, str):
                        texts.append(value)
                        if table.name == "outbox_messages" and column == "raw":
                            texts += _texts_of_mime(value)
                    elif isinstance(value, dict | list):
                        import json

                        texts.append(json.dumps(value, ensure_ascii=False))
                    for text in texts:
                        if any(needle in text.casefold() for needle in needles):
                            found.append((table.name, column, value))
    return found


def add_second_admin() -> Member:
    return create_admin(name="Second Admin")


__all__ = ["EMAIL", "NAME", "PHONE", "PrivacyWorld", "add_membership", "build_privacy_world", "find_traces",
           "mime"]
