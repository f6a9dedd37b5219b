"""The iMIP message builder (app.calendars.imip): the MIME shape clients need, the method parameter
on the calendar part and in the file, one ATTENDEE, ORGANIZER == From, CRLF and folded lines; the
fast per-person fill equal to the slow build; and snapshots of the raw invitation, update and
cancellation as the app writes them (volatile values normalised).

Snapshots live in tests/data/snapshots/. A differing snapshot fails with a unified diff; after a
deliberate change, rewrite them with `UPDATE_SNAPSHOTS=1 pytest tests/unit/test_imip.py` and
review the diff in git.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from app.calendars.ical import Attendee, EventData, build_calendar, party_lines, with_parties
from app.calendars.imip import CalendarMail, MailTemplate, Personal, build_message
from tests.calendar_readers import read_all
from tests.mime_snapshots import assert_snapshot, parse, parts

CPH = ZoneInfo("Europe/Copenhagen")
STAMP = datetime(2030, 11, 30, 8, 0, tzinfo=UTC)
ORGANIZER = "svar+i1.abcdefghijklmnop@kaffeklub.example"


def calendar(method="REQUEST", *, attendee=Attendee("soren@example.com", "Søren Østergaard"),
             description="Mødets side: https://kaffeklub.example/meetings/1") -> bytes:
    start = datetime(2031, 3, 26, 8, 30, tzinfo=CPH)
    event = EventData(uid="meeting-1@kaffeklub.example", sequence=2, summary="Morgenmøde", start=start,
                      end=start + timedelta(minutes=90), timezone="Europe/Copenhagen", dtstamp=STAMP,
                      description=description, location="Kontoret, Bredgade 1, 7400 Herning",
                      status="CANCELLED" if method == "CANCEL" else "CONFIRMED")
    return with_parties(build_calendar([event], method=method),
                        party_lines(ORGANIZER, "Kaffeklub Vest", [attendee]))


def mail(method="REQUEST", **changes) -> CalendarMail:
    values = dict(method=method, sender_name="Kaffeklub Vest", sender_email=ORGANIZER,
                  to_name="Søren Østergaard", to_email="soren@example.com", subject="Invitation: Morgenmøde",
                  text="Hej Søren,\n\nDu er inviteret.\n", html="<p>Hej Søren,</p><p>Du er inviteret.</p>",
                  calendar=calendar(method), message_id="<1@kaffeklub.example>", date=STAMP)
    values.update(changes)
    return CalendarMail(**values)






def calendar_part(message):
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part


def attachment(message):
    (part,) = [p for p in message.walk() if p.get_content_type() == "application/ics"]
    return part


# --- the builder ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "filename"), [("REQUEST", "invite.ics"), ("CANCEL", "cancel.ics")])
def test_mime_tree_and_method(method, filename):
    raw = build_message(mail(method))
    assert "\n" not in raw.replace("\r\n", ""), "CRLF only"
    message = parse(raw)
    assert parts(message) == [
        ("multipart/mixed", ["multipart/alternative", "application/ics"]),
        ("multipart/alternative", ["text/plain", "text/html", "text/calendar"]),
    ]
    # the method parameter, written exactly as clients expect it
    assert f"\r\nContent-Type: text/calendar; method={method}; charset=UTF-8\r\n" in raw
    part = calendar_part(message)
    assert part.get_param("method") == method
    ics = part.get_payload(decode=True)
    assert Calendar.from_ical(ics)["METHOD"] == method
    assert attachment(message).get_filename() == filename
    assert attachment(message).get_payload(decode=True) == ics
    assert message.get_body(preferencelist=("plain",)).get_content().startswith("Hej Søren,")
    assert str(message["Subject"]) == "Invitation: Morgenmøde"
    assert str(message["Message-ID"]) == "<1@kaffeklub.example>"
    assert message["Date"].datetime == STAMP


def test_organizer_is_the_sender_and_the_only_attendee_is_the_recipient():
    message = parse(build_message(mail()))
    event = Calendar.from_ical(calendar_part(message).get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["ORGANIZER"]) == "mailto:" + parseaddr(str(message["From"]))[1]
    assert str(message["From"]) == f"Kaffeklub Vest <{ORGANIZER}>"
    attendee = event["ATTENDEE"]
    assert not isinstance(attendee, list)
    assert str(attendee) == "mailto:" + parseaddr(str(message["To"]))[1]
    assert dict(attendee.params) == {"CN": "Søren Østergaard", "CUTYPE": "INDIVIDUAL",
                                     "PARTSTAT": "NEEDS-ACTION", "ROLE": "REQ-PARTICIPANT", "RSVP": "TRUE"}
    assert str(message["To"]) == "Søren Østergaard <soren@example.com>"


def test_calendar_lines_are_crlf_and_folded_at_75_octets():
    long_name = "Søren " + "Østergaard-" * 8
    ics = calendar(attendee=Attendee("soren@example.com", long_name), description="Æble " * 60)
    message = parse(build_message(mail(calendar=ics)))
    sent = calendar_part(message).get_payload(decode=True)
    assert sent == ics
    assert sent.endswith(b"\r\n") and b"\n" not in sent.replace(b"\r\n", b"")
    lines = sent[:-2].split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "long lines are folded"
    for line in lines:
        line.decode("utf-8")  # no UTF-8 character split by a fold
    for name, parsed in read_all(sent).items():
        assert parsed[0]["description"].startswith("Æble Æble"), name
        assert parsed[0]["start"] == datetime(2031, 3, 26, 7, 30, tzinfo=UTC), name


def test_cancel_has_status_cancelled_and_a_new_sequence():
    ics = calendar_part(parse(build_message(mail("CANCEL")))).get_payload(decode=True)
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 2
    for name, parsed in read_all(ics).items():
        assert parsed[0]["status"] == "CANCELLED", name


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        build_message(mail("PUBLISH"))


# --- the fast path --------------------------------------------------------------------------------


def template(method="REQUEST") -> MailTemplate:
    return MailTemplate(
        method=method, sender_name="Kaffeklub Vest", subject="Invitation: Morgenmøde",
        text="Hej KKfirst,\nJa: KKyes\nVært: KKhost\n",
        html="<p>Hej KKfirst</p><a href=\"KKyes\">Ja</a> KKhost",
        calendar=_bare_calendar(method), date=STAMP,
        markers={"first_name": "KKfirst", "yes_url": "KKyes", "host": "KKhost"})


def _bare_calendar(method: str) -> bytes:
    start = datetime(2031, 3, 26, 8, 30, tzinfo=CPH)
    event = EventData(uid="meeting-1@kaffeklub.example", sequence=0, summary="Morgenmøde", start=start,
                      end=start + timedelta(minutes=90), timezone="Europe/Copenhagen", dtstamp=STAMP)
    return build_calendar([event], method=method)


def person(name: str, *, email="p@example.com", values=None) -> Personal:
    return Personal(to_name=name, to_email=email, sender_email=ORGANIZER, message_id="<2@kaffeklub.example>",
                    party_lines=party_lines(ORGANIZER, "Kaffeklub Vest", [Attendee(email, name)]),
                    values=values or {"first_name": name.split()[0] if name.split() else "",
                                      "yes_url": "https://x.example/rsvp/a.b-c/yes?x=1&y=2",
                                      "host": 'Karen "K" <Blixen> & Co'})


NAMES = ["Bo", "Eve\r\nBcc: victim@example.com", "Søren Kierkegaard Østergaard-Hansen Jensen von Langenavn",
         'Anne "Lis" Berg, ApS', "Ærø; Øst: Å", "José 🙂 Núñez", "=?utf-8?q?fake?=", "A" * 120,
         "Ølstykke " * 12]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_fill_equals_the_slow_build(name, method):
    mail_template = template(method)
    copy = person(name)
    assert mail_template.fill(copy) == mail_template.slow(copy)
    message = parse(mail_template.fill(copy))
    assert parseaddr(str(message["To"])) == (" ".join(name.split()), "p@example.com")
    assert "victim" not in str(message["Bcc"] or "")
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'href="https://x.example/rsvp/a.b-c/yes?x=1&amp;y=2"' in html
    assert "Karen &#34;K&#34; &lt;Blixen&gt; &amp; Co" in html
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert 'Vært: Karen "K" <Blixen> & Co' in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(st.characters(blacklist_categories=("Cs",)), max_size=80),
       host=st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_fill_equals_the_slow_build_for_any_name(name, host):
    mail_template = template()
    copy = person(name, values={"first_name": name, "yes_url": "https://x.example/y", "host": host})
    raw = mail_template.fill(copy)
    assert raw == mail_template.slow(copy)
    message = parse(raw)
    headers = raw.split("\r\n\r\n", 1)[0]
    lines = headers.split("\r\n")
    assert all(line[:1] in (" ", "\t") or ": " in line for line in lines), "one header per line"
    assert [k for k in message.keys() if k == "To"] == ["To"]
    sent = calendar_part(message).get_payload(decode=True)
    assert Calendar.from_ical(sent).walk("VEVENT")[0]["ATTENDEE"] == "mailto:p@example.com"
    assert attachment(message).get_payload(decode=True) == sent


# --- snapshots of what the app writes -----------------------------------------------------------


def _normalise(raw: str) -> str:
    """The raw message with every value that changes from run to run replaced by a name."""
    message = parse(raw)
    ics = attachment(message).get_payload(decode=True)
    assert ics == calendar_part(message).get_payload(decode=True)
    encoded = base64.encodebytes(ics).decode().replace("\n", "\r\n").rstrip("\r\n")
    assert encoded in raw
    raw = raw.replace(encoded, "<the calendar above, base64>")
    rules = [
        (r"=_kk[0-9a-f]+", "=_kkBOUNDARY"),
        (r"Message-ID: <[^>]+>", "Message-ID: <MESSAGE-ID>"),
        (r"Date: [^\r\n]+", "Date: DATE"),
        (r"(DTSTAMP|CREATED|LAST-MODIFIED):\d{8}T\d{6}Z", r"\1:STAMP"),
        (r"\+i[0-9a-z]+\.[a-z2-7]{16}@", "+TOKEN@"),
        (r"/rsvp/[A-Za-z0-9_.-]+/(yes|no)", r"/rsvp/TOKEN/\1"),
        (r"/guest/[A-Za-z0-9_.-]+", "/guest/TOKEN"),
        (r"/meetings/\d+", "/meetings/ID"),
        (r"meeting-\d+@", "meeting-ID@"),
    ]
    for pattern, replacement in rules:
        raw = re.sub(pattern, replacement, raw)
    assert "\n" not in raw.replace("\r\n", "")
    return raw.replace("\r\n", "\n")





@pytest.fixture
def invited(app, english):
    """A meeting on 26 March 2031 whose invitations went out to one English-speaking member."""
    from app.calendars import invites
    from tests.factories import create_group, create_meeting, create_member, create_organizer

    group = create_group(name="Kaffeklub Vest", slug="kaffeklub-vest")
    organizer = create_organizer(group, name="Olga Organizer", email="olga@example.com", language="en")
    member = create_member(groups=[group], name="Søren Østergaard", email="soren@example.com", language="en")
    start = datetime(2031, 3, 26, 7, 30, tzinfo=UTC)
    meeting = create_meeting(group=group, title="Morgenmøde", starts_at=start,
                             ends_at=start + timedelta(minutes=90), venue_name="Kontoret",
                             venue_address="Bredgade 1, 7400 Herning",
                             agenda="Oplæg: kaffe, kage; og netværk")
    invites.send_invitations(organizer, meeting.id)
    return organizer, member, meeting


def _raw(kind: str, email: str) -> str:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import OutboxMessage

    rows = db.session.scalars(select(OutboxMessage.raw).where(OutboxMessage.kind == kind,
                                                              OutboxMessage.recipients == email)).all()
    assert len(rows) == 1, (kind, email, len(rows))
    return rows[0]


def test_snapshot_invite(invited):
    _organizer, member, _meeting = invited
    assert_snapshot("imip_invite.eml", _normalise(_raw("calendar_invite", member.email)))


def test_snapshot_update(invited):
    from datetime import time

    from app.calendars import invites
    from app.extensions import db
    from app.meetings import services as meetings

    organizer, member, meeting = invited
    meetings.update_meeting(organizer, meeting.id, {"start_time": time(9, 0), "end_time": time(10, 30),
                                                    "venue_name": "Hal 3"})
    db.session.expire_all()
    invites.send_due(now=meeting.calendar_update_due_at + timedelta(seconds=1))
    assert_snapshot("imip_update.eml", _normalise(_raw("calendar_update", member.email)))


def test_snapshot_cancel(invited):
    from app.meetings import services as meetings

    organizer, member, meeting = invited
    meetings.cancel_meeting(organizer, meeting.id, "The host is ill.")
    assert_snapshot("imip_cancel.eml", _normalise(_raw("calendar_cancel", member.email)))


@pytest.mark.parametrize("subject", [
    "Invitation: Morgenmøde i Kaffeklub Vest, ons. 16. december",
    "Opdateret invitation: Morgenmøde hos Jørgensen Tømrer & Snedker ApS i Kaffeklub Vest, ons. 16. december",
    "Invitation: Morgenmøde i Kaffeklub Vest",
])
def test_a_long_subject_reads_back_exactly_without_a_leading_space(subject):
    """The first encoded word stays beside "Subject:" (a fold right after the colon reads back as
    a leading space), every line within 78 characters."""
    raw = build_message(mail(subject=subject))
    header_lines = raw[:raw.index("\r\n\r\n")].split("\r\n")
    at = next(i for i, line in enumerate(header_lines) if line.startswith("Subject:"))
    assert header_lines[at].strip() != "Subject:"
    assert all(len(line) <= 78 for line in header_lines)
    assert str(parse(raw)["Subject"]) == subject
