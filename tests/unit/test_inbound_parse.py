"""app.inbound.parse: the REPLYs that Outlook, Google Calendar, Apple Calendar and Thunderbird send
(tests/data/replies/), and hostile messages, which are read into a reason and never crash."""

from __future__ import annotations

import base64
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.inbound import parse
from app.inbound.parse import parse_message

REPLIES = Path(__file__).parent.parent / "data" / "replies"
REPLY_TO = "svar+i1.abcdefghijklmnop@kaffeklub.test"
UID = "meeting-1@kaffeklub.test"
ATTENDEE = "mads.member@example.test"


def fixture(name: str) -> bytes:
    return (REPLIES / name).read_bytes()


def calendar(method="REPLY", partstat="ACCEPTED", uid=UID, attendee=ATTENDEE, extra="", events=None) -> str:
    event = (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20310301T100000Z\r\nSEQUENCE:2\r\n"
             f"ATTENDEE;PARTSTAT={partstat}:mailto:{attendee}\r\n{extra}END:VEVENT\r\n")
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:{method}\r\n"
            f"{events if events is not None else event}END:VCALENDAR\r\n")


def message(ics: str | None = None, *, content_type="text/calendar", cte=None, headers=None,
            charset="utf-8", subject="Accepted: Morgenmøde") -> bytes:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = f"Mads <{ATTENDEE}>"
    msg["To"] = REPLY_TO
    msg["Subject"] = subject
    msg["Message-ID"] = "<abc@example.test>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content("Mads has accepted.")
    if ics is not None:
        maintype, subtype = content_type.split("/")
        msg.add_alternative(ics.encode(charset), maintype=maintype, subtype=subtype,
                            cte=cte or "base64", params={"method": "REPLY", "charset": charset})
    return msg.as_bytes()


# --- the four clients ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "partstat", "comment"), [
    ("outlook_accepted.eml", "ACCEPTED", "Jeg kommer gerne – og tager en kollega med næste gang."),
    ("google_accepted.eml", "ACCEPTED", ""),
    ("apple_declined.eml", "DECLINED", ""),
    ("thunderbird_tentative.eml", "TENTATIVE", ""),
])
def test_real_clients_replies_are_read(name, partstat, comment):
    parsed = parse_message(fixture(name))
    assert parsed.is_reply, parsed.problem_detail
    assert parsed.method == "REPLY"
    assert parsed.uid == UID
    assert [(a.address, a.partstat) for a in parsed.attendees] == [(ATTENDEE, partstat)]
    assert parsed.comment == comment
    assert parsed.sequence == 0
    assert parsed.recurrence_id is None
    assert REPLY_TO in parsed.recipients
    assert parsed.sender_address == ATTENDEE
    assert "Morgenmøde" in parsed.subject  # RFC 2047 in iso-8859-1 and UTF-8, Q and B
    assert parsed.message_id.startswith("<")
    assert not parsed.auto_reply


def test_google_response_comment_is_read_from_the_attendee_parameter():
    parsed = parse_message(fixture("google_accepted.eml"))
    assert parsed.attendees[0].comment == "Glæder mig!"
    assert parsed.auto_generated  # a calendar's own REPLY: applied, never answered


def test_recipients_come_in_trust_order_and_without_duplicates():
    raw = (b"Delivered-To: a+1@x.test\r\nX-Original-To: b@x.test\r\nTo: \"C\" <c@x.test>, a+1@x.test\r\n"
           b"Cc: d@x.test\r\nSubject: hi\r\n\r\nbody\r\n")
    assert parse_message(raw).recipients == ["a+1@x.test", "b@x.test", "c@x.test", "d@x.test"]


def test_a_calendar_part_in_quoted_printable_latin1_is_read():
    ics = calendar(extra="COMMENT:Jeg må desværre melde afbud\r\n", partstat="DECLINED")
    parsed = parse_message(message(ics, cte="quoted-printable", charset="iso-8859-1"))
    assert parsed.is_reply
    assert parsed.comment == "Jeg må desværre melde afbud"
    assert parsed.sequence == 2


def test_application_ics_attachment_alone_is_read():
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = ATTENDEE, REPLY_TO, "Svar"
    msg.set_content("se vedhæftet")
    msg.add_attachment(calendar().encode(), maintype="application", subtype="ics", filename="invite.ics")
    assert parse_message(msg.as_bytes()).is_reply


def test_an_octet_stream_named_ics_is_read_but_a_calendar_pasted_into_text_is_not():
    msg = EmailMessage()
    msg["From"], msg["To"] = ATTENDEE, REPLY_TO
    msg.set_content("x")
    msg.add_attachment(calendar().encode(), maintype="application", subtype="octet-stream",
                       filename="reply.ics")
    assert parse_message(msg.as_bytes()).is_reply
    pasted = EmailMessage()
    pasted["From"], pasted["To"] = ATTENDEE, REPLY_TO
    pasted.set_content(calendar())
    assert parse_message(pasted.as_bytes()).problem == parse.NO_CALENDAR


def test_a_calendar_inside_a_forwarded_message_is_not_read():
    inner = email.message_from_bytes(message(calendar()), policy=email.policy.default)
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = ATTENDEE, REPLY_TO, "Fwd: Accepted"
    outer.set_content("see below")
    outer.add_attachment(inner)
    assert parse_message(outer.as_bytes()).problem == parse.NO_CALENDAR


@pytest.mark.parametrize("method", ["COUNTER", "REFRESH", "REQUEST", "PUBLISH", "CANCEL"])
def test_other_methods_are_not_replies(method):
    parsed = parse_message(message(calendar(method=method)))
    assert parsed.problem == parse.NOT_REPLY
    assert parsed.method == method
    assert not parsed.is_reply


def test_several_uids_are_refused():
    events = "".join(f"BEGIN:VEVENT\r\nUID:{uid}\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:{ATTENDEE}\r\n"
                     "END:VEVENT\r\n" for uid in ("meeting-1@kaffeklub.test", "meeting-2@kaffeklub.test"))
    assert parse_message(message(calendar(events=events))).problem == parse.SEVERAL_UIDS


def test_no_event_and_no_attendee():
    assert parse_message(message(calendar(events=""))).problem == parse.NO_EVENT
    no_attendee = f"BEGIN:VEVENT\r\nUID:{UID}\r\nEND:VEVENT\r\n"
    assert parse_message(message(calendar(events=no_attendee))).problem == parse.NO_ATTENDEE


def test_recurrence_id_is_read_in_utc():
    ics = calendar(extra="RECURRENCE-ID;TZID=Europe/Copenhagen:20310305T083000\r\n")
    parsed = parse_message(message(ics))
    assert parsed.recurrence_id == datetime(2031, 3, 5, 7, 30, tzinfo=UTC)


def test_attendee_address_from_the_email_parameter_and_mailto_in_capitals():
    ics = calendar(attendee="urn:uuid:1234").replace(
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:urn:uuid:1234",
        f"ATTENDEE;EMAIL={ATTENDEE.upper()};PARTSTAT=accepted:urn:uuid:1234\r\n"
        f"ATTENDEE;PARTSTAT=DECLINED:MAILTO:Other@Example.Test")
    parsed = parse_message(message(ics))
    assert [(a.address, a.partstat) for a in parsed.attendees] == [
        (ATTENDEE, "ACCEPTED"), ("other@example.test", "DECLINED")]


def test_a_broken_property_makes_the_calendar_malformed():
    parsed = parse_message(message(calendar(extra="DTSTART:garbage\r\n")))
    assert parsed.problem == parse.MALFORMED_CALENDAR
    assert "DTSTART" in parsed.problem_detail
    bad_sequence = calendar().replace("SEQUENCE:2", "SEQUENCE:99999999999")
    assert parse_message(message(bad_sequence)).problem == parse.MALFORMED_CALENDAR


def test_calendar_parts_that_disagree_are_refused():
    msg = EmailMessage()
    msg["From"], msg["To"] = ATTENDEE, REPLY_TO
    msg.set_content("x")
    msg.add_attachment(calendar(partstat="ACCEPTED").encode(), maintype="text", subtype="calendar",
                       filename="a.ics")
    msg.add_attachment(calendar(partstat="DECLINED").encode(), maintype="text", subtype="calendar",
                       filename="b.ics")
    assert parse_message(msg.as_bytes()).problem == parse.PARTS_DISAGREE


def test_one_good_part_wins_over_a_garbage_part():
    msg = EmailMessage()
    msg["From"], msg["To"] = ATTENDEE, REPLY_TO
    msg.set_content("x")
    msg.add_attachment(b"\xff\xfe garbage", maintype="text", subtype="calendar", filename="a.ics")
    msg.add_attachment(calendar().encode(), maintype="text", subtype="calendar", filename="b.ics")
    assert parse_message(msg.as_bytes()).is_reply


# --- automatic replies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"X-Autoreply": "yes"},
    {"Precedence": "auto_reply"},
    {"Subject": "Out of Office: Morgenmøde"},
    {"Subject": "Autosvar: Morgenmøde"},
    {"Subject": "Automatic reply: Accepted"},
])
def test_automatic_replies_are_recognised(headers):
    headers = dict(headers)
    subject = headers.pop("Subject", "Accepted: Morgenmøde")
    assert parse_message(message(calendar(), headers=headers, subject=subject)).auto_reply


def test_a_delivery_report_is_an_automatic_message():
    raw = (b"From: MAILER-DAEMON@x.test\r\nTo: " + REPLY_TO.encode() + b"\r\nSubject: Undelivered\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n"
           b"Content-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n")
    assert parse_message(raw).auto_reply


# --- hostile input ------------------------------------------------------------------------------------


HOSTILE = {
    "empty": b"",
    "garbage": bytes(range(256)) * 40,
    "only headers": b"From: x@y.test\r\nTo: " + REPLY_TO.encode(),
    "no blank line": b"this is not a mail at all",
    "broken multipart": (b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=\"zzz\"\r\n\r\n"
                         b"--zzz\r\nContent-Type: text/calendar; method=REPLY\r\nContent-Transfer-Encoding:"
                         b" base64\r\n\r\n!!!not base64!!!\r\n"),  # no closing boundary, bad base64
    "multipart without boundary": b"Content-Type: multipart/alternative\r\n\r\nhello\r\n",
    "unknown charset": (b"Content-Type: text/calendar; method=REPLY; charset=x-klingon\r\n\r\n"
                        + calendar().encode()),
    "wrong charset": (b"Content-Type: text/calendar; method=REPLY; charset=us-ascii\r\n\r\n"
                      + calendar(extra="COMMENT:\xe6\xf8\xe5 \xff\r\n").encode("latin-1")),
    "nul and surrogates in headers": (b"From: \x00evil\xed\xa0\x80 <a\x00@b.test>\r\n"
                                      b"Subject: =?utf-8?b?7aCA?= \x00\xff\r\n"
                                      b"To: " + REPLY_TO.encode() + b"\r\n\r\nbody"),
    "encoded word with unknown charset": (b"Subject: =?x-nope?q?abc?=\r\n"
                                          b"From: =?utf-8?q?=FF?= <a@b.test>\r\n\r\n"),
    "nul in calendar": (b"Content-Type: text/calendar\r\n\r\n"
                        + calendar().encode().replace(b"UID", b"U\x00ID")),
    "deeply nested": (b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
                      + b"".join(f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n"
                                 .encode() for i in range(200))
                      + b"--b200\r\nContent-Type: text/calendar\r\n\r\n" + calendar().encode()),
    "thousands of parts": (b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                           + b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 5000 + b"--b--\r\n"),
    "huge header": b"Subject: " + b"a" * 2_000_000 + b"\r\n\r\nbody",
    "calendar that is not one": b"Content-Type: text/calendar\r\n\r\nBEGIN:VEVENT\r\nUID:x\r\n",
    "two calendars in one part": (b"Content-Type: text/calendar\r\n\r\n" + calendar().encode() * 2),
}


# A calendar in a charset that is unknown or wrong is still read (UTF-8, then cp1252).
READABLE = {"unknown charset", "wrong charset"}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_messages_never_crash(name):
    parsed = parse_message(HOSTILE[name], max_bytes=10_000_000)
    assert parsed.is_reply == (name in READABLE)
    assert bool(parsed.problem) != (name in READABLE)
    for text in (parsed.sender, parsed.subject, parsed.message_id, *parsed.recipients,
                 *(v for pair in parsed.headers for v in pair)):
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates: storable in PostgreSQL, showable in a page


def test_nul_and_surrogates_in_headers_are_cleaned_but_the_address_kept():
    parsed = parse_message(HOSTILE["nul and surrogates in headers"])
    assert REPLY_TO in parsed.recipients
    assert "evil" in parsed.sender


def test_too_large_is_refused_before_parsing_but_headers_are_read():
    attachment = base64.encodebytes(b"\0" * 15_000_000)
    raw = message(calendar()).replace(b"\r\n\r\n", b"\r\nX-Big: yes\r\n\r\n", 1) + attachment
    assert len(raw) > 20_000_000
    parsed = parse_message(raw, max_bytes=10_000_000)
    assert parsed.problem == parse.TOO_LARGE
    assert parsed.subject.startswith("Accepted")
    assert REPLY_TO in parsed.recipients


def test_a_20_mb_attachment_under_a_higher_limit_is_read():
    msg = EmailMessage()
    msg["From"], msg["To"] = ATTENDEE, REPLY_TO
    msg.set_content("x")
    msg.add_attachment(calendar().encode(), maintype="text", subtype="calendar", filename="r.ics")
    msg.add_attachment(b"\x01" * 20_000_000, maintype="application", subtype="pdf", filename="big.pdf")
    assert parse_message(msg.as_bytes(), max_bytes=40_000_000).is_reply


def test_str_input_is_accepted():
    assert parse_message(message(calendar()).decode("utf-8", "surrogateescape")).is_reply


try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover -- hypothesis is a dev dependency (pyproject.toml)
    st = None


if st is not None:
    _fragments = st.sampled_from([
        b"From: a@b.test\r\n", b"To: " + REPLY_TO.encode() + b"\r\n",
        b"Content-Type: multipart/mixed; boundary=q\r\n",
        b"Content-Type: text/calendar; method=REPLY\r\n", b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n", b"\r\n", b"--q\r\n", b"--q--\r\n",
        calendar().encode(), b"BEGIN:VEVENT\r\n", b"ATTENDEE;PARTSTAT=ACCEPTED:mailto:x@y\r\n",
        b"=?utf-8?b?\xff?=",
        b"\x00", b"\xed\xa0\x80", b"END:VCALENDAR\r\n",
    ])

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.one_of(_fragments, st.binary(max_size=64)), max_size=30))
    def test_fuzz_never_raises(parts):
        parsed = parse_message(b"".join(parts), max_bytes=1_000_000)
        for text in (parsed.sender, parsed.subject, parsed.message_id, *parsed.recipients):
            assert "\x00" not in text
            text.encode("utf-8")


def test_raw_utf8_headers_are_read_as_utf8():
    # RFC 6532: phones and webmail send 8-bit UTF-8 in Subject and From (no encoded words).
    raw = ("From: Søren Ærø <soren@example.test>\r\nTo: svar@kaffeklub.test\r\n"
           "Subject: Accepteret: Morgenmøde i Kaffeklub Vest\r\n\r\nhej\r\n").encode()
    parsed = parse_message(raw)
    assert parsed.subject == "Accepteret: Morgenmøde i Kaffeklub Vest"
    assert parsed.sender == "Søren Ærø <soren@example.test>"
    assert ("Subject", "Accepteret: Morgenmøde i Kaffeklub Vest") in parsed.headers
