"""Secret tokens: generated with `secrets`, stored only as SHA-256, compared by hash lookup."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, url_for

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


def issue_login_link(member: Member, *, purpose: str = "login", ip: str = "") -> str:
    """Create a single-use login token for the member and return the absolute link.

    Login links live LOGIN_LINK_MINUTES (15); welcome links WELCOME_LINK_DAYS, because a new
    member may read the welcome mail days later. Not committed here: the caller commits it
    together with the mail that carries it.
    """
    token = new_token()
    if purpose == "welcome":
        lifetime = timedelta(days=current_app.config["WELCOME_LINK_DAYS"])
    else:
        lifetime = timedelta(minutes=current_app.config["LOGIN_LINK_MINUTES"])
    db.session.add(LoginToken(member_id=member.id, token_hash=hash_token(token), purpose=purpose,
                              expires_at=utcnow() + lifetime, requested_ip=ip[:64]))
    return external_url("auth.login_with_link", token=token)
