"""Secret tokens: generated with `secrets`, stored only as SHA-256, compared by hash lookup."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, url_for
from sqlalchemy import update

from app.extensions import db
from app.models import LoginToken, Member, utcnow


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token (256 bits by default)."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """The stored form of a token. SHA-256 suffices: tokens are random, not passwords."""
    return hashlib.sha256(token.encode()).hexdigest()


def external_url(endpoint: str, **values) -> str:
    """An absolute URL, also outside a request (CLI, worker), based on BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = current_app.config["BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def login_link_lifetime(purpose: str) -> timedelta:
    """Login links live LOGIN_LINK_MINUTES (15); welcome links WELCOME_LINK_DAYS, because a new
    member may read the welcome mail days later."""
    if purpose == "welcome":
        return timedelta(days=current_app.config["WELCOME_LINK_DAYS"])
    return timedelta(minutes=current_app.config["LOGIN_LINK_MINUTES"])


def new_login_token(member_id: int | None, *, purpose: str = "login", ip: str = "") -> tuple[LoginToken, str]:
    """A login token row (not added to the session) and its plaintext."""
    token = new_token()
    row = LoginToken(member_id=member_id, token_hash=hash_token(token), purpose=purpose,
                     expires_at=utcnow() + login_link_lifetime(purpose), requested_ip=(ip or "")[:64])
    return row, token


def cancel_unused_login_links(member_id: int | None) -> None:
    """Revoke the member's login links that are still unused: a new link replaces them."""
    db.session.execute(
        update(LoginToken)
        .where(LoginToken.member_id == (member_id if member_id is not None else 0),
               LoginToken.used_at.is_(None), LoginToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False))


def issue_login_link(member: Member, *, purpose: str = "login", ip: str = "") -> str:
    """Create a single-use login token for the member and return the absolute link.

    The member's older unused links stop working. Not committed here: the caller commits it
    together with the mail that carries it.
    """
    cancel_unused_login_links(member.id)
    row, token = new_login_token(member.id, purpose=purpose, ip=ip)
    db.session.add(row)
    return external_url("auth.login_with_link", token=token)
