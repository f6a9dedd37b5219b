"""Writing mail into the outbox. The caller's transaction commits it together with its cause."""

from __future__ import annotations

from email.utils import formataddr, make_msgid, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message

from app.extensions import db
from app.mail.names import first_name
from app.models import Member, NetworkSettings, OutboxMessage


def _sender_pair(settings: NetworkSettings) -> tuple[str, str]:
    """(display name, address) of the sender: the network's settings, else MAIL_DEFAULT_SENDER."""
    if settings.sender_email and settings.sender_email != "kaffeklub@localhost":
        return (settings.sender_name or settings.name, settings.sender_email)
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])


def _message_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1] if "@" in address else "kaffeklub.local"


def render_mail(template: str, language: str, **context) -> tuple[str, str, str]:
    """Render `email/<template>.subject.txt`, `.txt` and `.html` in the given language."""
    context.setdefault("first_name", first_name)  # mail greets "Hej Anders", not the full name
    with force_locale(language):
        subject = render_template(f"email/{template}.subject.txt", **context).strip()
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
    # A subject is one line, whatever a translator typed.
    subject = " ".join(subject.split())
    return subject, text, html


def enqueue_mail(to: Member | str, template: str, *, kind: str | None = None,
                 language: str | None = None, reply_to: tuple[str, str] | None = None,
                 **context) -> OutboxMessage:
    """Render a mail in the recipient's language and add it to the outbox (not committed here).
    reply_to: (name, address) that a press on Reply answers, e.g. a visitor who wrote to organizers."""
    if isinstance(to, Member):
        # A (name, address) pair: Flask-Mail encodes the name itself. A formataddr() string here
        # would be encoded twice, and "Søren" would arrive as "=?utf-8?q?S=C3=B8ren?=".
        address = (to.name, to.email)
        envelope_to = to.email
        language = language or to.language
        member_id = to.id
        context.setdefault("member", to)
    else:
        address = envelope_to = to
        member_id = None
    settings = NetworkSettings.get()
    language = language or settings.default_language
    context.setdefault("network", settings)
    subject, text, html = render_mail(template, language, **context)

    sender_pair = _sender_pair(settings)
    sender = formataddr(sender_pair)
    message = Message(subject=subject, sender=sender_pair, recipients=[address], body=text, html=html,
                      reply_to=formataddr(reply_to) if reply_to else None)
    message.msgId = make_msgid(domain=_message_domain(sender_pair[1]))
    outbox = OutboxMessage(
        message_id=message.msgId,
        kind=kind or template,
        sender=sender,
        recipients=envelope_to,
        subject=subject,
        raw=message.as_string(),
        member_id=member_id,
    )
    db.session.add(outbox)
    return outbox
