"""Issue 10 in real Chromium: the organizer sends calendar invitations, the member's mail arrives with
its .ics, the member's calendar answers Accept by an iMIP REPLY, and the organizer sees it.

- The organizer logs in, opens the meeting, presses "Send invitations" and confirms on the page that
  says who gets one.
- The member opens the captured mail on the development mail page (after "Send pending now", which
  hands the outbox to a real SMTP server, tests/smtp.py) and the .ics attachment is taken from the
  raw message as that server received it and read with icalendar: METHOD:REQUEST, the meeting's one
  UID, the member as the only ATTENDEE, the ORGANIZER the From of the mail (the invitation's own
  reply address).
- The REPLY is built the way a calendar client builds it (METHOD:REPLY, the same UID and SEQUENCE,
  exactly one ATTENDEE with PARTSTAT=ACCEPTED, sent To the ORGANIZER address) and fed to the real
  command, `flask mail ingest FILE`, run as its own process on the live server's database.
- The organizer's attendee page shows the member as coming, answered from the calendar.

At desktop size and at 390x844. Every wait is for a state (Playwright's expect), never for time.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from pathlib import Path

import icalendar
import pytest
from flask_babel import force_locale, ngettext
from playwright.sync_api import expect

from app.calendars.feeds import meeting_uid
from app.extensions import db
from app.models import Meeting, Rsvp
from tests import factories
from tests.e2e.conftest import LiveServer, new_page, serve
from tests.e2e.helpers import assert_clean, assert_fits, log_in, translated

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
MAIL_DOMAIN = "kaffeklub.example"
MEMBER_EMAIL = "anna@example.test"


@pytest.fixture
def mail_server(tmp_path, smtp_server) -> Iterator[LiveServer]:
    """The app on a free port (CSRF on), the development mail page on, its outbox delivered to the
    test SMTP server, replies addressed to svar+TOKEN@kaffeklub.example."""
    with serve(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, DEV_MAIL_PAGE=True,
               MAIL_DOMAIN=MAIL_DOMAIN) as server:
        yield server


def translated_plural(server, singular: str, plural: str, num: int) -> str:
    with server.app.test_request_context("/"), force_locale("da"):
        return ngettext(singular, plural, num)


def ics_attachment(message: EmailMessage) -> bytes:
    """The .ics file attached to a received mail, as a mail program saves it."""
    files = [part for part in message.iter_attachments()
             if (part.get_filename() or "").lower().endswith(".ics")]
    assert len(files) == 1, [p.get_content_type() for p in message.walk()]
    return files[0].get_payload(decode=True)


def calendar_reply(invitation: icalendar.Calendar, attendee_email: str, attendee_name: str,
                   partstat: str) -> bytes:
    """A REPLY as a calendar client writes one: the invitation's UID, SEQUENCE, DTSTART and
    ORGANIZER, a fresh DTSTAMP, and only the replying attendee with their PARTSTAT."""
    [event] = invitation.walk("VEVENT")
    reply = icalendar.Calendar()
    reply.add("prodid", "-//Kaffeklub tests//Calendar client//EN")
    reply.add("version", "2.0")
    reply.add("method", "REPLY")
    answer = icalendar.Event()
    answer.add("uid", str(event["UID"]))
    answer.add("sequence", int(event.get("SEQUENCE", 0)))
    answer.add("dtstamp", datetime.now(UTC))
    answer.add("dtstart", event.decoded("DTSTART").astimezone(UTC))
    answer.add("dtend", event.decoded("DTEND").astimezone(UTC))
    answer.add("summary", str(event["SUMMARY"]))
    answer.add("organizer", event["ORGANIZER"])
    attendee = icalendar.vCalAddress(f"mailto:{attendee_email}")
    attendee.params["CN"] = icalendar.vText(attendee_name)
    attendee.params["PARTSTAT"] = icalendar.vText(partstat)
    answer.add("attendee", attendee)
    reply.add_component(answer)
    return reply.to_ical()


def reply_mail(calendar: bytes, *, sender: tuple[str, str], to: str, subject: str) -> bytes:
    """The mail around it, as Outlook and Thunderbird send one: text and text/calendar; method=REPLY."""
    message = EmailMessage()
    message["From"] = formataddr(sender)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(datetime.now(UTC))
    message["Message-ID"] = email.utils.make_msgid(domain="example.test")
    message.set_content(f"{sender[0]} has accepted this invitation.\n")
    message.add_alternative(calendar.decode("utf-8"), subtype="calendar", params={"method": "REPLY"})
    return message.as_bytes(policy=policy.SMTP)


def flask_mail_ingest(server: LiveServer, path: Path) -> subprocess.CompletedProcess:
    """`flask mail ingest FILE` in its own process, on the live server's database and secrets."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CALENDAR_", "INBOUND_", "IMAP_", "MAIL_", "KAFFEKLUB_"))}
    env.update({
        "KAFFEKLUB_ENV": "development",  # the testing class fixes its database; this one reads it
        "DATABASE_URL": server.app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": server.app.config["SECRET_KEY"],
        "BASE_URL": server.url,
        "MAIL_DOMAIN": MAIL_DOMAIN,
        "MAIL_DEFAULT_SENDER": server.app.config["MAIL_DEFAULT_SENDER"],
        "MAIL_SERVER": "",
    })
    return subprocess.run(  # noqa: S603 (our own command, our arguments)
        [str(BIN / "flask"), "--app", "wsgi", "mail", "ingest", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_invitation_mail_ics_and_calendar_reply_reach_the_attendee_page(mail_server, browser, smtp_server,
                                                                       tmp_path, size):
    server = mail_server
    with server.app_context():
        group = factories.create_group(name="Kaffeklub Herning", slug="herning")
        organizer = factories.create_organizer(group, name="Olga Organisator", email="olga@example.test")
        anna = factories.create_member(groups=[group], name="Anna Andersen", email=MEMBER_EMAIL)
        start = datetime.now(UTC).replace(hour=7, minute=30, second=0, microsecond=0) + timedelta(days=10)
        meeting = factories.create_meeting(group=group, title="Morgenmøde hos Bech", starts_at=start,
                                           capacity=20, venue_name="Bech Biler",
                                           venue_address="Bredgade 1, 7400 Herning")
        ids = {"organizer": organizer.id, "anna": anna.id, "meeting": meeting.id}
        uid = meeting_uid(meeting)
    meeting_url = f"{server.url}/meetings/{ids['meeting']}"
    viewport = SIZES[size]
    organizer_page = new_page(browser, viewport=viewport)
    member_page = new_page(browser, viewport=viewport)
    try:
        # The organizer sends the invitations from the meeting page, confirming on the next page.
        log_in(server, organizer_page, ids["organizer"])
        organizer_page.goto(meeting_url)
        button = organizer_page.locator("[data-invitations-button]")
        expect(button).to_have_text(translated(server, "Send invitations"))
        assert_fits(organizer_page)
        with organizer_page.expect_navigation():
            button.click()
        form = organizer_page.locator("[data-invitations-form]")
        # Two people: Anna and the organizer, a member of the group too.
        send = form.get_by_role("button", name=translated_plural(
            server, "Send %(num)d invitation", "Send %(num)d invitations", 2))
        expect(send).to_be_visible()
        assert_fits(organizer_page)
        assert_clean(organizer_page)
        with organizer_page.expect_navigation():
            send.click()
        assert organizer_page.url.rstrip("/").endswith(f"/meetings/{ids['meeting']}")
        expect(organizer_page.locator(".alert-success")).to_be_visible()
        assert_clean(organizer_page)

        # The member reads the mail on the development mail page, after it went out over SMTP.
        member_page.goto(f"{server.url}/dev/mail")
        with member_page.expect_navigation():
            member_page.get_by_role("button", name=translated(server, "Send pending now")).click()
        mail_item = member_page.locator(".list-group-item", has_text=MEMBER_EMAIL).filter(
            has_text="Morgenmøde hos Bech").first
        expect(mail_item).to_be_visible()
        with member_page.expect_navigation():
            mail_item.locator("a").first.click()
        expect(member_page.locator("[data-testid=mail-text]")).to_contain_text("Bech Biler")
        assert_fits(member_page)

        [received] = smtp_server.sink.to(MEMBER_EMAIL)
        message = received.message
        invitation = icalendar.Calendar.from_ical(ics_attachment(message))
        assert str(invitation["METHOD"]) == "REQUEST"
        [event] = invitation.walk("VEVENT")
        assert str(event["UID"]) == uid
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert [str(a).lower() for a in attendees] == [f"mailto:{MEMBER_EMAIL}"]
        assert attendees[0].params["PARTSTAT"] == "NEEDS-ACTION"
        organizer_address = str(event["ORGANIZER"]).removeprefix("mailto:").removeprefix("MAILTO:")
        assert organizer_address.endswith("@" + MAIL_DOMAIN) and organizer_address.startswith("svar+")
        assert parseaddr(str(message["From"]))[1].lower() == organizer_address.lower()
        assert event.decoded("DTSTART").astimezone(UTC) == start

        # Anna presses Accept in her calendar: it mails a REPLY to the ORGANIZER address.
        raw = reply_mail(calendar_reply(invitation, MEMBER_EMAIL, "Anna Andersen", "ACCEPTED"),
                         sender=("Anna Andersen", MEMBER_EMAIL), to=organizer_address,
                         subject=f"Accepted: {event['SUMMARY']}")
        reply_file = tmp_path / "reply.eml"
        reply_file.write_bytes(raw)
        result = flask_mail_ingest(server, reply_file)
        assert result.returncode == 0, result.stdout + result.stderr
        with server.app_context():
            rsvp = db.session.query(Rsvp).filter_by(meeting_id=ids["meeting"], member_id=ids["anna"]).one()
            assert (rsvp.status, rsvp.via) == ("going", "calendar"), result.stdout + result.stderr

        # The organizer's attendee page: Anna is coming, answered from the calendar.
        organizer_page.goto(f"{server.url}/meetings/{ids['meeting']}/attendees")
        row = organizer_page.locator(f"[data-list=going] [data-person='m-{ids['anna']}']")
        expect(row).to_contain_text("Anna Andersen")
        expect(row.locator("[data-via]")).to_have_attribute("data-via", "calendar")
        expect(row.locator("[data-via]")).to_contain_text(translated(server, "from the calendar"))
        assert_fits(organizer_page)
        assert_clean(organizer_page)

        # The same REPLY again (a client retrying) changes nothing.
        assert flask_mail_ingest(server, reply_file).returncode == 0
        with server.app_context():
            assert db.session.query(Rsvp).filter_by(meeting_id=ids["meeting"]).count() == 1
            assert db.session.get(Meeting, ids["meeting"]).is_cancelled is False
    finally:
        for page in (organizer_page, member_page):
            page.context.close()
