"""Login use cases: magic links, the optional password and links for the command line."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.orm import lazyload

from app.auth import attempts, passwords
from app.auth.sessions import revoke_sessions
from app.auth.tokens import (
    cancel_unused_login_links,
    external_url,
    hash_token,
    issue_login_link,
    new_login_token,
)
from app.errors import DomainError, NotFound, ValidationFailed
from app.extensions import db
from app.mail.services import enqueue_mail
from app.models import LoginToken, Member, normalize_email, utcnow
from app.urls import is_safe_next
from app.validation import FieldErrors

# Token purposes that log a member in through /login/<token>.
LOGIN_PURPOSES = ("login", "welcome")
_MAX_TOKEN_LENGTH = 128  # ours are 43 characters; anything much longer is not one of ours


class LoginLinkInvalid(DomainError):
    """A login link that is unknown, used, expired, or whose member is no longer active."""

    title = "This login link cannot be used"

    def __init__(self, reason: str):
        super().__init__(self.title)
        self.reason = reason
        self.status = 404 if reason == "unknown" else 410


def _active_member_by_email(email: str) -> Member | None:
    address = normalize_email(email)
    if not address:
        return None
    # lazyload: not the memberships and competencies the model loads eagerly. Logging in needs
    # neither, and loading them only when the address is a member's would make that answer slower.
    return db.session.scalar(select(Member).options(lazyload("*"))
                             .where(Member.email == address, Member.active.is_(True)))


def request_login_link(email: str, *, ip: str = "", next_url: str | None = None) -> None:
    """Mail a login link if the address belongs to an active member and its mail cap allows;
    silently do nothing otherwise.

    The caller shows the same page either way, and both ways do the same work before answering
    (record the request, make, hash and store a token, render the mail), so neither the page nor
    its timing tells whether an address belongs to a member. A non-member's token is inert (no
    member). Only a member's request under the cap queues the mail, and replaces the member's
    older unused links.
    """
    address = normalize_email(email)
    member = _active_member_by_email(address)
    allowed = attempts.record_link_request(address, ip)
    send = member is not None and allowed
    row, token = new_login_token(member.id if member is not None else None, purpose="login", ip=ip or "")
    link = external_url("auth.login_with_link", token=token)
    if next_url and is_safe_next(next_url) and next_url != "/":
        link = f"{link}?{urlencode({'next': next_url})}"
    cancel_unused_login_links(member.id if send else None)
    # A stand-in recipient for an address that is no member's: the mail is rendered, never kept.
    recipient = member if member is not None else Member(name=address.partition("@")[0], email=address)
    outbox = enqueue_mail(recipient, "login_link", link=link,
                          minutes=current_app.config["LOGIN_LINK_MINUTES"])
    if member is None:
        db.session.add(row)  # inert (no member): it only makes this answer cost what a member's does
    elif send:
        db.session.add(row)
    if not send:
        db.session.expunge(outbox)
    db.session.commit()


def find_login_token(token: str) -> LoginToken:
    """The usable token behind a link, or LoginLinkInvalid saying why not. Changes nothing."""
    row = None
    if token and len(token) <= _MAX_TOKEN_LENGTH:
        row = db.session.scalar(select(LoginToken).where(LoginToken.token_hash == hash_token(token)))
    if row is None or row.member_id is None or row.purpose not in LOGIN_PURPOSES:
        raise LoginLinkInvalid("unknown")
    if row.used_at is not None:
        raise LoginLinkInvalid("used")
    if row.revoked_at is not None:
        raise LoginLinkInvalid("replaced")
    if row.expires_at <= utcnow():
        raise LoginLinkInvalid("expired")
    if not row.member.active:
        raise LoginLinkInvalid("inactive")
    return row


def consume_login_link(token: str) -> Member:
    """Use up a login link and return its member, who may now be logged in.

    Single use even under concurrent requests: the conditional UPDATE lets exactly one of them
    change the row (PostgreSQL re-checks the WHERE after waiting for the row lock; SQLite
    serialises writers), and the others see rowcount 0.
    """
    row = find_login_token(token)
    now = utcnow()
    result = db.session.execute(
        update(LoginToken)
        .where(LoginToken.id == row.id, LoginToken.used_at.is_(None), LoginToken.revoked_at.is_(None),
               LoginToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise LoginLinkInvalid("used")
    member = row.member
    member.last_login_at = now
    db.session.commit()
    return member


class TooManyAttempts(DomainError):
    """Too many wrong passwords for this address from this client: wait `retry_after` seconds."""

    status = 429
    title = "Too many attempts"

    def __init__(self, retry_after: int):
        minutes = max(1, -(-retry_after // 60))
        super().__init__(ngettext(
            "Too many wrong passwords. Try again in %(num)d minute, or log in with a link by email.",
            "Too many wrong passwords. Try again in %(num)d minutes, or log in with a link by email.",
            minutes))
        self.retry_after = retry_after


def login_with_password(email: str, password: str, *, ip: str = "") -> Member:
    """The member with this email and password; one and the same error for every kind of failure.

    Wrong passwords slow down only the client that makes them (see app.auth.attempts)."""
    address = normalize_email(email)
    wait = attempts.password_wait_seconds(address, ip)
    if wait:
        raise TooManyAttempts(wait)
    member = _active_member_by_email(address)
    stored = member.password_hash if member is not None else None
    # verify_password spends the same time on a missing hash, so timing does not tell either.
    matches = passwords.verify_password(stored, password or "")
    attempts.record_password_attempt(address, ip, succeeded=member is not None and matches)
    if member is None or not matches:
        db.session.commit()
        raise ValidationFailed(_("The email address or the password is not correct."))
    if passwords.needs_rehash(stored):
        member.password_hash = passwords.hash_password(password)
    member.last_login_at = utcnow()
    db.session.commit()
    return member


class ConfirmationNeeded(DomainError):
    """Setting or changing the password needs a recent login or the current password."""

    status = 403
    title = "Confirm it is you"


def _check_current_password(member: Member, current_password: str | None, *, fresh: bool) -> None:
    """A recent login (`fresh`) is enough; otherwise the current password, if there is one, is
    needed, and without a password only a new login (by link) will do."""
    if fresh:
        return
    if not member.password_hash:
        raise ConfirmationNeeded(_("To set a password, first confirm that it is you with a login link."))
    if not passwords.verify_password(member.password_hash, current_password or ""):
        raise ValidationFailed(
            _("Your current password is not correct."),
            fields={"current_password": [_("Your current password is not correct.")]},
        )


def change_password(member: Member, *, current_password: str | None, new_password: str | None,
                    confirm_password: str | None, fresh: bool = False, keep_session=None) -> None:
    """Set a first password or replace the existing one; every other login of the member ends.

    Needs a recent login (`fresh`) or the current password (see _check_current_password)."""
    _check_current_password(member, current_password, fresh=fresh)
    new_password = new_password or ""
    errors = FieldErrors()
    if len(new_password) < passwords.MIN_LENGTH:
        errors.add("new_password", _("Use at least %(count)d characters.", count=passwords.MIN_LENGTH))
    elif len(new_password) > passwords.MAX_LENGTH:
        errors.add("new_password", _("Use at most %(count)d characters.", count=passwords.MAX_LENGTH))
    elif new_password != (confirm_password or ""):
        errors.add("confirm_password", _("The two passwords are not the same."))
    errors.raise_if_any(_("The password was not saved."))
    member.password_hash = passwords.hash_password(new_password)
    revoke_sessions(member, keep=keep_session)
    db.session.commit()


def remove_password(member: Member, *, current_password: str | None, fresh: bool = False,
                    keep_session=None) -> None:
    """Go back to logging in by emailed link only; every other login of the member ends."""
    if not member.password_hash:
        return
    _check_current_password(member, current_password, fresh=fresh)
    member.password_hash = None
    revoke_sessions(member, keep=keep_session)
    db.session.commit()


def cli_login_link(email: str | None = None, *, demo_admin: bool = False) -> str:
    """A fresh login link for a member (by email) or for the first active admin; for scripts."""
    if demo_admin:
        member = db.session.scalar(
            select(Member).where(Member.is_admin.is_(True), Member.active.is_(True)).order_by(Member.id)
        )
        if member is None:
            raise NotFound("There is no active admin. Create one first (e.g. `flask seed-demo`).")
    else:
        member = _active_member_by_email(email or "")
        if member is None:
            address = normalize_email(email or "")
            raise NotFound(f"There is no active member with the email address {address!r}.")
    link = issue_login_link(member, purpose="login", ip="cli")
    db.session.commit()
    return link
