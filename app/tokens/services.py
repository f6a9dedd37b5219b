"""Personal access tokens: create (plaintext shown once), list, revoke, and authenticate a bearer token.

Only the SHA-256 of a token is stored (app.auth.tokens.hash_token); tokens are 256-bit random
values, so a fast hash is enough and lookup by hash is a plain indexed query.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.auth import permissions
from app.auth.tokens import hash_token, new_token
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models import ApiToken, Member, normalize_email, utcnow

TOKEN_PREFIX = "kk_"  # noqa: S105 (a marker that makes leaked tokens recognisable, not a secret)
# How much of the plaintext is kept for display ("kk_" + 5 characters): enough to tell tokens
# apart, far too little (30 of 256 bits) to help guess one.
DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 5
NAME_MAX_LENGTH = 100
MAX_ACTIVE_TOKENS = 25
# last_used_at is only written when older than this, so a busy script does not cost a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Plaintexts longer than this cannot be ours; refusing them early avoids hashing megabytes.
MAX_PLAINTEXT_LENGTH = 200


def list_tokens(member: Member) -> list[ApiToken]:
    """The member's tokens that are not revoked, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.member_id == member.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(db.session.scalars(query).all())


def create_token(member: Member, name: str) -> tuple[ApiToken, str]:
    """Create a token for the member; returns it with the plaintext, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the token a name."), fields={"name": [_("Give the token a name.")]})
    if len(name) > NAME_MAX_LENGTH:
        message = _("The name can be at most %(max)s characters long.", max=NAME_MAX_LENGTH)
        raise ValidationFailed(message, fields={"name": [message]})
    if not member.active:
        raise ValidationFailed(_("Tokens cannot be created for an inactive member."))
    active_count = db.session.scalar(
        select(func.count(ApiToken.id)).where(ApiToken.member_id == member.id, ApiToken.revoked_at.is_(None))
    )
    if active_count >= MAX_ACTIVE_TOKENS:
        raise Conflict(_("You already have %(max)s tokens. Revoke one you no longer use first.",
                         max=MAX_ACTIVE_TOKENS))
    plaintext = TOKEN_PREFIX + new_token()
    token = ApiToken(member_id=member.id, name=name, token_hash=hash_token(plaintext),
                     prefix=plaintext[:DISPLAY_PREFIX_LENGTH])
    db.session.add(token)
    db.session.commit()
    return token, plaintext


def create_token_for_email(email: str, name: str) -> tuple[ApiToken, str]:
    """Create a token for the member with this email (for the command line)."""
    member = db.session.scalar(select(Member).where(Member.email == normalize_email(email)))
    if member is None:
        raise NotFound(_("No member has the email address %(email)s.", email=email))
    return create_token(member, name)


def revoke_token(user, token_id: int) -> ApiToken:
    """Revoke a token. Only its owner or an admin may; to anyone else it does not exist."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not (permissions.is_admin(user) or _owns(user, token)):
        raise NotFound(_("There is no such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def authenticate(plaintext: str | None) -> Member | None:
    """The active member owning this unrevoked token, or None."""
    if not plaintext or len(plaintext) > MAX_PLAINTEXT_LENGTH or not plaintext.startswith(TOKEN_PREFIX):
        return None
    # The member and their memberships (which nearly every API call checks) come with the token in
    # one query, not three; a use case that locks a row then does not load them while holding it.
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext))
        .options(joinedload(ApiToken.member).joinedload(Member.memberships))).unique().first()
    if token is None or token.revoked_at is not None:
        return None
    member = token.member
    if member is None or not member.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return member


def _owns(user, token: ApiToken) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.id == token.member_id
