"""Snapshots of the calendar mails and files not covered by tests/unit/test_imip.py: the mails a
calendar reply brings back (accepted but waitlisted, too late), the reminder, the member's private
feed, the public group feed and a meeting's download. Each is made through the real code paths
with fixed data (a meeting on Wednesday 18 June 2031, 08:30 summer time in Copenhagen); the mails
are taken as the aiosmtpd server received them (`send_all_due`), their MIME tree asserted, then
the raw message compared with its snapshot, volatile values (boundaries, Date, Message-ID,
DTSTAMP, tokens, ids) replaced by names.

Snapshots live in tests/data/snapshots/. A differing snapshot fails with a unified diff; after a
deliberate change, rewrite them with `UPDATE_SNAPSHOTS=1 pytest tests/web/test_calendar_snapshots.py`
and review the diff in git.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from app.calendars import feeds, invites, member_feed
from app.calendars.reminders import send_due_reminders
from app.calendars.reply_address import reply_address
from app.extensions import db
from app.inbound.services import ingest
from app.mail.outbox import send_all_due
from app.meetings import services as meeting_services
from app.models import Rsvp
from app.models.calendar import MeetingInvite
from app.rsvp import services as rsvp
from tests.factories import create_group, create_meeting, create_member, create_organizer
from tests.mime_snapshots import assert_snapshot, parse, parts
from tests.web.inbound_helpers import FIXTURE_ATTENDEE, FIXTURE_REPLY_TO, FIXTURE_UID, REPLIES, personalize

# Wednesday 18 June 2031, 08:30-10:00 in Copenhagen (CEST, UTC+2).
START = datetime(2031, 6, 18, 6, 30, tzinfo=UTC)
END = START + timedelta(minutes=90)
PAST_DEADLINE = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # long gone, whenever the test runs

CALENDAR_MAIL_TREE = [
    ("multipart/mixed", ["multipart/alternative", "application/ics"]),
    ("multipart/alternative", ["text/plain", "text/html", "text/calendar"]),
]
# Flask-Mail's shape for every plain mail: a mixed wrapper around the two alternatives.
PLAIN_MAIL_TREE = [
    ("multipart/mixed", ["multipart/alternative"]),
    ("multipart/alternative", ["text/plain", "text/html"]),
]

_RULES = [
    (r"=_kk[0-9a-f]+", "=_kkBOUNDARY"),
    (r"(?m)^Message-ID: <[^>]+>", "Message-ID: <MESSAGE-ID>"),
    (r"(?m)^Date: [^\r\n]+", "Date: DATE"),
    (r"(DTSTAMP|CREATED|LAST-MODIFIED):\d{8}T\d{6}Z", r"\1:STAMP"),
    (r"\+i[0-9a-z]+\.[a-z2-7]{16}@", "+TOKEN@"),
    (r"/rsvp/[A-Za-z0-9_.-]+/(yes|no)", r"/rsvp/TOKEN/\1"),
    (r"/guest/[A-Za-z0-9_.-]+", "/guest/TOKEN"),
    (r"/calendar/[A-Za-z0-9_.-]+\.ics", "/calendar/TOKEN.ics"),
    (r"/meetings/\d+", "/meetings/ID"),
    (r"meeting-\d+@", "meeting-ID@"),
    (r"kaffeklub-meeting-\d+\.ics", "kaffeklub-meeting-ID.ics"),
]


def normalise(text: str) -> str:
    # Flask-Mail's random boundaries, numbered in the order they first appear
    seen: dict[str, str] = {}
    text = re.sub(r"={15}\d+==", lambda m: seen.setdefault(m.group(), f"==BOUNDARY{len(seen) + 1}=="), text)
    for pattern, replacement in _RULES:
        text = re.sub(pattern, replacement, text)
    return text


def normalise_mail(raw: bytes) -> str:
    """The raw message as received, CRLF checked, the attached copy of the calendar (the same
    bytes as the text/calendar part, checked) replaced by a name, then the volatile values."""
    text = raw.decode("utf-8")
    assert "\n" not in text.replace("\r\n", ""), "CRLF only"
    message = parse(text)
    attached = [p for p in message.walk() if p.get_content_type() == "application/ics"]
    if attached:
        (part,) = attached
        (calendar,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        ics = part.get_payload(decode=True)
        assert ics == calendar.get_payload(decode=True)
        encoded = base64.encodebytes(ics).decode().replace("\n", "\r\n").rstrip("\r\n")
        assert encoded in text
        text = text.replace(encoded, "<the calendar above, base64>")
    return normalise(text).replace("\r\n", "\n")


def normalise_ics(body: bytes) -> str:
    text = body.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "CRLF only"
    Calendar.from_ical(body)  # parses
    return normalise(text).replace("\r\n", "\n")


def status_of(member, meeting) -> str | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Rsvp.status).where(Rsvp.member_id == member.id,
                                                          Rsvp.meeting_id == meeting.id))


def only_mail(smtp_server, address: str):
    send_all_due()
    received = smtp_server.sink.to(address)
    assert len(received) == 1, [m.subject for m in smtp_server.sink.messages]
    return received[0]


@pytest.fixture(autouse=True)
def _fresh_caches(app):
    feeds.clear_cache()
    member_feed.clear_cache()
    yield
    feeds.clear_cache()
    member_feed.clear_cache()


@pytest.fixture
def club(app):
    """Kaffeklub Vest (public, Copenhagen), its organizer Mette and two members, Danish unless told."""
    app.config.update(MAIL_DOMAIN="kaffeklub.example", CALENDAR_REPLY_TOKENS=True,
                      CALENDAR_REPLY_ADDRESS="svar@kaffeklub.example")
    group = create_group(name="Kaffeklub Vest", slug="kaffeklub-vest", is_public=True,
                         reminder_time=time(18, 0))
    organizer = create_organizer(group, name="Mette Kjær", email="mette@example.com", language="da")
    soren = create_member(groups=[group], name="Søren Østergaard", email="soren@example.com", language="da")
    anne = create_member(groups=[group], name="Anne Nielsen", email="anne@example.com", language="da",
                         share_attendance=True)
    return group, organizer, soren, anne


def meeting_of(group, **kwargs):
    values = dict(group=group, title="Morgenmøde i juni", starts_at=START, ends_at=END, venue_name="Kontoret",
                  venue_address="Bredgade 1, 7400 Herning", agenda="Oplæg om kaffe; bagefter netværk")
    values.update(kwargs)
    return create_meeting(**values)


# --- 1. reply handling -------------------------------------------------------------------------------


def _invited(club, smtp_server, **meeting):
    group, organizer, soren, _anne = club
    meeting = meeting_of(group, **meeting)
    invites.send_invitations(organizer, meeting.id)
    send_all_due()  # the invitations themselves (snapshot in tests/unit/test_imip.py)
    smtp_server.sink.clear()
    invite = db.session.scalar(db.select(MeetingInvite).where(MeetingInvite.meeting_id == meeting.id,
                                                              MeetingInvite.member_id == soren.id))
    accept = personalize((REPLIES / "outlook_accepted.eml").read_bytes(), {
        FIXTURE_REPLY_TO: reply_address(invite.id),
        FIXTURE_UID: feeds.meeting_uid(meeting),
        FIXTURE_ATTENDEE: soren.email,
    })
    return meeting, accept


@pytest.mark.parametrize("language", ["da", "en"])
def test_snapshot_reply_accepted_but_waitlisted(club, smtp_server, language):
    _group, _organizer, soren, anne = club
    soren.language = language
    db.session.commit()
    meeting, accept = _invited(club, smtp_server, capacity=1)
    rsvp.answer(anne, meeting.id, "yes")
    assert ingest(accept).outcome == "applied"
    assert status_of(soren, meeting) == "waitlisted"
    received = only_mail(smtp_server, soren.email)
    assert parts(received.message) == CALENDAR_MAIL_TREE
    (calendar,) = [p for p in received.message.walk() if p.get_content_type() == "text/calendar"]
    assert calendar.get_param("method") == "REQUEST"
    event = Calendar.from_ical(calendar.get_payload(decode=True)).walk("VEVENT")[0]
    assert event["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    assert event.decoded("DTSTART") == START
    assert_snapshot(f"reply_waitlisted_{language}.eml", normalise_mail(received.raw))


def test_snapshot_reply_after_the_deadline(club, smtp_server):
    _group, _organizer, soren, _anne = club
    meeting, accept = _invited(club, smtp_server)
    meeting.rsvp_deadline = PAST_DEADLINE
    db.session.commit()
    assert ingest(accept).outcome == "rejected"
    received = only_mail(smtp_server, soren.email)
    assert parts(received.message) == CALENDAR_MAIL_TREE
    (calendar,) = [p for p in received.message.walk() if p.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(calendar.get_payload(decode=True)).walk("VEVENT")[0]
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert_snapshot("reply_too_late_da.eml", normalise_mail(received.raw))


# --- 2. the reminder --------------------------------------------------------------------------------


def test_snapshot_reminder(club, smtp_server):
    group, _organizer, soren, anne = club
    meeting = meeting_of(group, online_url="https://meet.example/kaffe-vest",
                         doors_open_at=START - timedelta(minutes=15))
    rsvp.answer(soren, meeting.id, "yes")
    rsvp.answer(anne, meeting.id, "yes")
    send_all_due()
    smtp_server.sink.clear()
    # due the day before at 18:00 Copenhagen time (CEST): 16:00 UTC
    assert send_due_reminders(now=datetime(2031, 6, 17, 16, 0, tzinfo=UTC)) == 2
    received = only_mail(smtp_server, soren.email)
    assert parts(received.message) == PLAIN_MAIL_TREE
    assert_snapshot("reminder_da.eml", normalise_mail(received.raw))


# --- 3. the member's private feed -------------------------------------------------------------------


def test_snapshot_member_feed(club, client):
    group, organizer, soren, anne = club
    going = meeting_of(group, title="Morgenmøde i juni")
    full = meeting_of(group, title="Frokostmøde", capacity=1, starts_at=START + timedelta(days=7, hours=4),
                      ends_at=END + timedelta(days=7, hours=4))
    declined = meeting_of(group, title="Virksomhedsbesøg", starts_at=START + timedelta(days=14),
                          ends_at=END + timedelta(days=14))
    cancelled = meeting_of(group, title="Sommerafslutning", starts_at=START + timedelta(days=21),
                           ends_at=END + timedelta(days=21))
    rsvp.answer(soren, going.id, "yes")
    rsvp.answer(anne, full.id, "yes")
    rsvp.answer(soren, full.id, "yes")
    rsvp.answer(soren, declined.id, "no", message="Jeg er på ferie.")
    rsvp.answer(soren, cancelled.id, "yes")
    meeting_services.cancel_meeting(organizer, cancelled.id, "Værten er syg.")
    member_feed.set_show_declined(soren, True)
    _webcal, url = member_feed.feed_urls(soren)
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200, response.data
    statuses = {str(e["SUMMARY"]): str(e["STATUS"]) for e in Calendar.from_ical(response.data).walk("VEVENT")}
    assert statuses == {"Morgenmøde i juni": "CONFIRMED", "Frokostmøde": "TENTATIVE",
                        "Afbud: Virksomhedsbesøg": "CONFIRMED", "Sommerafslutning": "CANCELLED"}
    assert_snapshot("feed_member_da.ics", normalise_ics(response.data))


# --- 4. the public group feed and a meeting's download ----------------------------------------------


def test_snapshot_group_feed_and_meeting_download(club, client, login):
    group, organizer, soren, _anne = club
    meeting = meeting_of(group, online_url="https://meet.example/kaffe-vest")
    other = meeting_of(group, title="Frokostmøde", starts_at=START + timedelta(days=7),
                       ends_at=END + timedelta(days=7))
    meeting_services.cancel_meeting(organizer, other.id, "Værten er syg.")
    response = client.get(f"/groups/{group.slug}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert_snapshot("feed_group_da.ics", normalise_ics(response.data))
    login(soren)
    response = client.get(f"/meetings/{meeting.id}/calendar.ics")
    assert response.status_code == 200
    disposition = f'attachment; filename="kaffeklub-meeting-{meeting.id}.ics"'
    assert response.headers["Content-Disposition"] == disposition
    assert_snapshot("meeting_download_da.ics", normalise_ics(response.data))
