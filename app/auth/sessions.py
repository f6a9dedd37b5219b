"""Per-login session records: every login is a row that logout, "log out everywhere", a password
change and deactivation can end.

Flask-Login keeps one value per login, `session["_user_id"]`, and copies it into the signed
remember-me cookie. We store a random token there instead of the member id, so both cookies
point at a LoginSession row (which keeps only the token's SHA-256). The user loader accepts the
token only while its row is neither revoked nor expired and its member is active: ending a login
on the server ends it wherever its cookies were copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context
from sqlalchemy import delete, or_, select, update

from app.auth.tokens import hash_token, new_token
from app.extensions import db
from app.models import ApiToken, LoginSession, LoginToken, Member, utcnow

# last_seen_at (and the idle deadline) is written at most this often, not on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)
_MAX_TOKEN_LENGTH = 128  # ours are 43 characters
USER_AGENT_LENGTH = 200
KEEP_ENDED_FOR = timedelta(days=7)  # ended logins are deleted this long after they ended


def _lifetime(remember: bool) -> timedelta:
    if remember:
        return timedelta(days=current_app.config["REMEMBER_COOKIE_DURATION_DAYS"])
    return timedelta(hours=current_app.config["SESSION_IDLE_HOURS"])


def create_session(member: Member, *, remember: bool, user_agent: str = "",
                   ip: str = "") -> tuple[LoginSession, str]:
    """A new login record for the member and its token (the plaintext goes only into the cookie).

    Remembered logins end REMEMBER_COOKIE_DURATION_DAYS after they began; others end after
    SESSION_IDLE_HOURS without a request. Not committed here."""
    token = new_token()
    now = utcnow()
    _prune(member, now)
    row = LoginSession(member_id=member.id, token_hash=hash_token(token), created_at=now, last_seen_at=now,
                       expires_at=now + _lifetime(remember), remember=remember,
                       user_agent=(user_agent or "")[:USER_AGENT_LENGTH], ip=(ip or "")[:64])
    db.session.add(row)
    return row, token


def _prune(member: Member, now: datetime) -> None:
    # Ended logins are kept a while (they explain "why was I logged out?"), then forgotten.
    cutoff = now - KEEP_ENDED_FOR
    db.session.execute(delete(LoginSession).where(
        LoginSession.member_id == member.id,
        or_(LoginSession.expires_at < cutoff, LoginSession.revoked_at < cutoff)))


def load_member(token: str | None) -> Member | None:
    """Flask-Login's user loader: the active member behind an unrevoked, unexpired login token."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    row = db.session.scalar(select(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    member = row.member
    if member is None or not member.active:
        return None
    if now - row.last_seen_at >= LAST_SEEN_RESOLUTION:
        _touch(row, now)
    if has_request_context():
        g.login_session = row
    return member


def _touch(row: LoginSession, now: datetime) -> None:
    # The loader runs when a view first reads current_user; commit only if the view has not begun
    # changing anything yet, otherwise the view's own commit carries the new time along.
    pristine = not (db.session.new or db.session.dirty or db.session.deleted)
    row.last_seen_at = now
    if not row.remember:
        row.expires_at = now + _lifetime(False)
    if pristine:
        db.session.commit()


def current_session() -> LoginSession | None:
    """The login record of this request, if a member is logged in."""
    if not has_request_context():
        return None
    return g.get("login_session")


def set_current_session(row: LoginSession | None) -> None:
    g.login_session = row


def is_fresh(row: LoginSession | None = None) -> bool:
    """Whether this login began within the last FRESH_LOGIN_MINUTES."""
    row = row if row is not None else current_session()
    if row is None:
        return False
    return utcnow() - row.created_at < timedelta(minutes=current_app.config["FRESH_LOGIN_MINUTES"])


def revoke(row: LoginSession | None) -> None:
    """End one login (not committed)."""
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def revoke_sessions(member: Member, *, keep: LoginSession | None = None) -> int:
    """End all of the member's logins, except `keep`; returns how many ended (not committed)."""
    query = update(LoginSession).where(LoginSession.member_id == member.id, LoginSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(LoginSession.id != keep.id)
    query = query.values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    result = db.session.execute(query)
    for row in list(db.session.identity_map.values()):
        if isinstance(row, LoginSession) and row.member_id == member.id and row is not keep:
            db.session.expire(row)
    return result.rowcount or 0


def revoke_all_access(member: Member) -> None:
    """Deactivation: end every login, revoke every API token and cancel every unused login link,
    so that reactivating the member brings none of them back. Not committed."""
    now = utcnow()
    revoke_sessions(member)
    db.session.execute(
        update(ApiToken).where(ApiToken.member_id == member.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    db.session.execute(
        update(LoginToken)
        .where(LoginToken.member_id == member.id, LoginToken.used_at.is_(None),
               LoginToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    for row in list(db.session.identity_map.values()):
        if isinstance(row, (ApiToken, LoginToken)) and row.member_id == member.id:
            db.session.expire(row)


# --- the member's own list ------------------------------------------------------------------------

@dataclass(frozen=True)
class ActiveLogin:
    id: int
    device: str
    ip: str
    created_at: datetime
    last_seen_at: datetime
    remember: bool
    current: bool


def active_logins(member: Member) -> list[ActiveLogin]:
    """The member's logins that still work, the current one first, then by last use."""
    now = utcnow()
    rows = db.session.scalars(
        select(LoginSession)
        .where(LoginSession.member_id == member.id, LoginSession.revoked_at.is_(None),
               LoginSession.expires_at > now)
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    ).all()
    here = current_session()
    logins = [ActiveLogin(id=row.id, device=describe_user_agent(row.user_agent), ip=row.ip,
                          created_at=row.created_at, last_seen_at=row.last_seen_at, remember=row.remember,
                          current=here is not None and row.id == here.id) for row in rows]
    return sorted(logins, key=lambda login: not login.current)


def end_session_of(member: Member, session_id: int) -> LoginSession | None:
    """End one of the member's own logins; None if there is no such login of theirs. Commits."""
    row = db.session.get(LoginSession, session_id)
    if row is None or row.member_id != member.id:
        return None
    revoke(row)
    db.session.commit()
    return row


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
             ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def describe_user_agent(user_agent: str) -> str:
    """A short "browser on system" label, e.g. "Firefox · Windows"; "" when nothing is known."""
    user_agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    return " · ".join(part for part in (browser, system) if part)
