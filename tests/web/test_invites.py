"""Calendar invitations (app.calendars.invites): who gets which REQUEST or CANCEL, and when.

Mails are checked on the raw messages as the aiosmtpd test server received them (the outbox
worker `send_all_due` delivers them to the `smtp_server` fixture), and every calendar in them is
read back by icalendar, vobject (validate=True) and `ical`, with start times compared in UTC on
both sides of the summer-time change.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, time, timedelta
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from app.calendars import invites
from app.calendars.reply_address import invite_id_for
from app.errors import Conflict, PermissionDenied
from app.extensions import db
from app.mail.outbox import send_all_due
from app.meetings import services as meetings
from app.models import MeetingInvite, OutboxMessage, Rsvp
from app.rsvp import links
from app.rsvp import services as rsvp
from tests.calendar_readers import read_all
from tests.factories import create_group, create_meeting, create_member, create_organizer

# 08:30 Copenhagen a few days before and after the 2031 spring change (30 March): UTC+1 / UTC+2.
WINTER = datetime(2031, 3, 26, 7, 30, tzinfo=UTC)
SUMMER = datetime(2031, 4, 2, 6, 30, tzinfo=UTC)


# --- helpers --------------------------------------------------------------------------------------


def deliver(smtp_server) -> list:
    """Run the outbox worker against the test SMTP server; the mails it accepted, in order."""
    smtp_server.sink.clear()
    send_all_due()
    return list(smtp_server.sink.messages)


def calendar_part(message):
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0]


def calendar_of(received) -> bytes:
    return calendar_part(received.message).get_payload(decode=True)


def event_of(received):
    cal = Calendar.from_ical(calendar_of(received))
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def attendees(event) -> list:
    found = event.get("ATTENDEE")
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


def partstat(received) -> str:
    _cal, event = event_of(received)
    (attendee,) = attendees(event)
    return str(attendee.params["PARTSTAT"])


def sequence(received) -> int:
    return int(event_of(received)[1]["SEQUENCE"])


def method(received) -> str:
    return str(event_of(received)[0]["METHOD"])


def to(mails, member) -> list:
    return [m for m in mails if m.rcpt_tos == [member.email]]


def outbox_kinds() -> dict[str, int]:
    return dict(db.session.execute(select(OutboxMessage.kind, func.count()).group_by(OutboxMessage.kind))
                .tuples().all())


def setup_group(n=3, *, capacity=None, starts_at=WINTER, languages=("da", "en"), **group_values):
    """A group with an organizer and `n` members (languages alternating), and a meeting."""
    group = create_group(name="Kaffeklub Vest", **group_values)
    organizer = create_organizer(group, name="Olga Organizer", language="en")
    members = [create_member(groups=[group], name=f"Søren {i} Hansen", language=languages[i % len(languages)])
               for i in range(n)]
    meeting = create_meeting(group=group, title="Morgenmøde", starts_at=starts_at,
                             ends_at=starts_at + timedelta(minutes=90), capacity=capacity)
    return group, organizer, members, meeting


def invite_of(meeting, member) -> MeetingInvite:
    db.session.expire_all()
    return db.session.scalar(select(MeetingInvite).where(MeetingInvite.meeting_id == meeting.id,
                                                         MeetingInvite.member_id == member.id))


# --- invitations ----------------------------------------------------------------------------------


def test_every_member_and_guest_gets_one_invitation_in_their_language(app, smtp_server):
    group, organizer, members, meeting = setup_group(3)
    rsvp.add_guest(members[0], meeting.id, {"name": "Bo Gæst", "email": "bo@example.com", "company": ""})
    deliver(smtp_server)  # the guest's confirmation (no invitations yet)

    preview = invites.invite_preview(organizer, meeting.id)
    assert (preview.to_invite, preview.already, preview.sent_at) == (5, 0, None)
    result = invites.send_invitations(organizer, meeting.id)
    assert (result.invited, result.already) == (5, 0)  # organizer, three members, the guest

    mails = deliver(smtp_server)
    assert sorted(m.rcpt_tos[0] for m in mails) == sorted(
        [organizer.email, *(m.email for m in members), "bo@example.com"])
    danish, english = to(mails, members[0])[0], to(mails, members[1])[0]
    assert danish.text().startswith("Hej Søren")
    assert "onsdag den 26. marts 2031" in danish.text()  # the date in Danish, in the group's zone
    assert english.text().startswith("Hi Søren,")
    assert "Wednesday, March 26, 2031" in english.text()
    assert "8:30" in english.text()
    guest = [m for m in mails if m.rcpt_tos == ["bo@example.com"]][0]
    assert "Bo" in guest.text().splitlines()[0]

    # Members get their own one-click links, guests their own cancel link
    for member in members:
        (mail,) = to(mails, member)
        tokens = set(re.findall(r"http://localhost/rsvp/([^/\s]+)/(?:yes|no)", mail.text()))
        assert [links.read_answer_token(t) for t in tokens] == [(meeting.id, member.id)]
        token = tokens.pop()
        assert f'href="http://localhost/rsvp/{token}/no"' in mail.html()
        # "I am coming" only for those who have not said yes already (the one bringing a guest has)
        going = db.session.scalar(select(Rsvp.status).where(Rsvp.meeting_id == meeting.id,
                                                            Rsvp.member_id == member.id)) == "going"
        assert (f'href="http://localhost/rsvp/{token}/yes"' in mail.html()) is not going
    (token,) = re.findall(r"http://localhost/guest/(\S+)", guest.text())
    guest_id = db.session.scalar(select(MeetingInvite.guest_id).where(MeetingInvite.guest_id.is_not(None)))
    assert links.read_guest_token(token) == guest_id
    db.session.expire_all()
    assert meeting.invitations_sent_at is not None
    preview = invites.invite_preview(organizer, meeting.id)
    assert (preview.to_invite, preview.already) == (0, 5)
    assert preview.replies == {"ACCEPTED": 2, "NEEDS-ACTION": 3}  # member 0 and the guest are going


def test_the_raw_message_has_the_imip_shape(app, smtp_server):
    _group, organizer, members, meeting = setup_group(1)
    invites.send_invitations(organizer, meeting.id)
    (mail,) = to(deliver(smtp_server), members[0])
    raw = mail.raw
    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends in CRLF"
    message = BytesParser(policy=policy.default).parsebytes(raw)
    tree = [(p.get_content_type(), [c.get_content_type() for c in p.iter_parts()])
            for p in message.walk() if p.is_multipart()]
    assert tree[0] == ("multipart/mixed", ["multipart/alternative", "application/ics"])
    assert tree[1] == ("multipart/alternative", ["text/plain", "text/html", "text/calendar"])
    assert b"Content-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n" in raw
    attachment = [p for p in message.walk() if p.get_content_type() == "application/ics"][0]
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == calendar_of(mail)

    cal, event = event_of(mail)
    assert str(cal["METHOD"]) == "REQUEST"
    sender = parseaddr(str(message["From"]))[1]
    assert str(event["ORGANIZER"]) == f"mailto:{sender}"  # ORGANIZER == From
    assert invite_id_for(sender) == invite_of(meeting, members[0]).id  # the invitation's own address
    (attendee,) = attendees(event)
    assert str(attendee) == f"mailto:{members[0].email}"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "TRUE"
    assert attendee.params["CN"] == "Søren 0 Hansen"
    assert str(event["UID"]) == f"meeting-{meeting.id}@localhost"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert str(message["Message-ID"]) == db.session.scalar(
        select(OutboxMessage.message_id).where(OutboxMessage.recipients == members[0].email))


def test_times_read_the_same_in_three_parsers_across_the_summer_time_change(app, smtp_server):
    group, organizer, members, winter = setup_group(1)
    summer = create_meeting(group=group, title="Sommermøde", starts_at=SUMMER,
                            ends_at=SUMMER + timedelta(minutes=90))
    invites.send_invitations(organizer, winter.id)
    invites.send_invitations(organizer, summer.id)
    mails = to(deliver(smtp_server), members[0])
    assert len(mails) == 2
    for mail, start in zip(mails, (WINTER, SUMMER), strict=True):
        for name, parsed in read_all(calendar_of(mail)).items():
            (event,) = parsed
            assert event["start"] == start, name
            assert event["end"] == start + timedelta(minutes=90), name
            assert event["status"] == "CONFIRMED", name
    lines = calendar_of(mails[1]).decode().replace("\r\n ", "").split("\r\n")
    assert "DTSTART;TZID=Europe/Copenhagen:20310402T083000" in lines
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in lines


def test_a_second_send_invites_only_new_members(app, smtp_server):
    group, organizer, members, meeting = setup_group(2)
    invites.send_invitations(organizer, meeting.id)
    newcomer = create_member(groups=[group], name="Nina Ny", language="en")
    result = invites.send_invitations(organizer, meeting.id)
    assert (result.invited, result.already) == (1, 3)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 4
    mails = deliver(smtp_server)
    assert len(to(mails, newcomer)) == 1
    assert invites.send_invitations(organizer, meeting.id).invited == 0


def test_members_who_sent_afbud_get_no_invitation(app, smtp_server):
    _group, organizer, members, meeting = setup_group(2)
    rsvp.answer(members[0], meeting.id, "no", message="Ferie")
    assert invites.invite_preview(organizer, meeting.id).to_invite == 2
    result = invites.send_invitations(organizer, meeting.id)
    assert result.invited == 2  # the organizer and members[1]
    assert invite_of(meeting, members[0]) is None


def test_expected_mode_asks_for_an_answer_and_says_they_are_expected(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(1, rsvp_mode="expected", languages=("en",))
    invites.send_invitations(organizer, meeting.id)
    (mail,) = to(deliver(smtp_server), members[0])
    assert partstat(mail) == "NEEDS-ACTION"
    assert "You are expected at this meeting" in str(event_of(mail)[1]["DESCRIPTION"])


def test_only_organizers_send_and_not_for_cancelled_or_past_meetings(app):
    group, organizer, members, meeting = setup_group(1)
    with pytest.raises(PermissionDenied):
        invites.send_invitations(members[0], meeting.id)
    with pytest.raises(PermissionDenied):
        invites.invite_preview(members[0], meeting.id)
    past = create_meeting(group=group, starts_at=datetime.now(UTC) - timedelta(days=1))
    with pytest.raises(Conflict):
        invites.send_invitations(organizer, past.id)
    meetings.cancel_meeting(organizer, meeting.id, "Syg")
    with pytest.raises(Conflict):
        invites.send_invitations(organizer, meeting.id)
    assert db.session.scalar(select(func.count()).select_from(MeetingInvite)) == 0


# --- updates --------------------------------------------------------------------------------------


def test_three_edits_make_one_update_per_person_with_a_higher_sequence(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(2, languages=("en",))
    invites.send_invitations(organizer, meeting.id)
    first = {m.rcpt_tos[0]: sequence(m) for m in deliver(smtp_server)}

    meetings.update_meeting(organizer, meeting.id, {"start_time": time(9, 0), "end_time": time(10, 30)})
    db.session.expire_all()
    due = meeting.calendar_update_due_at
    assert due is not None
    meetings.update_meeting(organizer, meeting.id, {"venue_name": "Hal 3"})
    meetings.update_meeting(organizer, meeting.id, {"title": "Morgenkaffe"})
    db.session.expire_all()
    assert meeting.calendar_update_due_at == due  # the first due time is kept
    assert set(meeting.calendar_changes) == {"starts_at", "ends_at", "venue_name", "title"}

    assert invites.send_due(now=due - timedelta(seconds=1)) == {"invitations": 0, "updates": 0}
    assert invites.send_due(now=due + timedelta(seconds=1)) == {"invitations": 0, "updates": 3}
    assert invites.send_due(now=due + timedelta(minutes=1))["updates"] == 0  # sent once
    mails = deliver(smtp_server)
    assert len(mails) == 3 and {m.rcpt_tos[0] for m in mails} == set(first)
    for mail in mails:
        assert method(mail) == "REQUEST"
        assert sequence(mail) > first[mail.rcpt_tos[0]]
        text = mail.text()
        assert ("The time has moved from 8:30\u202fAM–10:00\u202fAM to 9:00\u202fAM–10:30\u202fAM "
                "on Wednesday, March 26, 2031.") in text
        assert "The place has changed from" in text and "Hal 3" in text
        assert "»Morgenmøde« to »Morgenkaffe«" in text
        for name, parsed in read_all(calendar_of(mail)).items():
            assert parsed[0]["start"] == WINTER + timedelta(minutes=30), name
            assert parsed[0]["summary"] == "Morgenkaffe", name
    db.session.expire_all()
    assert meeting.calendar_update_due_at is None and meeting.calendar_changes is None


def test_a_move_to_another_day_names_both_days(app, smtp_server, english):
    from datetime import date

    _group, organizer, _members, meeting = setup_group(1, languages=("en",))
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    meetings.update_meeting(organizer, meeting.id, {"date": date(2031, 4, 2)})  # across the summer change
    db.session.expire_all()
    invites.send_due(now=meeting.calendar_update_due_at + timedelta(seconds=1))
    (mail,) = to(deliver(smtp_server), _members[0])
    assert ("The time has moved from Wednesday, March 26, 2031, 8:30\u202fAM–10:00\u202fAM to Wednesday, "
            "April 2, 2031, 8:30\u202fAM–10:00\u202fAM.") in mail.text()
    for name, parsed in read_all(calendar_of(mail)).items():
        assert parsed[0]["start"] == SUMMER, name  # 08:30 summer time is 06:30 UTC


def test_people_invited_after_the_change_get_no_update(app, smtp_server):
    group, organizer, members, meeting = setup_group(1)
    invites.send_invitations(organizer, meeting.id)
    meetings.update_meeting(organizer, meeting.id, {"venue_name": "Hal 3"})
    create_member(groups=[group], name="Nina Ny")
    assert invites.send_invitations(organizer, meeting.id).invited == 1  # with Hal 3 in it
    db.session.expire_all()
    assert invites.send_due(now=meeting.calendar_update_due_at + timedelta(seconds=1))["updates"] == 2
    updated = set(db.session.scalars(select(OutboxMessage.recipients)
                                     .where(OutboxMessage.kind == "calendar_update")))
    assert updated == {organizer.email, members[0].email}  # not the newcomer


def test_an_edit_taken_back_sends_nothing(app, smtp_server):
    _group, organizer, _members, meeting = setup_group(1)
    invites.send_invitations(organizer, meeting.id)
    original = meeting.venue_name
    meetings.update_meeting(organizer, meeting.id, {"venue_name": "Hal 3"})
    meetings.update_meeting(organizer, meeting.id, {"venue_name": original})
    db.session.expire_all()
    assert meeting.calendar_update_due_at is None
    assert invites.send_due(now=datetime.now(UTC) + timedelta(hours=1))["updates"] == 0


def test_no_update_without_invitations_or_for_unmaterial_changes(app):
    _group, organizer, _members, meeting = setup_group(1)
    meetings.update_meeting(organizer, meeting.id, {"venue_name": "Hal 3"})
    db.session.expire_all()
    assert meeting.calendar_update_due_at is None
    invites.send_invitations(organizer, meeting.id)
    meetings.update_meeting(organizer, meeting.id, {"agenda": "Oplæg om kaffe"})
    db.session.expire_all()
    assert meeting.calendar_update_due_at is None


def test_a_title_that_names_the_group_is_not_followed_by_the_group_again(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(1, languages=("en",))
    meeting.title = "Morgenmøde i Kaffeklub Vest"
    db.session.commit()
    invites.send_invitations(organizer, meeting.id)
    (mail,) = to(deliver(smtp_server), members[0])
    html = mail.message.get_body(preferencelist=("html",)).get_content()
    assert "Morgenmøde i Kaffeklub Vest\r\n" in mail.text()
    assert "(Kaffeklub Vest)" not in mail.text() and "(Kaffeklub Vest)" not in html


# --- cancellations --------------------------------------------------------------------------------


def test_cancelling_sends_a_cancel_instead_of_the_plain_mail(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(2, languages=("en",))
    rsvp.answer(members[0], meeting.id, "yes")
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    meetings.update_meeting(organizer, meeting.id, {"venue_name": "Hal 3"})  # a pending update
    meetings.cancel_meeting(organizer, meeting.id, "The host is ill")
    assert outbox_kinds().get("rsvp_cancelled") is None  # one mail per person: the calendar CANCEL
    mails = deliver(smtp_server)
    assert len(mails) == 3
    for mail in mails:
        assert b"Content-Type: text/calendar; method=CANCEL; charset=UTF-8\r\n" in mail.raw
        assert method(mail) == "CANCEL"
        _cal, event = event_of(mail)
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["ORGANIZER"]).startswith("mailto:")
        assert [str(a) for a in attendees(event)] == [f"mailto:{mail.rcpt_tos[0]}"]
        assert "The host is ill" in mail.text()
        attachment = [p for p in mail.message.walk() if p.get_content_type() == "application/ics"][0]
        assert attachment.get_filename() == "cancel.ics"
        for name, parsed in read_all(calendar_of(mail)).items():
            assert parsed[0]["status"] == "CANCELLED", name
    db.session.expire_all()
    assert meeting.calendar_update_due_at is None
    assert invites.send_due(now=datetime.now(UTC) + timedelta(hours=1))["updates"] == 0


def test_without_invitations_the_plain_cancellation_mail_still_goes(app, smtp_server):
    _group, organizer, members, meeting = setup_group(1)
    rsvp.answer(members[0], meeting.id, "yes")
    meetings.cancel_meeting(organizer, meeting.id, "")
    assert outbox_kinds() == {"rsvp_cancelled": 1}


def test_someone_going_whose_copy_was_cancelled_still_hears_of_the_cancellation(app, smtp_server):
    # A going member whose calendar copy is cancelled (no active copy, so no calendar CANCEL) gets
    # the plain cancellation mail: nobody who is coming is left without word.
    _group, organizer, members, meeting = setup_group(1)
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    rsvp.answer(members[0], meeting.id, "yes")
    invite_of(meeting, members[0]).state = "cancelled"
    db.session.commit()
    meetings.cancel_meeting(organizer, meeting.id, "")
    mails = to(deliver(smtp_server), members[0])
    assert len(mails) == 1
    assert mails[0].message.get_content_type() != "multipart/mixed" or b"text/calendar" not in mails[0].raw


# --- a person's own answer ------------------------------------------------------------------------


def test_afbud_on_the_web_cancels_their_copy_and_yes_again_brings_it_back(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(1, languages=("en",))
    invites.send_invitations(organizer, meeting.id)
    sent = sequence(to(deliver(smtp_server), members[0])[0])

    rsvp.answer(members[0], meeting.id, "yes")  # the copy asked for an answer: nothing to send
    assert deliver(smtp_server) == []
    assert invite_of(meeting, members[0]).partstat == "ACCEPTED"  # but the answer is counted
    assert invites.invite_preview(organizer, meeting.id).replies == {"ACCEPTED": 1, "NEEDS-ACTION": 1}

    rsvp.answer(members[0], meeting.id, "no", message="Syg")
    (cancel,) = deliver(smtp_server)
    assert method(cancel) == "CANCEL" and partstat(cancel) == "DECLINED"
    assert sequence(cancel) > sent
    assert "You have sent afbud" in cancel.text()
    assert invite_of(meeting, members[0]).state == "cancelled"

    rsvp.answer(members[0], meeting.id, "yes")
    (again,) = deliver(smtp_server)
    assert method(again) == "REQUEST" and partstat(again) == "ACCEPTED"
    assert sequence(again) > sequence(cancel)
    invite = invite_of(meeting, members[0])
    assert (invite.state, invite.partstat, invite.sequence_sent) == ("active", "ACCEPTED", sequence(again))


def test_calendar_replies_are_left_to_the_reply_handler(app, smtp_server):
    _group, organizer, members, meeting = setup_group(1)
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    rsvp.answer(members[0], meeting.id, "no", via="calendar")
    assert deliver(smtp_server) == []


def test_waitlisted_is_tentative_and_promotion_is_one_mail(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(2, capacity=1, languages=("en",))
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    rsvp.answer(members[0], meeting.id, "yes")
    rsvp.answer(members[1], meeting.id, "yes")
    (waiting,) = deliver(smtp_server)
    assert waiting.rcpt_tos == [members[1].email]
    assert partstat(waiting) == "TENTATIVE"
    assert "on the waitlist" in str(event_of(waiting)[1]["DESCRIPTION"])
    assert waiting.subject.startswith("Waitlist:")

    rsvp.answer(members[0], meeting.id, "no")
    mails = deliver(smtp_server)
    assert {m.rcpt_tos[0] for m in mails} == {members[0].email, members[1].email}
    (promoted,) = to(mails, members[1])
    assert partstat(promoted) == "ACCEPTED" and sequence(promoted) > sequence(waiting)
    assert promoted.subject.startswith("You have a seat:")
    assert "moved up from the waitlist" in promoted.text()
    assert "rsvp_promoted" not in outbox_kinds()  # the calendar mail is the promotion mail


def test_a_guest_added_after_the_invitations_gets_the_invitation_as_confirmation(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(1, languages=("en",))
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    rsvp.add_guest(members[0], meeting.id, {"name": "Bo Gæst", "email": "bo@example.com", "company": ""})
    mails = deliver(smtp_server)
    guest_mails = [m for m in mails if m.rcpt_tos == ["bo@example.com"]]
    assert len(guest_mails) == 1 and method(guest_mails[0]) == "REQUEST"
    assert partstat(guest_mails[0]) == "ACCEPTED"
    text = guest_mails[0].text()
    assert text.startswith("Hi Bo,")
    assert "Søren 0 Hansen has signed you up as their guest" in text
    assert "http://localhost/guest/" in text  # their own cancel link
    assert "rsvp_guest" not in outbox_kinds()

    guest_id = db.session.scalar(select(MeetingInvite.guest_id).where(MeetingInvite.guest_id.is_not(None)))
    rsvp.remove_guest(members[0], guest_id)
    (cancel,) = [m for m in deliver(smtp_server) if m.rcpt_tos == ["bo@example.com"]]
    assert method(cancel) == "CANCEL"
    assert "rsvp_guest" not in outbox_kinds()


def test_refresh_copy_sends_the_copy_as_it_is_now(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(1, capacity=1, languages=("en",))
    rsvp.answer(organizer, meeting.id, "yes")
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    rsvp.answer(members[0], meeting.id, "yes", via="calendar")  # waitlisted: the reply handler tells
    invite = invite_of(meeting, members[0])
    invites.refresh_copy(invite, note="You accepted, but the meeting is full.")
    db.session.commit()
    (mail,) = deliver(smtp_server)
    assert partstat(mail) == "TENTATIVE"
    assert mail.text().splitlines()[2] == "You accepted, but the meeting is full."
    assert invite_of(meeting, members[0]).partstat == "TENTATIVE"


@pytest.mark.parametrize("answered", [False, True])
def test_a_member_who_leaves_the_group_gets_a_cancel(app, smtp_server, english, answered):
    from app.groups import services as groups
    from app.models import Membership

    group, organizer, members, meeting = setup_group(1, languages=("en",))
    if answered:
        rsvp.answer(members[0], meeting.id, "yes")
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    membership = db.session.scalar(select(Membership).where(Membership.member_id == members[0].id))
    groups.remove_member_from_group(organizer, group.slug, membership.id)
    (mail,) = deliver(smtp_server)
    assert method(mail) == "CANCEL" and mail.rcpt_tos == [members[0].email]
    assert "You no longer take part in Kaffeklub Vest" in mail.text()
    assert invite_of(meeting, members[0]).state == "cancelled"


# --- automatic invitations ------------------------------------------------------------------------


def test_send_due_invites_within_the_groups_days_and_later_joiners(app, smtp_server):
    now = datetime.now(UTC)
    group, _organizer, members, soon = setup_group(2, starts_at=now + timedelta(days=2), invite_days_before=3)
    later = create_meeting(group=group, starts_at=now + timedelta(days=10))
    assert invites.send_due(now=now) == {"invitations": 3, "updates": 0}
    assert invites.send_due(now=now) == {"invitations": 0, "updates": 0}
    db.session.expire_all()
    assert soon.invitations_sent_at is not None and later.invitations_sent_at is None
    newcomer = create_member(groups=[group], name="Nina Ny")
    assert invites.send_due(now=now)["invitations"] == 1
    assert invite_of(soon, newcomer) is not None
    assert invites.send_due(now=now + timedelta(days=8))["invitations"] == 4  # `later` is due now


# --- concurrency ----------------------------------------------------------------------------------

HOLD_KEY = 771_010


@pytest.mark.postgres_only
@pytest.mark.parametrize("how", ["button", "cron"])
def test_two_sends_at_once_invite_everyone_once(app, how, tmp_path):
    """Two organizers press "send" (or cron runs twice) at the same moment: the first holds the
    meeting's row lock (and waits for the test's advisory lock, so the second is certainly
    waiting for the row), the second then finds everyone invited."""
    assert db.engine.dialect.name == "postgresql"  # postgres_only: row locks with threads
    import psycopg

    now = datetime.now(UTC)
    group, organizer, _members, meeting = setup_group(20, starts_at=now + timedelta(days=2),
                                                      invite_days_before=3)
    second = create_organizer(group, name="Otto Organizer")
    ids = (organizer.id, second.id)
    meeting_id = meeting.id
    db.session.commit()
    app.config["ROW_LOCK_TEST_HOLD"] = HOLD_KEY
    results, errors = [], []

    def run(user_id):
        try:
            with app.app_context():
                from app.models import Member

                if how == "button":
                    user = db.session.get(Member, user_id)
                    results.append(invites.send_invitations(user, meeting_id).invited)
                else:
                    results.append(invites.send_due(now=now)["invitations"])
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    watcher = psycopg.connect(pg_dsn(), autocommit=True)
    try:
        watcher.execute("SELECT pg_advisory_lock(%s)", (HOLD_KEY,))
        threads = [threading.Thread(target=run, args=(user_id,)) for user_id in ids]
        threads[0].start()
        wait_for_count(watcher, WAITING_FOR_HOLD, 1)
        threads[1].start()
        wait_for_count(watcher, "SELECT count(*) FROM pg_locks WHERE NOT granted", 2)  # + the row lock
        watcher.execute("SELECT pg_advisory_unlock(%s)", (HOLD_KEY,))
        for thread in threads:
            thread.join(timeout=60)
    finally:
        watcher.close()
    assert not errors, errors
    assert sorted(results) == [0, 22]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(MeetingInvite)) == 22
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 22


WAITING_FOR_HOLD = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"


def pg_dsn() -> str:
    return db.engine.url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://")


def wait_for_count(connection, query: str, count: int) -> None:
    from tests.waiting import wait_for

    wait_for(lambda: connection.execute(query).fetchone()[0] >= count, query)


@pytest.mark.postgres_only
def test_two_update_runs_at_once_send_the_update_once(app):
    """send_due's updates: the second run waits for the first's row lock and finds nothing due."""
    assert db.engine.dialect.name == "postgresql"  # postgres_only: row locks with threads
    import psycopg

    _group, organizer, _members, meeting = setup_group(5)
    invites.send_invitations(organizer, meeting.id)
    meetings.update_meeting(organizer, meeting.id, {"venue_name": "Hal 3"})
    db.session.expire_all()
    later = meeting.calendar_update_due_at + timedelta(seconds=1)
    db.session.commit()
    app.config["ROW_LOCK_TEST_HOLD"] = HOLD_KEY
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                results.append(invites.send_due(now=later)["updates"])
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    watcher = psycopg.connect(pg_dsn(), autocommit=True)
    try:
        watcher.execute("SELECT pg_advisory_lock(%s)", (HOLD_KEY,))
        threads = [threading.Thread(target=run) for _ in range(2)]
        threads[0].start()
        wait_for_count(watcher, WAITING_FOR_HOLD, 1)
        threads[1].start()
        wait_for_count(watcher, "SELECT count(*) FROM pg_locks WHERE NOT granted", 2)
        watcher.execute("SELECT pg_advisory_unlock(%s)", (HOLD_KEY,))
        for thread in threads:
            thread.join(timeout=60)
    finally:
        watcher.close()
    assert not errors, errors
    assert sorted(results) == [0, 6]
    assert outbox_kinds()["calendar_update"] == 6


# --- more sign-up paths ---------------------------------------------------------------------------


def test_a_substitute_gets_the_invitation_and_the_member_a_cancel(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(1, languages=("en",))
    rsvp.answer(members[0], meeting.id, "yes")
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    rsvp.send_substitute(members[0], meeting.id, {"name": "Vera Vikar", "email": "vera@example.com",
                                                  "company": ""}, message="Ferie")
    mails = deliver(smtp_server)
    (member_mail,) = to(mails, members[0])
    assert method(member_mail) == "CANCEL"
    (substitute,) = [m for m in mails if m.rcpt_tos == ["vera@example.com"]]
    assert method(substitute) == "REQUEST" and partstat(substitute) == "ACCEPTED"
    assert "Søren 0 Hansen cannot come to this meeting" in substitute.text()
    assert "rsvp_guest" not in outbox_kinds()  # the invitation is the substitute's confirmation


def test_a_waiting_guest_moved_up_gets_one_mail(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(2, capacity=2, languages=("en",))
    rsvp.answer(members[0], meeting.id, "yes")
    rsvp.add_guest(members[1], meeting.id, {"name": "Bo Gæst", "email": "bo@example.com", "company": ""})
    invites.send_invitations(organizer, meeting.id)  # members[1] and the guest hold the seats 2..3
    deliver(smtp_server)
    db.session.expire_all()
    guest_copy = db.session.scalar(select(MeetingInvite).where(MeetingInvite.guest_id.is_not(None)))
    assert guest_copy.partstat == "TENTATIVE"
    rsvp.answer(members[0], meeting.id, "no")
    mails = deliver(smtp_server)
    (guest,) = [m for m in mails if m.rcpt_tos == ["bo@example.com"]]
    assert partstat(guest) == "ACCEPTED" and guest.subject.startswith("You have a seat:")
    assert "rsvp_promoted" not in outbox_kinds()


def test_an_organizers_afbud_for_a_member_says_so(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(1, languages=("en",))
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    rsvp.set_member_status(organizer, meeting.id, members[0].id, "declined")
    (mail,) = to(deliver(smtp_server), members[0])
    assert method(mail) == "CANCEL"
    assert "An organizer has registered that you cannot come." in mail.text()


def test_afbud_in_an_expected_group_cancels_the_copy(app, smtp_server, english):
    _group, organizer, members, meeting = setup_group(1, rsvp_mode="expected", languages=("en",))
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    rsvp.answer(members[0], meeting.id, "no", message="Syg")
    mails = deliver(smtp_server)
    (mine,) = to(mails, members[0])
    assert method(mine) == "CANCEL"
    assert [m.subject for m in to(mails, organizer)][0].startswith("Afbud")  # the organizers' afbud mail


@pytest.mark.parametrize(("now", "days", "due"), [
    # A meeting on Thursday 3 December 2026 at 08:30 Copenhagen time (07:30 UTC).
    (datetime(2026, 12, 2, 22, 59, tzinfo=UTC), 0, False),  # 23:59 on Wednesday, local
    (datetime(2026, 12, 2, 23, 0, tzinfo=UTC), 0, True),  # 00:00 on the meeting's own day
    (datetime(2026, 11, 25, 22, 59, tzinfo=UTC), 7, False),
    (datetime(2026, 11, 25, 23, 0, tzinfo=UTC), 7, True),  # from the start of the day a week before
    # 39 days before is Sunday 25 October, the day summer time ends: it starts at 00:00 CEST.
    (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), 39, True),
    (datetime(2026, 10, 24, 21, 59, tzinfo=UTC), 39, False),
])
def test_automatic_invitations_are_due_from_the_start_of_the_local_day(now, days, due):
    starts_at = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)
    assert invites.invitations_due(starts_at, days, "Europe/Copenhagen", now) is due


def test_send_due_with_zero_days_invites_on_the_meetings_morning(app, smtp_server):
    now = datetime.now(UTC)
    _group, _organizer, _members, meeting = setup_group(1, starts_at=now + timedelta(days=2),
                                                        invite_days_before=0)
    assert invites.send_due(now=now)["invitations"] == 0
    morning = datetime.combine((meeting.starts_at.astimezone(ZoneInfo("Europe/Copenhagen"))).date(),
                               datetime.min.time(), tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert invites.send_due(now=morning.astimezone(UTC))["invitations"] == 2


def test_someone_who_declined_in_their_calendar_gets_no_update(app, smtp_server):
    """A Decline from the calendar leaves their copy marked declined; updates go to everyone
    invited who has not declined."""
    _group, organizer, members, meeting = setup_group(2)
    invites.send_invitations(organizer, meeting.id)
    deliver(smtp_server)
    rsvp.answer(members[0], meeting.id, "no", via="calendar")  # what the REPLY handler does
    invite = invite_of(meeting, members[0])
    invite.partstat = "DECLINED"  # ... and it records the copy's new PARTSTAT
    db.session.commit()
    assert deliver(smtp_server) == []  # nothing back for a calendar decline

    meetings.update_meeting(organizer, meeting.id, {"venue_name": "Hal 3"})
    db.session.expire_all()
    assert invites.send_due(now=meeting.calendar_update_due_at + timedelta(seconds=1))["updates"] == 2
    assert sorted(m.rcpt_tos[0] for m in deliver(smtp_server)) == sorted([organizer.email, members[1].email])


@pytest.mark.parametrize("public", [False, True])
def test_guests_get_the_meeting_page_only_when_they_can_open_it(app, smtp_server, public):
    """A members-only group's meeting page answers 404 to a guest: their invitation leaves it out
    (text, HTML and the calendar's URL and description); members always get it."""
    _group, organizer, members, meeting = setup_group(1, is_public=public)
    rsvp.answer(members[0], meeting.id, "yes")
    rsvp.add_guest(members[0], meeting.id, {"name": "Bo Gæst", "email": "bo@example.com", "company": ""})
    deliver(smtp_server)  # the guest's plain confirmation (no invitations yet)
    invites.send_invitations(organizer, meeting.id)
    mails = deliver(smtp_server)
    page = links.external_url("meetings.show", meeting_id=meeting.id)
    (guest,) = [m for m in mails if m.rcpt_tos == ["bo@example.com"]]
    for text in (guest.text(), guest.html(), calendar_of(guest).decode()):
        assert (page in text.replace("\r\n ", "")) is public
    (member,) = to(mails, members[0])
    assert page in member.text()
