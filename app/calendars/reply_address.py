"""The address calendar replies come back to: one per invitation, with a signed token.

An invitation's ORGANIZER (and the mail's From) is ``svar+<token>@<domain>``: the token names the
invitation (`MeetingInvite.id`) and carries an HMAC of it made with the app's secret, so a REPLY
proves it answers an invitation we sent; someone who only knows a member's address and a meeting
UID cannot make one. The token is lower case letters and digits only (``i<id in base 36>.<16
base32 characters>``): mail servers may change the case of a local part, and nothing in it needs
quoting. Nothing is stored: `read_token` recomputes the HMAC.

The base address is CALENDAR_REPLY_ADDRESS, else ``svar@<MAIL_DOMAIN>``, else the network's sender
address. With CALENDAR_REPLY_TOKENS off the plain base address is used (a fallback for mail
servers without plus-addressing) and `read_token` finds no token in replies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from email.utils import parseaddr

from flask import current_app

from app.mail.services import _sender_pair
from app.models import NetworkSettings

_SALT = b"kaffeklub.imip.reply.v1:"
_TOKEN = re.compile(r"^i([0-9a-z]{1,13})\.([a-z2-7]{16})$")
_MAX_ID = 2**31 - 1


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _mac(invite_id: int) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, _SALT + str(invite_id).encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:16]


def make_token(invite_id: int) -> str:
    return f"i{_base36(invite_id)}.{_mac(invite_id)}"


def read_token(token: str) -> int | None:
    """The invitation id a token was made for, or None (not ours, altered, malformed)."""
    if not isinstance(token, str):
        return None
    match = _TOKEN.match(token.strip().lower())
    if not match:
        return None
    invite_id = int(match.group(1), 36)
    if not 0 < invite_id <= _MAX_ID:
        return None
    return invite_id if hmac.compare_digest(_mac(invite_id), match.group(2)) else None


def base_address() -> str:
    """The plain reply address (no token): CALENDAR_REPLY_ADDRESS, svar@MAIL_DOMAIN, or the sender."""
    config = current_app.config
    configured = (config.get("CALENDAR_REPLY_ADDRESS") or "").strip()
    if configured:
        return parseaddr(configured)[1] or configured
    domain = (config.get("MAIL_DOMAIN") or "").strip()
    if domain:
        return f"svar@{domain}"
    return _sender_pair(NetworkSettings.get())[1]


def reply_address(invite_id: int) -> str:
    """The ORGANIZER / From address of one invitation's calendar mail."""
    return reply_addresses()(invite_id)


def reply_addresses() -> Callable[[int], str]:
    """`reply_address` for many invitations (a mail to each of 500 people), the base address and
    the settings looked up once."""
    base = base_address()
    if not current_app.config.get("CALENDAR_REPLY_TOKENS", True) or "@" not in base:
        return lambda _invite_id: base
    local, domain = base.rsplit("@", 1)
    local = local.split("+", 1)[0]
    return lambda invite_id: f"{local}+{make_token(invite_id)}@{domain}"


def token_in(address: str) -> str | None:
    """The token part of ``local+TOKEN@domain`` (any display name or angle brackets removed), or None."""
    address = parseaddr(address or "")[1] or (address or "")
    local = address.rsplit("@", 1)[0]
    if "+" not in local:
        return None
    return local.split("+", 1)[1]


def invite_id_for(address: str) -> int | None:
    """The invitation a reply address names, if its token is genuine; else None."""
    token = token_in(address)
    return read_token(token) if token else None


__all__ = ["base_address", "invite_id_for", "make_token", "read_token", "reply_address", "reply_addresses",
           "token_in"]
