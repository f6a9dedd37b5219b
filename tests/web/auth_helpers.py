"""Helpers for the login tests: read login links out of the outbox, log in through them."""

from __future__ import annotations

import email
import re
from email import policy
from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage

LINK_RE = re.compile(r"https?://[^\s\"'<>]+/login/[A-Za-z0-9_\-]+(?:\?[^\s\"'<>]*)?")


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def parse(message: OutboxMessage) -> email.message.EmailMessage:
    return email.message_from_string(message.raw, policy=policy.default)


def link_in(message: OutboxMessage) -> str:
    """The login link in the plain-text part (and check the HTML part carries the same one)."""
    mime = parse(message)
    text = mime.get_body(preferencelist=("plain",)).get_content()
    html = mime.get_body(preferencelist=("html",)).get_content()
    links = LINK_RE.findall(text)
    assert len(links) == 1, text
    assert links[0].replace("&", "&amp;") in html or links[0] in html
    return links[0]


def path_of(link: str) -> str:
    """The path and query of an absolute link, for the test client."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def request_link(client, address: str, **extra) -> str:
    """Ask for a login link and return the path of the link in the newest mail."""
    response = client.post("/login", data={"email": address, **extra})
    assert response.status_code == 302, response.status_code
    return path_of(link_in(outbox()[-1]))
