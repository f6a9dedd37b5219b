"""Many personal copies of one mail (e.g. 5,000 welcome mails from a CSV import) into the outbox.

`enqueue_mail` renders three templates and builds a MIME message per recipient, about 7 ms
each: 35 s for 5,000 members, more than a request may take. A batch renders the templates and
builds the MIME message once per language, with markers in place of the personal values (the
member's name and address, e.g. the login link), and then fills in each recipient's values: plain
in the text part, HTML-escaped in the HTML part, and a freshly encoded To header and Message-ID.

The result is checked against the slow path: the first recipient of each language is also built
exactly as `enqueue_mail` builds it, and if the two differ (say a template filters a personal
value, so its marker does not survive) the whole language falls back to the slow path. A batch
is therefore never wrong, at worst slow. Rows are inserted with one executemany INSERT, in the
caller's transaction (not committed here).

`insert_outbox_rows` is that INSERT (also for the calendar mails, `app.calendars.invites`). On
PostgreSQL it first sets `default_toast_compression` to lz4 for the transaction when the server
has it: a raw message (6 kB and more) is compressed into TOAST, and pglz, the default, made up
about a third of the INSERT of 500 invitations (~15 of ~45 ms); lz4 compresses several times
faster and reading the rows back is unchanged (PostgreSQL decompresses either).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.utils import formataddr, make_msgid

from flask_mail import Message, sanitize_address
from markupsafe import escape
from sqlalchemy import insert, text

from app.extensions import db
from app.mail.names import first_name
from app.mail.services import _message_domain, _sender_pair, render_mail
from app.models import Member, NetworkSettings, OutboxMessage, utcnow


@dataclass
class BatchRecipient:
    """One recipient of a batch: who, in which language, and their personal template values."""

    member_id: int | None
    name: str
    email: str
    language: str
    values: dict[str, str] = field(default_factory=dict)  # e.g. {"link": "https://..."}


_BOUNDARY = re.compile(r"={15}\d+==")
_TEXT_PART = "Content-Type: text/plain"
_NAME_KEYS = ("name", "first_name")
_HTML_PART = "Content-Type: text/html"


def _stand_in(name: str, email: str, language: str, member_id: int | None) -> Member:
    """A transient Member (never added to the session) for the templates' `member`."""
    return Member(id=member_id, name=name, email=email, language=language)


def _build_raw(template: str, recipient: BatchRecipient, *, sender_pair: tuple[str, str], domain: str,
               date: datetime, message_id: str | None = None, **context) -> tuple[str, str, str]:
    """(subject, Message-ID, raw MIME) built the way `enqueue_mail` builds it: the slow path."""
    member = _stand_in(recipient.name, recipient.email, recipient.language, recipient.member_id)
    subject, text, html = render_mail(template, recipient.language, member=member,
                                      **recipient.values, **context)
    message = Message(subject=subject, sender=sender_pair, recipients=[(recipient.name, recipient.email)],
                      body=text, html=html, date=date.timestamp())
    message.msgId = message_id or make_msgid(domain=domain)
    return subject, message.msgId, message.as_string()


def _to_header(name: str, email: str) -> str:
    """The folded To header line, as Flask-Mail and the SMTP policy write it."""
    return policy.SMTP.fold("To", sanitize_address((name, email), "utf-8"))


class _Skeleton:
    """One language's message with markers, split so that each personal copy is a few replaces."""

    def __init__(self, raw: str, markers: Mapping[str, str], marker_to: str, marker_id: str):
        headers_end = raw.index("\r\n\r\n")
        self.headers = raw[:headers_end + 2]
        body = raw[headers_end + 2:]
        html_at = body.index(_HTML_PART)
        self.text_body, self.html_body = body[:html_at], body[html_at:]
        self.markers = markers  # key -> marker
        self.to_line = next(line + "\r\n" for line in self.headers.split("\r\n") if line.startswith("To: "))
        self.marker_id = marker_id
        # The name and first name may or may not appear in the body (the To header has the name);
        # every other personal value must, or its marker did not survive a template filter.
        required = [m for key, m in markers.items() if key not in _NAME_KEYS]
        if (_TEXT_PART not in self.text_body or marker_to not in self.to_line
                or any(m not in self.text_body and m not in self.html_body for m in required)):
            raise ValueError("markers did not survive rendering")

    def fill(self, recipient: BatchRecipient, message_id: str) -> str:
        values = {"name": recipient.name, "first_name": first_name(recipient.name), **recipient.values}
        text, html = self.text_body, self.html_body
        for key, marker in self.markers.items():
            value = values[key]
            text = text.replace(marker, value)
            html = html.replace(marker, str(escape(value)))
        headers = self.headers.replace(self.to_line, _to_header(recipient.name, recipient.email))
        headers = headers.replace(self.marker_id, message_id)
        return headers + text + html


def _comparable(raw: str) -> str:
    # Boundaries are random per message; a marker forces 8bit where ASCII text would be 7bit.
    raw = _BOUNDARY.sub("BOUNDARY", raw)
    return raw.replace("Content-Transfer-Encoding: 7bit", "Content-Transfer-Encoding: 8bit")


def _skeleton(template: str, language: str, keys: Sequence[str], *, sender_pair, domain, date,
              context, check: BatchRecipient) -> _Skeleton | None:
    """The language's skeleton if it reproduces the slow path for `check`, else None."""
    tag = secrets.token_hex(6)
    # Non-ASCII markers, so that a part is 8bit even when the template text is plain ASCII.
    markers = {key: f"\u27e6kk{tag}{key}\u27e7" for key in (*_NAME_KEYS, *keys)}
    marker_email = f"kk{tag}@marker.invalid"
    marker_id = f"<kk{tag}@marker.invalid>"
    probe = BatchRecipient(member_id=check.member_id, name=markers["name"], email=marker_email,
                           language=language, values={k: markers[k] for k in keys})
    # Templates greet by first_name(member.name): in the probe it turns the name's marker into the
    # first name's marker, so that each copy gets its own first name filled in.
    def probe_first_name(name: str | None) -> str:
        return markers["first_name"] if name == markers["name"] else first_name(name)

    subject, _, raw = _build_raw(template, probe, sender_pair=sender_pair, domain=domain, date=date,
                                 message_id=marker_id, **{**context, "first_name": probe_first_name})
    if any(m in subject for m in markers.values()):
        return None  # a personal subject would need encoding per recipient: use the slow path
    try:
        skeleton = _Skeleton(raw, markers, marker_email, marker_id)
    except ValueError:
        return None
    expected_id = make_msgid(domain=domain)
    _, _, expected = _build_raw(template, check, sender_pair=sender_pair, domain=domain, date=date,
                                message_id=expected_id, **context)
    if _comparable(skeleton.fill(check, expected_id)) != _comparable(expected):
        return None
    skeleton.subject = subject  # type: ignore[attr-defined]
    return skeleton


def enqueue_mail_batch(template: str, recipients: Sequence[BatchRecipient], *, kind: str | None = None,
                       **context) -> int:
    """Add one personal copy of a mail per recipient to the outbox; returns how many.

    `context` is shared by all copies; each recipient's `values` (and name) are personal.
    Not committed here: the caller's transaction writes the mails together with their cause.
    """
    if not recipients:
        return 0
    settings = NetworkSettings.get()
    context.setdefault("network", settings)
    sender_pair = _sender_pair(settings)
    sender = formataddr(sender_pair)
    domain = _message_domain(sender_pair[1])
    date = utcnow()
    by_language: dict[str, list[BatchRecipient]] = {}
    for recipient in recipients:
        recipient.language = recipient.language or settings.default_language
        by_language.setdefault(recipient.language, []).append(recipient)

    rows: list[dict[str, object]] = []
    for language, group in by_language.items():
        keys = sorted(group[0].values)
        skeleton = None
        if all(sorted(r.values) == keys for r in group):
            skeleton = _skeleton(template, language, keys, sender_pair=sender_pair, domain=domain,
                                 date=date, context=context, check=group[0])
        for recipient in group:
            if skeleton is not None:
                message_id = make_msgid(domain=domain)
                subject, raw = skeleton.subject, skeleton.fill(recipient, message_id)
            else:
                subject, message_id, raw = _build_raw(template, recipient, sender_pair=sender_pair,
                                                      domain=domain, date=date, **context)
            rows.append({"message_id": message_id, "kind": kind or template, "sender": sender,
                         "recipients": recipient.email, "subject": subject, "raw": raw,
                         "member_id": recipient.member_id})
    insert_outbox_rows(rows)
    return len(rows)


_LZ4: dict[str, bool] = {}  # database URL -> whether the server can compress with lz4


def insert_outbox_rows(rows: Sequence[Mapping[str, object]]) -> None:
    """Insert outbox rows (dicts of OutboxMessage columns) with one executemany, in the caller's
    transaction; on PostgreSQL with TOAST compressed by lz4 when the server has it."""
    if not rows:
        return
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        key = bind.url.render_as_string(hide_password=True)
        if key not in _LZ4:
            _LZ4[key] = bool(db.session.scalar(text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")))
        if _LZ4[key]:
            db.session.execute(text("SET LOCAL default_toast_compression = lz4"))
    db.session.execute(insert(OutboxMessage), list(rows))
