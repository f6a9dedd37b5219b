"""Calendar REPLYs end to end through `app.inbound.services.ingest`: matched on the reply token,
UID and ATTENDEE, applied with the web's sign-up rules, everything else kept and changing nothing;
and the admin pages for what came in.

The messages are the real clients' shapes (tests/data/replies/), personalised for the invitation."""

from __future__ import annotations

import email
import email.encoders
import email.message
import email.policy
import email.utils
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.calendars.feeds import meeting_uid
from app.calendars.reply_address import make_token, reply_address
from app.extensions import db
from app.inbound.services import ingest
from app.models import GuestStatus, MeetingGuest, OutboxMessage, Rsvp, RsvpStatus, utcnow
from app.models.calendar import InboundMail, MeetingInvite
from tests.factories import create_admin, create_meeting
from tests.web.inbound_helpers import (  # noqa: F401 -- FIXTURE_*, REPLIES, personalize: test_calendar_snapshots
    FIXTURE_ATTENDEE,
    FIXTURE_REPLY_TO,
    FIXTURE_UID,
    REPLIES,
    invite_one_member,
    invite_two_members,
    personalize,
)


@pytest.fixture
def setup(app, english):
    return invite_two_members(app)

def rsvp_of(member, meeting) -> Rsvp | None:
    db.session.expire_all()
    return db.session.scalar(select(Rsvp).where(Rsvp.member_id == member.id, Rsvp.meeting_id == meeting.id))


def outbox_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipients == address)).all())


def outbox_count() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)))


def text_of(outbox: OutboxMessage) -> str:
    message = email.message_from_string(outbox.raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


# --- the four clients ------------------------------------------------------------------------------


@pytest.mark.parametrize(("fixture", "status"), [
    ("outlook_accepted.eml", RsvpStatus.GOING.value),
    ("google_accepted.eml", RsvpStatus.GOING.value),
    ("apple_declined.eml", RsvpStatus.DECLINED.value),
])
def test_accept_and_decline_from_each_client(setup, fixture, status):
    mail = ingest(setup.reply(fixture))
    assert mail.outcome == "applied", mail.detail
    rsvp = rsvp_of(setup.member, setup.meeting)
    assert rsvp.status == status
    assert rsvp.via == "calendar"
    invite = db.session.get(MeetingInvite, setup.invite.id)
    assert invite.partstat == ("DECLINED" if status == "declined" else "ACCEPTED")
    assert invite.replied_at is not None
    assert (mail.member_id, mail.meeting_id, mail.invite_id) == (setup.member.id, setup.meeting.id, invite.id)
    assert mail.recipient == reply_address(invite.id)
    assert "Mads Member" in mail.detail


def test_decline_keeps_the_comment_as_the_afbud_message(setup):
    ingest(setup.reply("outlook_accepted.eml", partstat="DECLINED"))
    rsvp = rsvp_of(setup.member, setup.meeting)
    assert rsvp.status == "declined"
    assert rsvp.message == "Jeg kommer gerne – og tager en kollega med næste gang."


def test_a_long_comment_with_control_characters_is_cleaned(setup):
    comment = "Syg\\n" + "\x01\x7f" + "å" * 3000
    ingest(setup.reply("apple_declined.eml",
                       extra={"REQUEST-STATUS": f"COMMENT:{comment}\r\nREQUEST-STATUS"}))
    rsvp = rsvp_of(setup.member, setup.meeting)
    assert rsvp.status == "declined"
    assert rsvp.message.startswith("Syg\nååå")
    assert len(rsvp.message) <= 1000
    assert "\x01" not in rsvp.message


@pytest.mark.parametrize(("offset", "outcome"), [(timedelta(0), "applied"), (timedelta(days=7), "ignored")])
def test_recurrence_id_applies_only_for_the_meeting_itself(setup, offset, outcome):
    moment = (setup.meeting.starts_at.astimezone(UTC) + offset).strftime("%Y%m%dT%H%M%SZ")
    mail = ingest(setup.reply("thunderbird_tentative.eml", partstat="ACCEPTED",
                              extra={"TRANSP:OPAQUE": f"TRANSP:OPAQUE\r\nRECURRENCE-ID:{moment}"}))
    assert mail.outcome == outcome, mail.detail
    assert (rsvp_of(setup.member, setup.meeting) is not None) == (outcome == "applied")


def test_tentative_is_recorded_without_a_seat(setup):
    ingest(setup.reply("outlook_accepted.eml"))
    mail = ingest(setup.reply("thunderbird_tentative.eml"))
    assert mail.outcome == "applied"
    assert mail.partstat == "TENTATIVE"
    assert rsvp_of(setup.member, setup.meeting).status == "going"  # "maybe" gives up nothing
    assert db.session.get(MeetingInvite, setup.invite.id).partstat == "TENTATIVE"


def test_tentative_alone_takes_no_seat(setup):
    ingest(setup.reply("thunderbird_tentative.eml"))
    assert rsvp_of(setup.member, setup.meeting) is None


# --- outcomes that differ from what was asked ------------------------------------------------------


def test_accept_into_a_full_meeting_is_waitlisted_and_told(setup):
    from app.rsvp import services as rsvp_services

    setup.meeting.capacity = 1
    db.session.commit()
    rsvp_services.answer(setup.other, setup.meeting.id, "yes")
    before = len(outbox_to(setup.member.email))
    mail = ingest(setup.reply())
    assert mail.outcome == "applied"
    assert rsvp_of(setup.member, setup.meeting).status == "waitlisted"
    assert "waitlist" in mail.detail
    sent = outbox_to(setup.member.email)
    assert len(sent) == before + 1
    assert "number 1 on the waitlist" in text_of(sent[-1])


def test_accept_after_the_deadline_changes_nothing_and_is_told(setup):
    setup.meeting.rsvp_deadline = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    mail = ingest(setup.reply())
    assert mail.outcome == "rejected"
    assert "deadline" in mail.detail
    assert rsvp_of(setup.member, setup.meeting) is None
    sent = outbox_to(setup.member.email)
    assert len(sent) == 1
    assert "deadline" in text_of(sent[0])


def test_decline_after_the_deadline_is_a_late_afbud(setup):
    from app.rsvp import services as rsvp_services

    rsvp_services.answer(setup.member, setup.meeting.id, "yes")
    setup.meeting.rsvp_deadline = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    count = outbox_count()
    mail = ingest(setup.reply("apple_declined.eml"))
    assert mail.outcome == "applied"
    rsvp = rsvp_of(setup.member, setup.meeting)
    assert (rsvp.status, rsvp.late) == ("declined", True)
    assert outbox_count() == count  # nothing to tell: they got what they asked


def test_accept_for_a_cancelled_meeting_is_refused(setup):
    setup.meeting.status = "cancelled"
    db.session.commit()
    mail = ingest(setup.reply())
    assert mail.outcome == "rejected"
    assert rsvp_of(setup.member, setup.meeting) is None


def test_a_member_who_left_the_group_cannot_answer(setup):
    from app.models import Membership

    db.session.execute(Membership.__table__.delete().where(Membership.member_id == setup.member.id))
    db.session.commit()
    mail = ingest(setup.reply())
    assert mail.outcome == "rejected"
    assert rsvp_of(setup.member, setup.meeting) is None


def test_an_automatically_generated_reply_is_applied_but_never_answered(setup):
    """Google's REPLY carries Auto-Submitted: auto-generated: the answer counts, but a mail back to
    an automatic sender could start a loop, so the waitlist note is not sent."""
    from app.rsvp import services as rsvp_services

    setup.meeting.capacity = 1
    db.session.commit()
    rsvp_services.answer(setup.other, setup.meeting.id, "yes")
    count = outbox_count()
    mail = ingest(setup.reply("google_accepted.eml"))
    assert mail.outcome == "applied"
    assert rsvp_of(setup.member, setup.meeting).status == "waitlisted"
    assert outbox_count() == count


# --- refused: nothing changes --------------------------------------------------------------------


def _assert_nothing_changed(setup, mail, outcome="rejected"):
    assert mail.outcome == outcome, mail.detail
    assert rsvp_of(setup.member, setup.meeting) is None
    assert rsvp_of(setup.other, setup.meeting) is None
    for invite_id in (setup.invite.id, setup.other_invite.id):
        invite = db.session.get(MeetingInvite, invite_id)
        assert (invite.partstat, invite.replied_at) == ("NEEDS-ACTION", None)
    assert outbox_count() == 0
    assert db.session.get(InboundMail, mail.id).raw  # kept for the admin


def test_unknown_uid(setup):
    mail = ingest(setup.reply(uid="meeting-999999@kaffeklub.test"))
    _assert_nothing_changed(setup, mail)
    assert "UID" in mail.detail


def test_uid_of_another_meeting(setup):
    another = create_meeting(group=setup.meeting.group)
    mail = ingest(setup.reply(uid=meeting_uid(another)))
    _assert_nothing_changed(setup, mail)


def test_wrong_attendee(setup):
    mail = ingest(setup.reply(attendee="someone.else@example.test"))
    _assert_nothing_changed(setup, mail)
    assert "someone.else@example.test" in mail.detail


def test_bad_token(setup):
    good = reply_address(setup.invite.id)
    local, domain = good.split("@")
    altered = local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + domain
    mail = ingest(setup.reply(to=altered))
    _assert_nothing_changed(setup, mail)
    assert "token" in mail.detail


def test_token_of_another_invitation(setup):
    """Olga's reply address with Mads's address and the meeting's UID: refused."""
    mail = ingest(setup.reply(to=reply_address(setup.other_invite.id)))
    _assert_nothing_changed(setup, mail)


def test_a_reply_cannot_be_forged_with_only_the_address_and_the_uid(setup):
    """Someone who knows a member's address and the meeting's UID, but not the signed token."""
    for to in ("svar@kaffeklub.test", f"svar+i{setup.invite.id}.aaaaaaaaaaaaaaaa@kaffeklub.test",
               "svar+" + make_token(setup.invite.id + 1000) + "@kaffeklub.test"):
        mail = ingest(setup.reply(to=to))
        _assert_nothing_changed(setup, mail)


def test_not_invited(setup):
    db.session.delete(db.session.get(MeetingInvite, setup.invite.id))
    db.session.commit()
    mail = ingest(setup.reply(invite=setup.invite))
    assert mail.outcome == "rejected"
    assert rsvp_of(setup.member, setup.meeting) is None


def test_a_reply_next_to_a_request_is_refused(setup):
    raw = setup.reply("google_accepted.eml")
    inline_request = raw.replace(b"METHOD:REPLY", b"METHOD:REQUEST", 1)  # the 8bit part only
    mail = ingest(inline_request)
    assert "different" in mail.detail
    _assert_nothing_changed(setup, mail)


@pytest.mark.parametrize("method", ["COUNTER", "REFRESH", "REQUEST", "PUBLISH"])
def test_other_methods_are_ignored(setup, method):
    mail = ingest(setup.reply("thunderbird_tentative.eml", method=method))
    assert method in mail.detail
    _assert_nothing_changed(setup, mail, "ignored")


def test_an_out_of_office_is_ignored_and_not_answered(setup):
    raw = b"Auto-Submitted: auto-replied\r\n" + setup.reply()
    mail = ingest(raw)
    _assert_nothing_changed(setup, mail, "ignored")


def test_garbage(setup):
    for raw in (b"", b"\x00\xff" * 5000, b"From: x\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x"):
        mail = ingest(raw)
        assert mail.outcome in ("rejected", "ignored")
    assert db.session.scalar(select(func.count(InboundMail.id))) == 3
    assert outbox_count() == 0


def test_the_same_message_twice_changes_nothing_the_second_time(setup):
    from app.rsvp import services as rsvp_services

    raw = setup.reply()
    first = ingest(raw)
    assert first.outcome == "applied"
    rsvp_services.answer(setup.member, setup.meeting.id, "no")  # changed their mind on the web
    again = ingest(raw)
    assert again.outcome == "duplicate"
    assert f"#{first.id}" in again.detail
    assert rsvp_of(setup.member, setup.meeting).status == "declined"
    assert db.session.scalar(select(func.count(InboundMail.id))) == 1


def test_a_message_that_failed_is_handled_again_when_it_comes_again(setup, monkeypatch):
    from app.inbound import services

    real = services._apply
    monkeypatch.setattr(services, "_apply", lambda *args: 1 / 0)
    raw = setup.reply()
    failed = ingest(raw)
    assert failed.outcome == "error"
    assert rsvp_of(setup.member, setup.meeting) is None
    monkeypatch.setattr(services, "_apply", real)
    assert ingest(raw).outcome == "duplicate"  # maybe still being handled: not yet
    row = db.session.get(InboundMail, failed.id)
    row.received_at = row.received_at - services.RETRY_AFTER
    db.session.commit()
    again = ingest(raw)
    assert (again.id, again.outcome) == (failed.id, "applied")
    assert rsvp_of(setup.member, setup.meeting).status == "going"
    assert db.session.scalar(select(func.count(InboundMail.id))) == 1


def test_the_same_reply_delivered_twice_by_two_routes(setup):
    from app.rsvp import services as rsvp_services

    raw = setup.reply()
    ingest(raw)
    rsvp_services.answer(setup.member, setup.meeting.id, "no")
    second = ingest(b"Received: from backup-mx.example.test\r\n" + raw)
    assert second.outcome == "duplicate"
    assert second.id is not None  # a different copy is kept too
    assert rsvp_of(setup.member, setup.meeting).status == "declined"


def test_a_second_answer_from_the_calendar_is_applied(setup):
    ingest(setup.reply("outlook_accepted.eml"))
    mail = ingest(setup.reply("apple_declined.eml"))
    assert mail.outcome == "applied"
    assert rsvp_of(setup.member, setup.meeting).status == "declined"


def test_the_raw_message_is_kept_up_to_the_limit(setup, app):
    raw = setup.reply()
    app.config["INBOUND_KEEP_BYTES"] = 100
    mail = ingest(raw)
    stored = db.session.get(InboundMail, mail.id)
    assert stored.raw == raw[:100]
    assert stored.truncated
    assert stored.size == len(raw)
    assert mail.outcome == "applied"  # read whole, kept in part


def test_too_large_is_rejected_unread(setup, app):
    app.config["INBOUND_MAX_BYTES"] = 1000
    mail = ingest(setup.reply() + b"x" * 2000)
    _assert_nothing_changed(setup, mail)


def test_without_tokens_uid_and_attendee_match(setup, app):
    app.config["CALENDAR_REPLY_TOKENS"] = False
    mail = ingest(setup.reply(to="svar@kaffeklub.test"))
    assert mail.outcome == "applied"
    assert rsvp_of(setup.member, setup.meeting).status == "going"


# --- guests and substitutes --------------------------------------------------------------------


def _guest_invite(setup, **guest_values):
    from app.rsvp import services as rsvp_services

    rsvp_services.add_guest(setup.other, setup.meeting.id,
                            {"name": "Gitte Guest", "email": "gitte@example.test"})
    guest = db.session.scalar(select(MeetingGuest).where(MeetingGuest.email == "gitte@example.test"))
    invite = MeetingInvite(meeting_id=setup.meeting.id, guest_id=guest.id, email=guest.email, name=guest.name)
    db.session.add(invite)
    db.session.commit()
    return guest, invite


def test_a_guest_declining_gives_up_the_seat(setup):
    guest, invite = _guest_invite(setup)
    setup.meeting.invitations_sent_at = utcnow()  # invitations went out: the guest holds a copy
    db.session.commit()
    mails_before = len(outbox_to(guest.email))
    mail = ingest(setup.reply("apple_declined.eml", invite=invite))
    assert mail.outcome == "applied", mail.detail
    # They declined in their calendar, which already shows it: no CANCEL or other mail back.
    assert len(outbox_to(guest.email)) == mails_before
    db.session.expire_all()
    assert db.session.get(MeetingGuest, guest.id).status == GuestStatus.CANCELLED.value
    assert db.session.get(MeetingInvite, invite.id).partstat == "DECLINED"
    assert rsvp_of(setup.other, setup.meeting).status == "going"  # the member who brought them stays


def test_a_guest_accepting_confirms(setup):
    guest, invite = _guest_invite(setup)
    mail = ingest(setup.reply(invite=invite))
    assert mail.outcome == "applied"
    assert db.session.get(MeetingGuest, guest.id).status == GuestStatus.GOING.value


def test_a_waitlisted_guest_accepting_is_told_they_wait(setup):
    setup.meeting.capacity = 1
    db.session.commit()
    guest, invite = _guest_invite(setup)  # Olga takes the seat, her guest waits
    assert guest.status == GuestStatus.WAITLISTED.value
    mail = ingest(setup.reply(invite=invite))
    assert mail.outcome == "applied"
    assert "waitlist" in mail.detail
    assert db.session.get(MeetingGuest, guest.id).status == GuestStatus.WAITLISTED.value
    assert "waitlist" in text_of(outbox_to(guest.email)[-1])


def test_a_guest_whose_seat_was_cancelled_cannot_accept_it_back(setup):
    from app.rsvp import services as rsvp_services

    guest, invite = _guest_invite(setup)
    rsvp_services.remove_guest(setup.other, guest.id)
    before = len(outbox_to(guest.email))
    mail = ingest(setup.reply(invite=invite))
    assert mail.outcome == "rejected"
    assert db.session.get(MeetingGuest, guest.id).status == GuestStatus.CANCELLED.value
    sent = outbox_to(guest.email)
    assert len(sent) == before + 1
    assert "Olga Other" in text_of(sent[-1])


# --- the admin pages ----------------------------------------------------------------------------


def _every_kind(setup, app):
    ingest(setup.reply())
    ingest(setup.reply())
    ingest(setup.reply(to="svar@kaffeklub.test"))
    ingest(b"\x00\xff<script>alert(1)</script>" * 100)
    ingest(b"Subject: <script>alert('x')</script>\r\nFrom: \"<b>evil</b>\" <e@x.test>\r\n\r\n<img src=x>")
    ingest(b"")
    return list(db.session.scalars(select(InboundMail)).all())


def test_admin_pages_show_every_message_without_error(setup, app, client, login):
    mails = _every_kind(setup, app)
    login(create_admin(name="Anna Admin"))
    page = client.get("/admin/mail/inbound")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    for outcome in ("applied", "rejected", "ignored", "error", "duplicate", "nonsense", "\x00"):
        assert client.get("/admin/mail/inbound", query_string={"outcome": outcome}).status_code in (200, 400)
    filtered = client.get("/admin/mail/inbound?outcome=rejected").get_data(as_text=True)
    assert 'data-outcome="applied"' not in filtered
    for mail in mails:
        shown = client.get(f"/admin/mail/inbound/{mail.id}")
        assert shown.status_code == 200
        assert "<script>alert" not in shown.get_data(as_text=True)
        raw = client.get(f"/admin/mail/inbound/{mail.id}/raw")
        assert raw.status_code == 200
        assert raw.mimetype == "message/rfc822"
        assert raw.headers["X-Content-Type-Options"] == "nosniff"
        assert raw.headers["Content-Disposition"].startswith("attachment;")
        assert raw.data == bytes(mail.raw)
    assert client.get("/admin/mail/inbound/999999").status_code == 404
    assert client.get("/admin/mail/inbound?page=999999").status_code == 200
    assert 'href="/admin/mail/inbound"' in client.get("/admin/mail").get_data(as_text=True)


def test_admin_pages_are_for_admins_only(setup, app, client, login):
    mail = ingest(setup.reply())
    urls = ("/admin/mail/inbound", f"/admin/mail/inbound/{mail.id}", f"/admin/mail/inbound/{mail.id}/raw")
    for url in urls:
        assert client.get(url).status_code == 302  # to the login
    login(setup.member)
    for url in urls:
        assert client.get(url).status_code == 403


# --- the whole loop: our own invitation, answered like a calendar client does --------------------


def _reply_to_invitation(outbox: OutboxMessage, partstat: str) -> bytes:
    """What a client sends for an invitation we sent: METHOD:REPLY, the same UID and SEQUENCE, the
    ORGANIZER kept, only the answering ATTENDEE with its PARTSTAT, to the invitation's From."""
    import icalendar

    invitation = email.message_from_string(outbox.raw, policy=email.policy.default)
    part = next(p for p in invitation.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    request = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    event = request.walk("VEVENT")[0]
    reply = icalendar.Calendar()
    reply.add("prodid", "-//Test client//EN")
    reply.add("version", "2.0")
    reply.add("method", "REPLY")
    answer = icalendar.Event()
    for name in ("UID", "SEQUENCE", "ORGANIZER", "DTSTART", "DTEND", "SUMMARY"):
        if name in event:
            answer[name] = event[name]
    answer.add("dtstamp", datetime.now(UTC))
    attendee = event["ATTENDEE"]
    attendee = attendee[0] if isinstance(attendee, list) else attendee
    attendee.params["PARTSTAT"] = partstat
    attendee.params.pop("RSVP", None)
    answer.add("attendee", attendee, encode=False)
    reply.add_component(answer)
    message = email.message.EmailMessage()
    message["From"] = invitation["To"]
    message["To"] = invitation["From"]
    message["Subject"] = f"Accepted: {invitation['Subject']}"
    message["Message-ID"] = email.utils.make_msgid()
    message.set_content("Accepted")
    message.add_alternative(reply.to_ical(), maintype="text", subtype="calendar",
                            params={"method": "REPLY"})
    return message.as_bytes()


def test_a_reply_to_our_own_invitation_is_applied(app, english):
    meeting, _organizer, member = invite_one_member(app)
    (sent,) = outbox_to(member.email)
    mail = ingest(_reply_to_invitation(sent, "ACCEPTED"))
    assert mail.outcome == "applied", mail.detail
    assert rsvp_of(member, meeting).status == "going"
    mail = ingest(_reply_to_invitation(sent, "DECLINED"))
    assert mail.outcome == "applied", mail.detail
    assert rsvp_of(member, meeting).status == "declined"


def test_accept_in_the_calendar_after_afbud_on_the_web_makes_the_copy_active_again(setup):
    # Afbud on the web cancelled their copy; pressing Accept in the calendar afterwards signs them
    # up again, and the copy counts again: a later cancellation of the meeting must reach them.
    setup.invite.state = "cancelled"
    db.session.commit()
    assert ingest(setup.reply()).outcome == "applied"
    db.session.expire_all()
    assert rsvp_of(setup.member, setup.meeting).status == RsvpStatus.GOING.value
    assert db.session.get(MeetingInvite, setup.invite.id).state == "active"


def test_a_decline_in_the_calendar_leaves_a_cancelled_copy_cancelled(setup):
    setup.invite.state = "cancelled"
    db.session.commit()
    assert ingest(setup.reply("apple_declined.eml")).outcome == "applied"
    db.session.expire_all()
    assert db.session.get(MeetingInvite, setup.invite.id).state == "cancelled"
