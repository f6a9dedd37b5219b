"""Read one incoming RFC 5322 message into the iMIP REPLY it carries (pure: no Flask, no database).

`parse_message(raw)` never raises: whatever the bytes are (broken MIME, wrong or unknown charsets,
garbage, nested multiparts, a huge attachment) it returns a `ParsedMail` whose `problem` says why
there is no usable REPLY ("" when there is one). What it reads:

- the headers an admin and the matcher need: Message-ID, From, Subject, and the candidate
  recipient addresses in the order they are trusted (Delivered-To, X-Original-To, To, Cc);
- whether the message is an automatic reply (RFC 3834 Auto-Submitted: auto-replied, the
  X-Autoreply/X-Autorespond and Precedence headers, an out-of-office subject, a delivery report):
  such a message is never acted on and never answered (mail loops);
- the calendar parts (`text/calendar`, `application/ics`, or an attachment named `*.ics`, base64
  or quoted-printable, any charset), read with icalendar strictly: a property icalendar could not
  parse makes the calendar malformed. Parts inside an attached message (a forward) are not read.
  Several calendar parts (Google sends the calendar inline and as `invite.ics`) must agree.

A REPLY names one event (UID; all its VEVENTs share it), the attendees with their PARTSTAT, the
SEQUENCE, an optional COMMENT (or Google's X-RESPONSE-COMMENT parameter) and an optional
RECURRENCE-ID (the caller decides what an occurrence of a single event means).

`message_text(raw)` is the text of a message without a calendar part (a plain Reply), without the
message it quotes: what is forwarded to the organizers.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import icalendar

# What `problem` can be (the caller turns these into words for the admin).
TOO_LARGE = "too_large"
UNREADABLE = "unreadable"  # the MIME structure could not be read at all
NO_CALENDAR = "no_calendar"
MALFORMED_CALENDAR = "malformed_calendar"
NOT_REPLY = "not_reply"  # a calendar with another METHOD (REQUEST, COUNTER, REFRESH, ...)
NO_EVENT = "no_event"
SEVERAL_UIDS = "several_uids"
NO_ATTENDEE = "no_attendee"
PARTS_DISAGREE = "parts_disagree"

CALENDAR_TYPES = {"text/calendar", "application/ics", "application/icalendar", "text/x-vcalendar",
                  "application/x-ics"}
MAX_PARTS = 500  # MIME parts looked at; a message with more is read as far as that
MAX_DEPTH = 30  # nested multiparts followed
MAX_CALENDAR_PARTS = 5
MAX_CALENDAR_BYTES = 1_000_000  # a REPLY is a few KB; a bigger "calendar" is not one
HEADER_LIMIT = 2000  # characters of one header value kept

_AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?reply|autoreply|autosvar|"
    r"automatisk svar|fravær|fraværende|abwesenheit|automatische antwort|r[ée]ponse automatique|"
    r"absence|ikke på kontoret|vacation|on vacation)\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class Attendee:
    address: str  # lower case, without mailto:
    partstat: str  # upper case; NEEDS-ACTION when the client left it out (RFC 5545's default)
    comment: str = ""  # X-RESPONSE-COMMENT (Google)


@dataclass
class ParsedMail:
    size: int
    message_id: str = ""
    sender: str = ""  # the From header, decoded
    sender_address: str = ""
    subject: str = ""
    recipients: list[str] = field(default_factory=list)  # candidate addresses, most trusted first
    headers: list[tuple[str, str]] = field(default_factory=list)  # decoded, for the admin page
    auto_reply: str = ""  # why it is an automatic reply (empty: it is not)
    auto_generated: bool = False  # Auto-Submitted: auto-generated (a calendar server's own REPLY)
    problem: str = ""  # one of the constants above; "" when `method`=="REPLY" and the event is usable
    problem_detail: str = ""  # technical detail for the log and the admin (English)
    method: str = ""  # METHOD of the calendar ("" when there is no calendar)
    uid: str = ""
    sequence: int | None = None
    recurrence_id: datetime | date | str | None = None
    attendees: list[Attendee] = field(default_factory=list)
    comment: str = ""  # COMMENT of the event

    @property
    def is_reply(self) -> bool:
        return not self.problem and self.method == "REPLY"


# --- text helpers ----------------------------------------------------------------------------------


def clean_text(value: object, limit: int = HEADER_LIMIT) -> str:
    """A string fit for storing and showing: surrogate escapes turned back into bytes read as
    UTF-8 (invalid ones replaced), NUL and other control characters (but tab/newline) removed."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    else:
        text = str(value)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace") \
                if _only_escapes(text) else text.encode("utf-8", "replace").decode("utf-8", "replace")
    text = "".join(ch for ch in text if ch in "\t\n" or (ch >= " " and ch != "\x7f"))
    text = text.replace("\ufffe", "").replace("\uffff", "")
    return text[:limit]


def _only_escapes(text: str) -> bool:
    """True when every surrogate in `text` is a surrogateescape (U+DC80..U+DCFF) of a byte."""
    return all(not ("\ud800" <= ch <= "\udfff") or "\udc80" <= ch <= "\udcff" for ch in text)


def _decode_header(raw: object) -> str:
    """A header's value in words: RFC 2047 encoded words decoded, folding undone, never raising."""
    if raw is None:
        return ""
    if isinstance(raw, email.header.Header):  # compat32's form of a header with raw 8-bit bytes
        return clean_text(" ".join(_eight_bit_header(raw).split()))
    text = str(raw)
    try:
        decoded = str(email.header.make_header(email.header.decode_header(text)))
    except Exception:  # noqa: BLE001 -- an unknown charset, a broken encoded word: keep the raw text
        decoded = text
    return clean_text(" ".join(decoded.split()))


def _addresses(values: list[str]) -> list[str]:
    out: list[str] = []
    try:
        pairs = email.utils.getaddresses([str(v) for v in values])
    except Exception:  # noqa: BLE001
        pairs = []
    for _name, address in pairs:
        address = clean_text(address, 320).strip().strip("<>").lower()
        if "@" in address and address not in out:
            out.append(address)
    return out


def decode_payload(payload: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError, TypeError, ValueError):
            continue
    return payload.decode("cp1252", "replace")


# --- the message -----------------------------------------------------------------------------------


def parse_message(raw: bytes, *, max_bytes: int | None = None) -> ParsedMail:
    """What the message `raw` is and, when it is a REPLY, what it says. Never raises."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    parsed = ParsedMail(size=len(raw))
    try:
        _read_headers_only(raw, parsed)
    except Exception as exc:  # noqa: BLE001 -- hostile input must not crash the reader
        parsed.problem_detail = f"headers: {type(exc).__name__}: {clean_text(exc, 300)}"
    if max_bytes is not None and len(raw) > max_bytes:
        parsed.problem = TOO_LARGE
        parsed.problem_detail = f"{len(raw)} bytes, more than the limit of {max_bytes}"
        return parsed
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # noqa: BLE001 (RecursionError on absurd nesting, and the like)
        parsed.problem = UNREADABLE
        parsed.problem_detail = f"{type(exc).__name__}: {clean_text(exc, 300)}"
        return parsed
    try:
        _read_message(message, parsed)
    except Exception as exc:  # noqa: BLE001
        parsed.problem = parsed.problem or UNREADABLE
        parsed.problem_detail = f"{type(exc).__name__}: {clean_text(exc, 300)}"
    return parsed


def _eight_bit_header(header: email.header.Header) -> str:
    """A header with raw 8-bit bytes (RFC 6532 UTF-8, common from phones and webmail; compat32
    marks them unknown-8bit) read as UTF-8, or Windows-1252 when it is not UTF-8."""
    words = []
    for chunk, charset in email.header.decode_header(header):
        if isinstance(chunk, str):
            words.append(chunk)
            continue
        try:
            words.append(chunk.decode(charset if charset and charset != "unknown-8bit" else "utf-8"))
        except (LookupError, UnicodeDecodeError):
            words.append(chunk.decode("cp1252", "replace"))
    return "".join(words)


def _header_block(raw: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(separator)
        if end != -1:
            return raw[: end + len(separator)]
    return raw[:200_000]


def _read_headers_only(raw: bytes, parsed: ParsedMail) -> None:
    """The top-level headers, read with the forgiving compat32 parser from the header block alone
    (so they are there even for a message too big or too broken to read whole)."""
    head = email.message_from_bytes(_header_block(raw)[:500_000], policy=email.policy.compat32)
    items = list(head.items())[:300]
    parsed.headers = [(clean_text(name, 100), _decode_header(value)) for name, value in items]
    values: dict[str, list[str]] = {}
    for name, value in items:
        values.setdefault(str(name).lower(), []).append(str(value))

    def first(name: str) -> str:  # from the parsed value (a Header when it has raw 8-bit bytes)
        found = next((value for key, value in items if str(key).lower() == name), None)
        return _decode_header(found) if found is not None else ""

    parsed.message_id = first("message-id")[:500]
    parsed.sender = first("from")[:320]
    senders = _addresses(values.get("from", [])[:1])
    parsed.sender_address = senders[0] if senders else ""
    parsed.subject = first("subject")[:500]
    recipients: list[str] = []
    for name in ("delivered-to", "x-original-to", "to", "cc"):
        for address in _addresses(values.get(name, [])[:50]):
            if address not in recipients:
                recipients.append(address)
    parsed.recipients = recipients[:100]
    parsed.auto_reply = _auto_reply(values, parsed.subject)
    submitted = first("auto-submitted").lower()
    parsed.auto_generated = submitted.startswith("auto-generated")


def _auto_reply(values: dict[str, list[str]], subject: str) -> str:
    submitted = _decode_header((values.get("auto-submitted") or [""])[0]).lower().strip()
    if submitted.startswith("auto-replied") or submitted.startswith("auto-notified"):
        return f"Auto-Submitted: {submitted}"
    for name in ("x-autoreply", "x-autorespond"):
        if name in values:
            return {"x-autoreply": "X-Autoreply", "x-autorespond": "X-Autorespond"}[name]
    precedence = _decode_header((values.get("precedence") or [""])[0]).lower().strip()
    if precedence in ("auto_reply", "bulk", "junk"):
        return f"Precedence: {precedence}"
    content_type = _decode_header((values.get("content-type") or [""])[0]).lower()
    if content_type.startswith("multipart/report"):
        return "Content-Type: multipart/report"
    if _AUTO_SUBJECT.search(subject):
        return f"Subject: {subject[:80]}"
    return ""


def _read_message(message, parsed: ParsedMail) -> None:
    calendars: list[tuple[str, str]] = []  # (text, MIME method)
    for part in message_parts(message):
        if len(calendars) >= MAX_CALENDAR_PARTS:
            break
        if not _is_calendar_part(part):
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001
            payload = None
        if not payload:
            continue
        if len(payload) > MAX_CALENDAR_BYTES:
            parsed.problem, parsed.problem_detail = MALFORMED_CALENDAR, "a calendar part of over 1 MB"
            return
        try:
            charset = part.get_content_charset()
        except Exception:  # noqa: BLE001
            charset = None
        try:
            mime_method = str(part.get_param("method") or "").strip().upper()
        except Exception:  # noqa: BLE001
            mime_method = ""
        calendars.append((decode_payload(payload, charset), mime_method))
    if not calendars:
        parsed.problem = NO_CALENDAR
        parsed.problem_detail = "the message has no calendar part"
        return
    readings = [_read_calendar(text, mime_method) for text, mime_method in calendars]
    # A part icalendar could not read is passed over when another part was read (Google sends the
    # calendar twice); the ones read must all say the same (a REPLY next to a REQUEST is refused).
    good = [r for r in readings if r.problem != MALFORMED_CALENDAR] or readings[:1]
    chosen = good[0]
    for other in good[1:]:
        if (other.method, other.uid, other.attendees) != (chosen.method, chosen.uid, chosen.attendees):
            parsed.problem = PARTS_DISAGREE
            parsed.problem_detail = "the message's calendar parts say different things"
            parsed.method = chosen.method
            return
    for name in ("problem", "problem_detail", "method", "uid", "sequence", "recurrence_id", "attendees",
                 "comment"):
        setattr(parsed, name, getattr(chosen, name))


def message_parts(message):
    """The leaf parts, depth first, not into attached messages (message/rfc822 is someone else's)."""
    stack = [(message, 0)]
    seen = 0
    while stack and seen < MAX_PARTS:
        part, depth = stack.pop()
        seen += 1
        try:
            maintype = part.get_content_maintype()
            children = part.get_payload() if maintype == "multipart" and depth < MAX_DEPTH else None
        except Exception:  # noqa: BLE001, S112 -- a part that cannot be read is skipped
            continue
        if maintype == "multipart":
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children))
        elif maintype != "message":
            yield part


def _is_calendar_part(part) -> bool:
    try:
        content_type = part.get_content_type()
    except Exception:  # noqa: BLE001
        return False
    if content_type in CALENDAR_TYPES:
        return True
    if content_type in ("application/octet-stream", "text/plain", "application/x-download"):
        try:
            filename = (part.get_filename() or "").strip().lower()
        except Exception:  # noqa: BLE001
            return False
        # text/plain is read only when it is an attachment named .ics; a calendar pasted into a
        # mail's body is not a REPLY.
        disposition = part.get_content_disposition() or ""
        return filename.endswith(".ics") and (content_type != "text/plain" or disposition == "attachment")
    return False


# --- the text of a plain reply (forwarded to the organizers) ----------------------------------------

FORWARD_TEXT_LIMIT = 4000  # characters of the text forwarded
LINE_LIMIT = 200  # characters in one line of the text (UTF-8: well under SMTP's 998 bytes)
_BLOCK_END = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6]|/blockquote|p|div|li|tr)\b[^>]*>", re.IGNORECASE)
_HIDDEN = re.compile(r"<\s*(script|style|head|title)\b.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_QUOTE_BLOCK = re.compile(r"<\s*blockquote\b.*?<\s*/\s*blockquote\s*>", re.IGNORECASE | re.DOTALL)
# Where the quoted message starts in a reply ("On ... wrote:", "Den ... skrev ...:", Outlook's header
# block or separator): what follows is our own invitation again, with the member's answer links.
_QUOTE_START = re.compile(
    r"^[ \t]*(?:(?:on|den|le|am)\b[^\n]{0,300}(?:\n[^\n]{0,300})?\b(?:wrote|skrev|a écrit|schrieb)\b"
    r"[^\n]{0,300}:[ \t]*$"
    r"|-{3,}[ \t]*(?:original message|oprindelig meddelelse|forwarded message|videresendt "
    r"meddelelse)[^\n]*|_{10,}"
    r"|(?:from|fra|von|de)[ \t]*:[^\n]*\n[ \t]*(?:sent|sendt|date|dato|to|til|gesendet)[ \t]*:)",
    re.IGNORECASE | re.MULTILINE)


def _without_quote(text: str) -> str:
    """The reply without the message it quotes: lines starting with ">" and everything from the
    quote's header on ("On ... wrote:", Outlook's "From:/Sent:" block) are left out."""
    match = _QUOTE_START.search(text)
    if match:
        text = text[: match.start()]
    return "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))


def _html_to_text(markup: str) -> str:
    """HTML read as text, crudely: hidden blocks and quoted messages (blockquote) dropped, block
    ends as line breaks, tags removed."""
    markup = _HIDDEN.sub(" ", markup[:500_000])
    markup = _QUOTE_BLOCK.sub(" ", markup)
    markup = re.sub(r"<!--.*?-->", " ", markup, flags=re.DOTALL)
    markup = _BLOCK_END.sub("\n", markup)
    markup = re.sub(r"<[^>]*>", "", markup)
    return html_lib.unescape(markup)


def _short_lines(line: str, width: int = LINE_LIMIT) -> list[str]:
    """One line as lines of at most `width` characters, broken at a space where there is one (a
    mail's line may not be over 998 bytes; the outbox's mail mangles a longer one)."""
    out = []
    while len(line) > width:
        cut = line.rfind(" ", width // 2, width)
        cut = cut if cut > 0 else width
        out.append(line[:cut].rstrip())
        line = line[cut:].lstrip(" ")
    out.append(line)
    return out


def message_text(raw: bytes, limit: int = FORWARD_TEXT_LIMIT) -> str:
    """The message's own text for the organizers: its first text/plain part (the text of its first
    text/html part when there is none) without the message it quotes (our invitation again, with
    the member's own answer links), not the attachments nor an attached message, cleaned of
    control characters, with runs of blank lines and trailing spaces trimmed, at most `limit`
    characters (an ellipsis marks the cut). "" when there is none or it cannot be read."""
    try:
        message = email.message_from_bytes(raw or b"", policy=email.policy.default)
        parts = list(message_parts(message))
    except Exception:  # noqa: BLE001 -- hostile input: nothing to forward
        return ""
    found: dict[str, str] = {}
    for part in parts:
        try:
            content_type = part.get_content_type()
            if content_type not in ("text/plain", "text/html") or content_type in found:
                continue
            if part.get_content_disposition() == "attachment" or part.get_filename():
                continue
            payload = part.get_payload(decode=True)
            charset = part.get_content_charset()
        except Exception:  # noqa: BLE001, S112 -- a part that cannot be read is passed over
            continue
        if isinstance(payload, bytes) and payload.strip():
            found[content_type] = decode_payload(payload[:200_000], charset)
    text = found.get("text/plain", "")
    if not text.strip():
        text = _html_to_text(found.get("text/html", ""))
    text = clean_text(text, 50_000).replace("\r\n", "\n").replace("\r", "\n")
    text = _without_quote(text)
    text = "\n".join(chunk for line in text.split("\n") for chunk in _short_lines(line.rstrip()))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


# --- the calendar ----------------------------------------------------------------------------------


@dataclass
class _Reading:
    problem: str = ""
    problem_detail: str = ""
    method: str = ""
    uid: str = ""
    sequence: int | None = None
    recurrence_id: datetime | date | str | None = None
    attendees: list[Attendee] = field(default_factory=list)
    comment: str = ""


def _malformed(detail: str, method: str = "") -> _Reading:
    return _Reading(problem=MALFORMED_CALENDAR, problem_detail=detail, method=method)


def _read_calendar(text: str, mime_method: str) -> _Reading:
    try:
        return _read_calendar_strictly(text, mime_method)
    except Exception as exc:  # noqa: BLE001 -- icalendar can raise nearly anything on garbage
        return _malformed(f"{type(exc).__name__}: {clean_text(exc, 300)}")


def _read_calendar_strictly(text: str, mime_method: str) -> _Reading:
    if "\x00" in text:
        return _malformed("NUL in the calendar")
    calendars = icalendar.Calendar.from_ical(text, multiple=True)
    if len(calendars) != 1:
        return _malformed(f"{len(calendars)} calendars in one part (one is expected)")
    calendar = calendars[0]
    if calendar.name != "VCALENDAR":
        return _malformed(f"a {clean_text(calendar.name, 40)} instead of a VCALENDAR")
    errors = [(component.name, prop, message) for component in calendar.walk()
              for prop, message in component.errors]
    method = clean_text(calendar.get("METHOD") or "", 40).strip().upper() or mime_method
    if errors:
        name, prop, message = errors[0]
        where = f"{clean_text(name, 40)} {clean_text(prop, 40)}"
        return _malformed(f"{where}: {clean_text(message, 200)}", method)
    if method != "REPLY":
        return _Reading(problem=NOT_REPLY, problem_detail=f"METHOD:{method or '(none)'}", method=method)
    events = calendar.walk("VEVENT")
    if not events:
        return _Reading(problem=NO_EVENT, problem_detail="the REPLY has no VEVENT", method=method)
    uids = {clean_text(event.get("UID") or "", 500).strip() for event in events}
    if len(uids) != 1:
        return _Reading(problem=SEVERAL_UIDS, problem_detail=f"{len(uids)} different UIDs", method=method)
    uid = uids.pop()
    if not uid:
        return _malformed("the REPLY's VEVENT has no UID", method)
    # The event itself (no RECURRENCE-ID) if there is one, else the first occurrence named.
    event = next((e for e in events if e.get("RECURRENCE-ID") is None), events[0])
    attendees = _attendees(event)
    if not attendees:
        return _Reading(problem=NO_ATTENDEE, problem_detail="the REPLY names no ATTENDEE", method=method,
                        uid=uid)
    sequence = event.get("SEQUENCE")
    try:
        sequence = int(sequence) if sequence is not None else None
    except (TypeError, ValueError):
        return _malformed("SEQUENCE is not a number", method)
    if sequence is not None and not 0 <= sequence < 2**31:
        return _malformed("SEQUENCE is out of range", method)
    comments = event.get("COMMENT")
    if isinstance(comments, list):
        comments = "\n".join(str(c) for c in comments)
    return _Reading(method=method, uid=uid, sequence=sequence, attendees=attendees,
                    recurrence_id=_recurrence_id(event), comment=clean_text(comments or "", 5000).strip())


def _attendees(event) -> list[Attendee]:
    raw = event.get("ATTENDEE")
    if raw is None:
        return []
    values = raw if isinstance(raw, list) else [raw]
    out: list[Attendee] = []
    for value in values[:50]:
        params = getattr(value, "params", {}) or {}
        address = _mail_address(str(value)) or _mail_address(str(params.get("EMAIL") or ""))
        if not address:
            continue
        partstat = clean_text(params.get("PARTSTAT") or "NEEDS-ACTION", 40).strip().upper()
        comment = clean_text(params.get("X-RESPONSE-COMMENT") or "", 5000).strip()
        out.append(Attendee(address, partstat, comment))
    return out


def _mail_address(value: str) -> str:
    value = clean_text(value, 400).strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:"):]
    value = value.strip().strip("<>").strip()
    if "@" not in value or any(ch.isspace() for ch in value):
        return ""
    return value.lower()


def _recurrence_id(event) -> datetime | date | str | None:
    value = event.get("RECURRENCE-ID")
    if value is None:
        return None
    moment = getattr(value, "dt", None)
    if isinstance(moment, datetime):
        return moment.astimezone(UTC) if moment.tzinfo else moment
    if isinstance(moment, date):
        return moment
    return clean_text(value, 100)


__all__ = ["Attendee", "ParsedMail", "clean_text", "message_text", "parse_message"]
