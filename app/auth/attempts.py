"""Limits on login requests, kept in the database so that every worker sees the same counts.

What an attacker can cause is limited, not what the owner can do:
- login mails: at most LOGIN_MAILS_PER_ADDRESS per address per LOGIN_MAIL_WINDOW_MINUTES. Only
  requests that were allowed count towards the cap, so the cap frees itself as the window slides
  on, however many further requests come in; a link already mailed keeps working meanwhile.
- wrong passwords: counted per address *and* client address. After PASSWORD_FREE_FAILURES the
  next attempt from that client waits PASSWORD_BACKOFF_SECONDS, doubling with every further
  failure up to PASSWORD_BACKOFF_MAX_SECONDS. The owner on another machine is not slowed down.
  A right password clears the count for that client.
"""

from __future__ import annotations

import math
from datetime import UTC, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import LoginAttempt, LoginToken, utcnow

KEEP_FOR = timedelta(days=1)  # rows older than this no longer matter to any limit


def _forget_old() -> None:
    now = utcnow()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - KEEP_FOR))


def _forget_inert_tokens() -> None:
    # The tokens stored for addresses that are no member's (see request_login_link), once expired.
    db.session.execute(
        delete(LoginToken).where(LoginToken.member_id.is_(None), LoginToken.expires_at < utcnow()))


def record_link_request(address: str, ip: str) -> bool:
    """Record a request for a login link; True if a mail may go out (under the per-address cap).

    Called for every request whatever the address, so members and non-members cost the same.
    Not committed here."""
    _forget_old()
    _forget_inert_tokens()
    if db.session.get_bind().dialect.name == "postgresql":
        # Two requests at once for one address must not both see room under the cap: take a lock
        # on the address for the rest of the transaction. (SQLite serialises writers anyway.)
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("login-mail:" + address))))
    window = timedelta(minutes=current_app.config["LOGIN_MAIL_WINDOW_MINUTES"])
    sent = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.kind == "link", LoginAttempt.email == address, LoginAttempt.succeeded.is_(True),
            LoginAttempt.created_at > utcnow() - window))
    allowed = sent < current_app.config["LOGIN_MAILS_PER_ADDRESS"]
    db.session.add(LoginAttempt(kind="link", email=address, ip=(ip or "")[:64], succeeded=allowed))
    return allowed


def _failures_since_last_success(address: str, ip: str) -> tuple[int, object]:
    since = utcnow() - KEEP_FOR
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.kind == "password", LoginAttempt.email == address, LoginAttempt.ip == ip,
            LoginAttempt.succeeded.is_(True)))
    if last_success is not None and last_success > since:
        since = last_success
    count, last = db.session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.created_at)).where(
            LoginAttempt.kind == "password", LoginAttempt.email == address, LoginAttempt.ip == ip,
            LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > since)).one()
    return count, last


def password_wait_seconds(address: str, ip: str) -> int:
    """How long this client must wait before it may try a password for this address again."""
    config = current_app.config
    count, last = _failures_since_last_success(address, (ip or "")[:64])
    free = config["PASSWORD_FREE_FAILURES"]
    if count < free or last is None:
        return 0
    if last.tzinfo is None:  # SQLite keeps naive UTC
        last = last.replace(tzinfo=UTC)
    doublings = min(count - free, 30)
    delay = min(config["PASSWORD_BACKOFF_SECONDS"] * 2**doublings, config["PASSWORD_BACKOFF_MAX_SECONDS"])
    remaining = (last + timedelta(seconds=delay) - utcnow()).total_seconds()
    return max(0, math.ceil(remaining))


def record_password_attempt(address: str, ip: str, *, succeeded: bool) -> None:
    """Remember a password attempt for the backoff (not committed)."""
    _forget_old()
    db.session.add(LoginAttempt(kind="password", email=address, ip=(ip or "")[:64], succeeded=succeeded))
