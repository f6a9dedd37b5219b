"""A plain "Reply" to a calendar invitation ("I'll be 10 minutes late") reaches the group's organizers:
`app.inbound.services.ingest` forwards the text of a message without a calendar part that came to an
invitation's signed reply address, and never forwards what could loop or flood (automatic replies,
no or a bad token, duplicates, our own addresses, more than FORWARDS_PER_DAY per invitation)."""

from __future__ import annotations

import email
import email.message
import email.policy
import email.utils
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.calendars.reply_address import make_token, reply_address
from app.extensions import db
from app.inbound import services
from app.inbound.services import FORWARDED, FORWARDS_PER_DAY, ingest, message_text
from app.models import MeetingGuest, OutboxMessage
from app.models.calendar import InboundMail, MeetingInvite
from tests.factories import add_membership, create_meeting, create_member, create_organizer
from tests.web.inbound_helpers import invite_one_member


@pytest.fixture
def world_(app, english):
    app.config.update(MAIL_DOMAIN="kaffeklub.test", CALENDAR_REPLY_TOKENS=True,
                      CALENDAR_REPLY_ADDRESS="svar@kaffeklub.test")
    # 23:30 UTC is 00:30 the next day in Copenhagen: the mail shows the group's time
    meeting = create_meeting(title="Breakfast in March", starts_at=datetime(2031, 3, 5, 23, 30, tzinfo=UTC),
                             ends_at=datetime(2031, 3, 6, 1, 0, tzinfo=UTC))
    olga = create_organizer(meeting.group, name="Olga Organizer", email="olga@example.test", language="en")
    otto = create_organizer(meeting.group, name="Otto Organizer", email="otto@example.test", language="da")
    gone = create_organizer(meeting.group, name="Gone Organizer", email="gone@example.test", active=False)
    member = create_member(name="Mads Member", email="mads@example.test", language="en")
    add_membership(member, meeting.group)
    invite = MeetingInvite(meeting_id=meeting.id, member_id=member.id, email=member.email, name=member.name)
    db.session.add(invite)
    db.session.commit()
    return dict(meeting=meeting, olga=olga, otto=otto, gone=gone, member=member, invite=invite)


def plain_reply(to: str, *, sender="Mads Member <mads@example.test>", text="Jeg kommer 10 min for sent.",
                html: str | None = None, headers: dict | None = None, attachment: bytes | None = None,
                message_id: str | None = None) -> bytes:
    message = email.message.EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: Invitation: Breakfast in March"
    message["Message-ID"] = message_id or email.utils.make_msgid()
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="octet-stream",
                               filename="secret.bin")
    return message.as_bytes()


def forwards() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "inbound_forward")
                                   .order_by(OutboxMessage.id)).all())


def text_of(outbox: OutboxMessage) -> str:
    message = email.message_from_bytes(outbox.raw.encode("utf-8"), policy=email.policy.default)
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html_of(outbox: OutboxMessage) -> str:
    message = email.message_from_bytes(outbox.raw.encode("utf-8"), policy=email.policy.default)
    return message.get_body(preferencelist=("html",)).get_content()


def test_a_plain_reply_is_forwarded_to_each_active_organizer(world_):
    invite = world_["invite"]
    mail = ingest(plain_reply(reply_address(invite.id)))
    assert mail.outcome == "ignored"
    assert mail.partstat == FORWARDED
    assert mail.invite_id == invite.id and mail.meeting_id == world_["meeting"].id
    assert "forwarded to 2 organizers" in mail.detail
    sent = forwards()
    assert sorted(o.recipients for o in sent) == ["olga@example.test", "otto@example.test"]
    olga = next(o for o in sent if o.recipients == "olga@example.test")
    subject = email.message_from_string(olga.raw, policy=email.policy.default)["Subject"]
    assert subject == "Message from Mads Member about Breakfast in March"
    text = text_of(olga)
    assert text.startswith("Hi Olga,")
    assert "Mads Member (mads@example.test) answered the invitation" in text
    assert "Breakfast in March" in text and "March 6, 2031, 12:30" in text  # the group's zone
    assert "Jeg kommer 10 min for sent." in text
    assert "You can answer Mads Member directly at mads@example.test." in text
    assert f"/meetings/{world_['meeting'].id}/" in text  # the attendee page
    assert "was sent from" not in text  # the From is the invitation's address
    assert "Jeg kommer 10 min for sent." in html_of(olga)
    otto = next(o for o in sent if o.recipients == "otto@example.test")
    assert text_of(otto).startswith("Hej Otto")  # the organizer's own language
    assert not [o for o in sent if o.recipients == "gone@example.test"]


def test_the_from_is_named_when_it_differs_and_the_text_is_cleaned_and_cut(world_):
    invite = world_["invite"]
    long_text = "Hej\x00 med\x07 dig\n\n\n\n" + "x" * 10_000
    raw = plain_reply(reply_address(invite.id), sender="Mads privat <mads@home.test>", text=long_text,
                      attachment=b"ATTACHMENT-BYTES-" * 10)
    mail = ingest(raw)
    assert mail.partstat == FORWARDED, mail.detail
    text = text_of(forwards()[0])
    assert "The message was sent from Mads privat <mads@home.test>." in text
    assert "Hej med dig\n\nxxx" in text and "\x00" not in text and "\x07" not in text
    assert "x" * 201 not in text and "…" in text  # long lines broken, cut after ~4,000 characters
    assert 3900 < text.count("x") <= 4000
    assert "ATTACHMENT" not in text and "QVRUQUNI" not in forwards()[0].raw


def test_an_html_only_reply_is_read_as_text():
    raw = plain_reply("svar+x@kaffeklub.test", text=None,
                      html="<html><head><style>p{color:red}</style></head><body><p>Jeg kommer &amp; "
                           "tager kage med</p><div>Hilsen<br>Mads</div><script>alert(1)</script>"
                           "</body></html>")
    text = message_text(raw)
    assert [line for line in text.splitlines() if line] == ["Jeg kommer & tager kage med", "Hilsen", "Mads"]
    assert "alert" not in text and "color" not in text


def test_a_guests_reply_names_the_guest_and_who_brought_them(world_):
    from app.rsvp import services as rsvp_services

    rsvp_services.add_guest(world_["member"], world_["meeting"].id,
                            {"name": "Gitte Guest", "email": "gitte@example.test"})
    guest = db.session.scalar(select(MeetingGuest).where(MeetingGuest.email == "gitte@example.test"))
    invite = MeetingInvite(meeting_id=world_["meeting"].id, guest_id=guest.id, email=guest.email,
                           name=guest.name)
    db.session.add(invite)
    db.session.commit()
    count = len(forwards())
    mail = ingest(plain_reply(reply_address(invite.id), sender="gitte@example.test", text="Kan vi parkere?"))
    assert mail.partstat == FORWARDED, mail.detail
    new = forwards()[count:]
    assert len(new) == 2
    text = text_of(next(o for o in new if o.recipients == "olga@example.test"))
    assert "Gitte Guest (gitte@example.test), the guest of Mads Member, answered" in text
    assert "Kan vi parkere?" in text


def test_an_organizers_own_reply_goes_to_the_other_organizers(world_):
    olga = world_["olga"]
    invite = MeetingInvite(meeting_id=world_["meeting"].id, member_id=olga.id, email=olga.email,
                           name=olga.name)
    db.session.add(invite)
    db.session.commit()
    mail = ingest(plain_reply(reply_address(invite.id), sender=olga.email))
    assert "forwarded to 1 organizer." in mail.detail
    assert [o.recipients for o in forwards()] == ["otto@example.test"]


def _not_forwarded(mail):
    assert mail.outcome == "ignored", mail.detail
    assert mail.partstat != FORWARDED
    assert forwards() == []


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"}, {"Auto-Submitted": "auto-generated"}, {"X-Autoreply": "yes"},
    {"Precedence": "bulk"}, {"Subject": "Automatic reply: Invitation"},
])
def test_an_automatic_reply_is_never_forwarded(world_, headers):
    raw = plain_reply(reply_address(world_["invite"].id), headers={k: v for k, v in headers.items()
                                                                    if k != "Subject"})
    if "Subject" in headers:
        raw = raw.replace(b"Subject: Re: Invitation: Breakfast in March",
                          b"Subject: " + headers["Subject"].encode())
    _not_forwarded(ingest(raw))


@pytest.mark.parametrize("to", [
    "svar@kaffeklub.test",  # no token
    "svar+i1.abcdefghijklmnop@kaffeklub.test",  # a token that is not ours
    "svar+garbage@kaffeklub.test",
])
def test_without_a_valid_token_nothing_is_forwarded(world_, to):
    mail = ingest(plain_reply(to))
    _not_forwarded(mail)
    assert mail.invite_id is None


def test_an_invitation_that_is_gone_forwards_nothing(world_):
    raw = plain_reply(f"svar+{make_token(999_999)}@kaffeklub.test")
    _not_forwarded(ingest(raw))


def test_a_token_in_the_cc_with_another_tokens_address_forwards_nothing(world_):
    other = MeetingInvite(meeting_id=world_["meeting"].id, member_id=world_["olga"].id,
                          email=world_["olga"].email, name="Olga")
    db.session.add(other)
    db.session.commit()
    raw = plain_reply(reply_address(world_["invite"].id), headers={"Cc": reply_address(other.id)})
    _not_forwarded(ingest(raw))


def test_with_reply_tokens_off_nothing_is_forwarded(world_, app):
    raw = plain_reply(reply_address(world_["invite"].id))
    app.config["CALENDAR_REPLY_TOKENS"] = False
    _not_forwarded(ingest(raw))


def test_a_duplicate_is_forwarded_once(world_):
    raw = plain_reply(reply_address(world_["invite"].id), message_id="<same@example.test>")
    first = ingest(raw)
    assert first.partstat == FORWARDED
    again = ingest(raw)  # the same bytes
    assert again.outcome == "duplicate"
    other_route = ingest(raw.replace(b"Subject: Re:", b"X-Route: 2\r\nSubject: Re:", 1)
                         if b"\r\n" in raw else raw.replace(b"Subject: Re:", b"X-Route: 2\nSubject: Re:", 1))
    assert other_route.id != first.id
    assert other_route.outcome == "ignored" and other_route.partstat != FORWARDED
    assert f"#{first.id}" in other_route.detail
    assert len(forwards()) == 2


@pytest.mark.parametrize("sender", [
    "svar@kaffeklub.test", "Kaffeklub <SVAR@kaffeklub.test>", "svar+i1.abcdefghijklmnop@kaffeklub.test",
    "MAILER-DAEMON@mx.example.test", "postmaster@example.test", "",
])
def test_a_mail_from_our_own_addresses_is_never_forwarded(world_, sender):
    raw = plain_reply(reply_address(world_["invite"].id), sender=sender)
    _not_forwarded(ingest(raw))


def test_a_mail_from_the_invitations_own_reply_address_is_never_forwarded(world_):
    address = reply_address(world_["invite"].id)
    _not_forwarded(ingest(plain_reply(address, sender=address)))


def test_a_mail_from_the_networks_sender_is_never_forwarded(world_):
    from app.mail.services import _sender_pair
    from app.models import NetworkSettings

    sender = _sender_pair(NetworkSettings.get())[1]
    _not_forwarded(ingest(plain_reply(reply_address(world_["invite"].id), sender=sender)))


def test_an_empty_or_oversize_or_garbage_message_is_not_forwarded(world_, app):
    address = reply_address(world_["invite"].id)
    _not_forwarded(ingest(plain_reply(address, text="   \n\n ")))
    app.config["INBOUND_MAX_BYTES"] = 5000
    mail = ingest(plain_reply(address, text="y" * 20_000))
    assert mail.outcome == "rejected" and forwards() == []
    app.config["INBOUND_MAX_BYTES"] = 10_000_000
    garbage = f"To: {address}\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x".encode()
    ingest(garbage)
    assert forwards() == []


def test_at_most_a_few_forwards_per_invitation_a_day(world_):
    address = reply_address(world_["invite"].id)
    for n in range(FORWARDS_PER_DAY):
        assert ingest(plain_reply(address, text=f"Besked {n}")).partstat == FORWARDED
    held = ingest(plain_reply(address, text="En til"))
    assert held.outcome == "ignored" and held.partstat != FORWARDED
    assert held.invite_id == world_["invite"].id
    assert f"{FORWARDS_PER_DAY} messages about this invitation were forwarded" in held.detail
    assert len(forwards()) == 2 * FORWARDS_PER_DAY
    # a day later the count starts again
    db.session.execute(InboundMail.__table__.update()
                       .values(received_at=datetime.now(UTC) - timedelta(days=2)))
    db.session.commit()
    assert ingest(plain_reply(address, text="Næste dag")).partstat == FORWARDED


def test_no_active_organizer(world_):
    for person in (world_["olga"], world_["otto"]):
        person.active = False
    db.session.commit()
    mail = ingest(plain_reply(reply_address(world_["invite"].id)))
    _not_forwarded(mail)
    assert "no active organizer" in mail.detail


def test_the_detail_is_in_the_networks_language(world_):
    from app.models import NetworkSettings

    NetworkSettings.get().default_language = "da"
    db.session.commit()
    mail = ingest(plain_reply(reply_address(world_["invite"].id)))
    assert mail.partstat == FORWARDED
    assert mail.detail == services._detail("forwarded", count=2)


def test_a_plain_reply_to_a_real_invitation_reaches_the_organizers(app, english):
    """The invitation we send, answered with the mail program's plain Reply."""
    _meeting, organizer, member = invite_one_member(app)
    sent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipients == member.email))
    invitation = email.message_from_string(sent.raw, policy=email.policy.default)
    raw = plain_reply(str(invitation["From"]), sender=str(invitation["To"]), text="Jeg kommer lidt senere")
    mail = ingest(raw)
    assert mail.partstat == FORWARDED, mail.detail
    (forward,) = forwards()
    assert forward.recipients == organizer.email
    assert "Jeg kommer lidt senere" in text_of(forward)
    assert db.session.scalar(select(func.count(InboundMail.id))) == 1


def test_the_admin_page_shows_a_forwarded_message(world_, client, login):
    from tests.factories import create_admin

    hostile = "<script>alert(1)</script> Kommer senere"
    mail = ingest(plain_reply(reply_address(world_["invite"].id), text=hostile))
    assert mail.partstat == FORWARDED
    assert hostile in text_of(forwards()[0])  # plain text: as written
    assert "<script>alert" not in html_of(forwards()[0])  # the HTML part escapes it
    login(create_admin(name="Anna Admin"))
    listing = client.get("/admin/mail/inbound")
    assert listing.status_code == 200
    assert "forwarded to 2 organizers" in listing.get_data(as_text=True)
    shown = client.get(f"/admin/mail/inbound/{mail.id}")
    assert shown.status_code == 200
    assert "forwarded to 2 organizers" in shown.get_data(as_text=True)


@pytest.mark.parametrize("quoted", [
    "Den ons. 16. dec. 2026 kl. 08.00 skrev Kaffeklub <svar+i1.abc@kaffeklub.test>:\n> Hej Mads\n"
    "> Ja: {link}",
    "On Wed, Dec 16, 2026 at 8:00 AM Kaffeklub <svar@kaffeklub.test>\nwrote:\n\nHej Mads\nJa: {link}",
    "________________________________\nFra: Kaffeklub <svar@kaffeklub.test>\nSendt: 16. december 2026\n"
    "Til: Mads\nEmne: Invitation\n\nHej Mads\nJa: {link}",
    "-----Original Message-----\nFrom: Kaffeklub\nHej Mads\nJa: {link}",
    "> Hej Mads\n> Ja: {link}",
])
def test_the_quoted_invitation_with_the_members_links_is_left_out(quoted):
    link = "https://kaffeklub.test/r/secret-answer-token"
    raw = plain_reply("svar+x@kaffeklub.test", text="Jeg kommer 10 min for sent.\n\nMads\n\n"
                      + quoted.format(link=link))
    assert message_text(raw) == "Jeg kommer 10 min for sent.\n\nMads"


def test_a_bottom_posted_answer_keeps_the_answer():
    raw = plain_reply("svar+x@kaffeklub.test", text="> Du er inviteret\n> Ja: https://x/y\n\nJeg kommer!\n")
    assert message_text(raw) == "Jeg kommer!"


def test_quoted_html_is_left_out():
    raw = plain_reply("svar+x@kaffeklub.test", text=None,
                      html="<div>Jeg kommer</div><div class=gmail_quote><blockquote>Hej Mads <a href="
                           "'https://x/secret'>Ja</a></blockquote></div>")
    assert message_text(raw) == "Jeg kommer"
