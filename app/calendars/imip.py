"""Calendar mail (iMIP, RFC 6047): the raw MIME message of one invitation, update or cancellation.

Pure: no Flask, no database. Built with the standard library's `email` package (Flask-Mail's
`alts` drop the `method` parameter), in the shape every client reads as an invitation:

    multipart/mixed
      multipart/alternative
        text/plain; charset=UTF-8                      (8bit, like every text part)
        text/html; charset=UTF-8
        text/calendar; method=REQUEST; charset=UTF-8   (last: the part clients act on)
      application/ics; name="invite.ics"               (base64 attachment, the same calendar)

For a CANCEL the method is CANCEL in the calendar and in the MIME header, and the attachment is
`cancel.ics`. From is the ORGANIZER (the invitation's own reply address), To the one ATTENDEE.

Speed: `MailTemplate` builds one message with markers in place of everything personal (To, From,
Message-ID, the texts' personal values, the calendar's ORGANIZER/ATTENDEE lines) and `fill` makes a
person's copy with a few string replacements, so 500 invitations cost a few milliseconds of
building instead of 500 MIME trees. `build_message` is the one slow path; the template is checked
against it (`MailTemplate.matches`) and the caller falls back to it when they differ.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.generator import Generator
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr
from io import StringIO

from markupsafe import escape

REQUEST = "REQUEST"
CANCEL = "CANCEL"
METHODS = (REQUEST, CANCEL)
ATTACHMENT_NAMES = {REQUEST: "invite.ics", CANCEL: "cancel.ics"}

_POLICY = policy.compat32.clone(linesep="\r\n", max_line_length=78)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class CalendarMail:
    """Everything one calendar message carries, already rendered."""

    method: str  # REQUEST | CANCEL
    sender_name: str  # the network's name: "Kaffeklub <svar+...@...>"
    sender_email: str  # the invitation's reply address = the ORGANIZER in the calendar
    to_name: str
    to_email: str
    subject: str
    text: str
    html: str
    calendar: bytes  # the whole VCALENDAR (CRLF), METHOD = `method`, with ORGANIZER and ATTENDEE
    message_id: str  # "<...@domain>", fixed when the mail is written to the outbox
    date: datetime
    boundary: str = ""  # a fixed boundary prefix (tests, templates); random when empty


def _header_text(value: str, name: str) -> str:
    """A header's text as ASCII (RFC 2047 encoded words only when needed). The field's `name`
    counts on the first line, so the first encoded word stays beside it instead of being folded
    onto a line of its own (which readers decode as a leading space)."""
    if value.isascii():
        return value
    return Header(value, "utf-8", header_name=name).encode()


def one_line(value: str) -> str:
    """A personal value (a name, a link) as one line: line breaks and control characters become
    spaces, so a filled copy has only the template's own line ends."""
    return _CONTROL.sub(" ", value)


def address_header(name: str, email: str) -> str:
    """A To/From value: `"Name" <addr>`, the name encoded when it is not ASCII (or looks like an
    encoded word, which a reader would otherwise decode). Control characters and line breaks in the
    name become spaces: a header is one logical line."""
    name = " ".join(one_line(name).split())
    if "=?" in name:
        return f"{Header(name, 'utf-8').encode()} <{email}>"
    return formataddr((name, email), charset="utf-8")


def _leaf(content_type: str, payload: str, cte: str, **headers: str) -> MIMENonMultipart:
    maintype, rest = content_type.split("/", 1)
    part = MIMENonMultipart(maintype, "plain", policy=_POLICY)
    # the Content-Type exactly as written (e.g. `text/calendar; method=REQUEST; charset=UTF-8`)
    part.replace_header("Content-Type", content_type)
    del part["MIME-Version"]
    part["Content-Transfer-Encoding"] = cte
    for name, value in headers.items():
        part[name.replace("_", "-")] = value
    part.set_payload(payload)
    return part


def attachment_payload(calendar: bytes) -> str:
    return base64.encodebytes(calendar).decode("ascii").replace("\n", "\r\n")


def build_message(mail: CalendarMail) -> str:
    """The raw message (CRLF line ends) as the outbox stores and sends it."""
    method = mail.method.upper()
    if method not in METHODS:
        raise ValueError(f"unknown iMIP method {mail.method!r}")
    boundary = mail.boundary or f"=_kk{secrets.token_hex(8)}"
    calendar_text = mail.calendar.decode("utf-8")
    alternative = MIMEMultipart("alternative", boundary=f"{boundary}_alt", policy=_POLICY)
    del alternative["MIME-Version"]
    alternative.attach(_leaf("text/plain; charset=UTF-8", mail.text, "8bit"))
    alternative.attach(_leaf("text/html; charset=UTF-8", mail.html, "8bit"))
    alternative.attach(_leaf(f"text/calendar; method={method}; charset=UTF-8", calendar_text,
                             "8bit"))
    name = ATTACHMENT_NAMES[method]
    attachment = _leaf(f'application/ics; name="{name}"', attachment_payload(mail.calendar), "base64",
                       Content_Disposition=f'attachment; filename="{name}"')
    message = MIMEMultipart("mixed", boundary=f"{boundary}_mix", policy=_POLICY)
    message["From"] = address_header(mail.sender_name, mail.sender_email)
    message["To"] = address_header(mail.to_name, mail.to_email)
    message["Subject"] = _header_text(mail.subject, "Subject")
    message["Date"] = format_datetime(mail.date)
    message["Message-ID"] = mail.message_id
    message.attach(alternative)
    message.attach(attachment)
    out = StringIO()
    Generator(out, mangle_from_=False, policy=_POLICY).flatten(message)
    return out.getvalue()


# --- many copies of one message --------------------------------------------------------------------

_LINE_END = "\r\n"


@dataclass
class Personal:
    """One recipient's values for `MailTemplate.fill`."""

    to_name: str
    to_email: str
    sender_email: str  # their reply address (ORGANIZER)
    message_id: str
    party_lines: bytes  # their ORGANIZER + ATTENDEE lines (`ical.party_lines`)
    values: dict[str, str] = field(default_factory=dict)  # text values: plain in text, escaped in HTML


class MailTemplate:
    """One message with markers; `fill` gives each person's copy by replacing them.

    `text`/`html` were rendered with `markers[key]` in place of each personal value; `calendar` is
    the calendar without ORGANIZER/ATTENDEE (they are added per person with `ical.with_parties`)."""

    def __init__(self, *, method: str, sender_name: str, subject: str, text: str, html: str,
                 calendar: bytes, date: datetime, markers: Mapping[str, str]):
        self.method = method.upper()
        self.sender_name = sender_name
        self.subject = subject
        self.calendar = calendar
        self.date = date
        self.markers = dict(markers)
        self.text, self.html = text, html
        tag = secrets.token_hex(6)
        self._to = f"kk{tag}to@marker.invalid"
        self._from = f"kk{tag}from@marker.invalid"
        self._id = f"<kk{tag}@marker.invalid>"
        self._cal = f"KK{tag}CALENDAR"
        self._att = f"KK{tag}ATTACHMENT"
        raw = build_message(CalendarMail(
            method=self.method, sender_name=sender_name, sender_email=self._from, to_name="",
            to_email=self._to, subject=subject, text=text, html=html,
            calendar=self._cal.encode(), message_id=self._id, date=date, boundary=f"=_kk{tag}"))
        self.raw = raw.replace(attachment_payload(self._cal.encode()).rstrip("\r\n"), self._att)
        for marker in (self._to, self._from, self._id, self._cal, self._att):
            if self.raw.count(marker) != 1:
                raise ValueError("marker did not survive building the message")
        self.boundary = f"=_kk{tag}"
        self._to_line = _header_line(self.raw, "To")
        self._from_line = _header_line(self.raw, "From")
        html_at = self.raw.index("Content-Type: text/html")
        self._parts = self._split(html_at)

    def _split(self, html_at: int) -> list[str | tuple[str, str]]:
        """The message as literal text and slots, in order: ("plain", key) before the HTML part
        and ("html", key) from it on for each personal marker, ("to",) ("from",) ("id",) ("cal",)
        ("att",) for the To and From lines, the Message-ID, the calendar and the attachment; so
        that `fill` is one join instead of a dozen replacements over the whole message (checked
        against `slow` like every fill: `matches`, and the tests)."""
        specials = sorted((self.raw.index(text), text, slot) for text, slot in (
            (self._to_line, "to"), (self._from_line, "from"), (self._id, "id"), (self._cal, "cal"),
            (self._att, "att")))
        personal = re.compile("|".join(re.escape(m) for m in sorted(self.markers.values(), key=len,
                                                                     reverse=True))) if self.markers else None
        key_of = {marker: key for key, marker in self.markers.items()}
        parts: list[str | tuple[str, str]] = []

        def literal(start: int, end: int) -> None:
            # personal markers in raw[start:end], split at the HTML part's start
            for lo, hi in ((start, min(end, html_at)), (max(start, html_at), end)):
                if lo >= hi:
                    continue
                kind = "plain" if hi <= html_at else "html"
                at = lo
                for match in personal.finditer(self.raw, lo, hi) if personal else ():
                    parts.append(self.raw[at:match.start()])
                    parts.append((kind, key_of[match.group(0)]))
                    at = match.end()
                parts.append(self.raw[at:hi])

        at = 0
        for position, text, slot in specials:
            if position < at:
                raise ValueError("markers overlap")
            literal(at, position)
            parts.append((slot, ""))
            at = position + len(text)
        literal(at, len(self.raw))
        return [part for part in parts if part != ""]

    def fill(self, person: Personal) -> str:
        from app.calendars.ical import with_parties

        calendar = with_parties(self.calendar, person.party_lines)
        plain = {key: one_line(person.values.get(key, "")) for key in self.markers}
        html = {key: str(escape(value)) for key, value in plain.items()}
        values = {
            "to": _header("To", person.to_name, person.to_email),
            "from": _header("From", self.sender_name, person.sender_email),
            "id": person.message_id,
            "cal": calendar.decode("utf-8"),
            "att": attachment_payload(calendar).removesuffix(_LINE_END),
        }
        out = []
        for part in self._parts:
            if type(part) is str:
                out.append(part)
            else:
                slot, key = part
                if slot == "plain":
                    out.append(plain[key])
                elif slot == "html":
                    out.append(html[key])
                else:
                    out.append(values[slot])
        return "".join(out)

    def slow(self, person: Personal) -> str:
        """The same copy built the slow way (`build_message`), to check `fill` against."""
        from app.calendars.ical import with_parties

        text, html = self.text, self.html
        for key, marker in self.markers.items():
            value = one_line(person.values.get(key, ""))
            text = text.replace(marker, value)
            html = html.replace(marker, str(escape(value)))
        return build_message(CalendarMail(
            method=self.method, sender_name=self.sender_name, sender_email=person.sender_email,
            to_name=person.to_name, to_email=person.to_email, subject=self.subject, text=text, html=html,
            calendar=with_parties(self.calendar, person.party_lines), message_id=person.message_id,
            date=self.date, boundary=self.boundary))

    def matches(self, person: Personal) -> bool:
        return self.fill(person) == self.slow(person)


def _header_line(raw: str, name: str) -> str:
    """The whole header field `name` (with its folded continuation lines and the final CRLF)."""
    match = re.search(rf"^{name}: .*?\r\n(?![ \t])", raw, flags=re.MULTILINE | re.DOTALL)
    if match is None:
        raise ValueError(f"no {name} header")
    return match.group(0)


def _header(name: str, display: str, email: str) -> str:
    """The header field as the generator writes it (folded at 78 with CRLF + space), with its CRLF."""
    value = address_header(display, email)
    if len(name) + 2 + len(value) <= 78:
        return f"{name}: {value}\r\n"
    message = MIMENonMultipart("text", "plain", policy=_POLICY)
    for key in list(message.keys()):
        del message[key]
    message[name] = value
    out = StringIO()
    Generator(out, mangle_from_=False, policy=_POLICY).flatten(message)
    return _header_line(out.getvalue(), name)


__all__ = ["ATTACHMENT_NAMES", "CANCEL", "REQUEST", "CalendarMail", "MailTemplate", "Personal",
           "address_header", "build_message"]
