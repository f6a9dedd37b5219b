"""Each member's private calendar feed (`/calendar/<token>.ics`) and its settings.

The address: the token is HMAC-SHA256(SECRET_KEY, member id + the row's random `nonce`), url-safe
base64 (43 characters), so the profile can show the same address again without storing it; only
its SHA-256 (`CalendarFeed.token_hash`) is stored and looked up. `rotate` picks a new nonce: the
old address answers 404 at once (calendars subscribed to it stop updating). Changing SECRET_KEY
changes every address too (the profile then shows the new one).

The file: the meetings of the member's current groups from about six months back and everything
ahead, each with the meeting's one UID (`feeds.meeting_uid`, the same as in invitations), in the
group's zone with a VTIMEZONE, METHOD:PUBLISH, a name and a refresh interval, and the member's OWN
status in it, in the member's language:

- going (or expected in an "expected unless afbud" group, with no afbud): STATUS:CONFIRMED;
- waitlisted: STATUS:TENTATIVE and a line with the place in line;
- not answered (a "sign up to come" group): STATUS:TENTATIVE, not busy, and a line that says so
  with the meeting page's address;
- afbud: left out, or (the member's choice, `show_declined`) shown as "Afbud: <title>", not busy;
- a cancelled meeting: STATUS:CANCELLED with the reason.

No other member's personal data: no attendees, no organizer, no host; the online link is in it
(members-only, and the member is a member of the group).

A poll costs a few aggregate queries (`_version`): the bytes are built once per version key and
kept in the per-process LRU of `app.calendars.feeds`. The key covers the member's answers, every
meeting of their groups in the window, their memberships and the groups' settings, their feed
settings and language, and the network's name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from types import SimpleNamespace

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.auth.tokens import external_url
from app.calendars import feeds
from app.calendars.ical import build_calendar
from app.errors import NotFound, PermissionDenied
from app.extensions import db
from app.models import (
    CalendarFeed,
    Group,
    GuestStatus,
    Meeting,
    MeetingGuest,
    Member,
    Membership,
    NetworkSettings,
    Rsvp,
    RsvpStatus,
    utcnow,
)
from app.rsvp import services as rsvp_services

FEED_PAST = feeds.FEED_PAST
FEED_REFRESH = feeds.FEED_REFRESH
TOKEN_LENGTH = 43  # url-safe base64 of 32 bytes, without padding
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


# --- the address -------------------------------------------------------------------------------------


def _token(member_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"calendar-feed:{member_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_nonce() -> str:
    return secrets.token_urlsafe(32)


def is_token_shaped(token) -> bool:
    """Whether `token` could be one of ours (43 url-safe characters); anything else is not looked up."""
    return isinstance(token, str) and len(token) == TOKEN_LENGTH and _TOKEN_SHAPE.fullmatch(token) is not None


def _own(member) -> Member:
    if not getattr(member, "is_authenticated", False) or not getattr(member, "id", None):
        raise PermissionDenied()
    return member


def _feed_row(member: Member) -> CalendarFeed:
    """The member's feed row, created (and committed) the first time; its stored hash follows the
    address derived now (so a changed SECRET_KEY shows, and serves, the new address)."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))
    if feed is None:
        nonce = _new_nonce()
        feed = CalendarFeed(member_id=member.id, nonce=nonce, token_hash=_hash(_token(member.id, nonce)))
        try:
            with db.session.begin_nested():
                db.session.add(feed)
        except IntegrityError:  # created at the same moment by another request: use that one
            feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))
            if feed is None:  # pragma: no cover - the unique row vanished again
                raise
        db.session.commit()
    expected = _hash(_token(member.id, feed.nonce))
    if feed.token_hash != expected:
        feed.token_hash = expected
        db.session.commit()
    return feed


def _urls(member_id: int, nonce: str) -> tuple[str, str]:
    return feeds.subscribe_urls(external_url("calendars.member_feed", token=_token(member_id, nonce)))


def feed_urls(member) -> tuple[str, str]:
    """(webcal://..., https://...) of the member's private feed, creating it on first use."""
    feed = _feed_row(_own(member))
    return _urls(feed.member_id, feed.nonce)


@dataclass(frozen=True)
class FeedSettings:
    webcal_url: str
    https_url: str
    show_declined: bool
    rotated_at: datetime | None


def feed_settings(member) -> FeedSettings:
    """What the profile shows: the two addresses and the settings (creates the feed on first use)."""
    feed = _feed_row(_own(member))
    webcal, https = _urls(feed.member_id, feed.nonce)
    return FeedSettings(webcal, https, feed.show_declined, feed.rotated_at)


def rotate(member) -> None:
    """A new address: the old one answers 404 from now on. Commits."""
    feed = _feed_row(_own(member))
    feed.nonce = _new_nonce()
    feed.token_hash = _hash(_token(feed.member_id, feed.nonce))
    feed.rotated_at = utcnow()
    db.session.commit()


def set_show_declined(member, show: bool) -> None:
    """Whether meetings the member sent afbud to stay in the feed (marked) or are left out. Commits."""
    if not isinstance(show, bool):
        raise TypeError("show must be a bool")
    feed = _feed_row(_own(member))
    if feed.show_declined != show:
        feed.show_declined = show
        db.session.commit()


# --- the feed ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Version:
    feed: CalendarFeed
    member: Member
    network: str  # the network's name
    groups: tuple[tuple, ...]  # (id, name, timezone, rsvp_mode) of the member's groups
    since: datetime
    today: datetime  # the start of today (UTC): meetings that ended before it are past
    positions: tuple[tuple[int, int], ...]  # (meeting id, place on the waitlist)
    newest: datetime  # the newest change the data carries a time for
    key: tuple


def _status_sums():
    """count and sum of meeting ids per status of the member's answers: a change of any answer
    (also a promotion, which touches no time stamp) changes one of them."""
    columns = []
    for status in RsvpStatus:
        hit = Rsvp.status == status.value
        columns.append(func.coalesce(func.sum(case((hit, 1), else_=0)), 0))
        columns.append(func.coalesce(func.sum(case((hit, Rsvp.meeting_id), else_=0)), 0))
    return columns


@cache
def _poll_statements() -> SimpleNamespace:
    """The statements a poll runs, built once per process with bound parameters (token_hash,
    member_id, group_ids, since): building SQLAlchemy statements costs more than running these."""
    member_id = bindparam("member_id")
    window = and_(Meeting.group_id.in_(bindparam("group_ids", expanding=True)),
                  Meeting.starts_at >= bindparam("since"))
    # The network's name (in the calendar's name) comes along with the feed: one query fewer.
    lookup = (select(CalendarFeed, Member, NetworkSettings.name)
              .join(Member, Member.id == CalendarFeed.member_id)
              .outerjoin(NetworkSettings, NetworkSettings.id == 1)
              .where(CalendarFeed.token_hash == bindparam("token_hash")))
    groups = (select(Group.id, Group.name, Group.timezone, Group.rsvp_mode)
              .join(Membership, Membership.group_id == Group.id)
              .where(Membership.member_id == member_id).order_by(Group.id))
    # Both aggregates (one row each) in one statement.
    of_meetings = select(
        func.count(Meeting.id).label("count"), func.max(Meeting.updated_at).label("newest"),
        func.coalesce(func.sum(Meeting.sequence), 0).label("sequences"),
        func.coalesce(func.sum(Meeting.id), 0).label("ids")).where(window).subquery()
    of_answers = (
        select(func.max(Rsvp.answered_at).label("answered"),
               *(column.label(f"s{n}") for n, column in enumerate(_status_sums())))
        .join(Meeting, Meeting.id == Rsvp.meeting_id)
        .where(Rsvp.member_id == member_id, window).subquery())
    aggregates = select(of_meetings, of_answers).select_from(of_meetings.join(of_answers, true()))
    # The member's place on each waitlist they are on: 1 + the members and guests waiting there who
    # asked before them (the line's order is core.Book's: by queue_seq, unique within a line).
    me = aliased(Rsvp)
    ahead_members = (select(func.count(Rsvp.id))
                     .where(Rsvp.meeting_id == me.meeting_id, Rsvp.status == RsvpStatus.WAITLISTED.value,
                            Rsvp.queue_seq < me.queue_seq).scalar_subquery())
    ahead_guests = (select(func.count(MeetingGuest.id))
                    .where(MeetingGuest.meeting_id == me.meeting_id,
                           MeetingGuest.status == GuestStatus.WAITLISTED.value,
                           MeetingGuest.queue_seq < me.queue_seq).scalar_subquery())
    positions = (select(me.meeting_id, 1 + ahead_members + ahead_guests)
                 .join(Meeting, Meeting.id == me.meeting_id)
                 .where(me.member_id == member_id, me.status == RsvpStatus.WAITLISTED.value, window))
    return SimpleNamespace(lookup=lookup, groups=groups, aggregates=aggregates, positions=positions)


def _lookup(token: str) -> tuple[CalendarFeed, Member, str]:
    if not is_token_shaped(token):
        raise NotFound()
    found = db.session.execute(_poll_statements().lookup, {"token_hash": _hash(token)}).first()
    if found is None:
        raise NotFound()
    feed, member, network = found
    if not member.active:
        raise NotFound()  # a deactivated member's feed stops (their address is kept for later)
    return feed, member, network if network is not None else NetworkSettings._unsaved_defaults().name


def _version(token: str, now: datetime) -> _Version:
    """The feed row, the member and a key that changes whenever the file would: three queries (four
    when the member waits somewhere)."""
    statements = _poll_statements()
    feed, member, network = _lookup(token)
    since = feeds.window_start(now)
    today = since + FEED_PAST  # the same day boundary: both move once a day
    groups = tuple(db.session.execute(statements.groups, {"member_id": member.id}).tuples().all())
    params = {"member_id": member.id, "group_ids": [g[0] for g in groups], "since": since}
    meetings = (0, None, 0, 0)
    answers: tuple = ()
    positions: dict[int, int] = {}
    if groups:
        row = tuple(db.session.execute(statements.aggregates, params).one())
        meetings, answers = row[:4], row[4:]
        if answers[3]:  # the member waits somewhere (going: count, sum; then waitlisted: count, ...)
            positions = {meeting_id: int(place) for meeting_id, place
                         in db.session.execute(statements.positions, params).tuples().all()}
    positions_key = tuple(sorted(positions.items()))
    key = ("member", feed.id, member.id, feed.show_declined, network, groups, since, today,
           tuple(_plain(v) for v in meetings), tuple(_plain(v) for v in answers), positions_key,
           feeds._app_key(member.language))
    stamps = [feeds._aware(meetings[1]), feeds._aware(answers[0]) if answers else None,
              feeds._aware(feed.created_at), feeds._aware(feed.rotated_at)]
    newest = max(s for s in stamps if s is not None)
    return _Version(feed, member, network, groups, since, today, positions_key, newest, key)


def _plain(value):
    """Aggregate results as hashable, comparable plain values (Decimal sums, aware times)."""
    if isinstance(value, datetime):
        return feeds._aware(value)
    return int(value) if value is not None and not isinstance(value, str) else value


# Last-Modified per feed: the newest time stamp in the data, but at least the moment this process
# first served the current version (a promotion or a changed setting carries no time stamp), and
# later than the version before, so If-Modified-Since never hides a change made in this process.
_seen: OrderedDict[int, tuple[tuple, datetime]] = OrderedDict()
_seen_lock = threading.Lock()


def _last_modified(feed_id: int, key: tuple, newest: datetime, now: datetime) -> datetime:
    now = now.replace(microsecond=0)
    with _seen_lock:
        previous = _seen.get(feed_id)
        if previous is not None and previous[0] == key:
            first = previous[1]
        else:
            first = now if previous is None else max(now, previous[1] + timedelta(seconds=1))
            _seen[feed_id] = (key, first)
        _seen.move_to_end(feed_id)
        while len(_seen) > 4096:
            _seen.popitem(last=False)
    return max(newest.replace(microsecond=0), first)


def clear_cache() -> None:
    """Forget the built files and the Last-Modified times (tests and the benchmark)."""
    feeds.clear_cache()
    with _seen_lock:
        _seen.clear()


def _event(meeting: Meeting, status: str | None, expected: bool, place: int | None, *, past: bool):
    """The meeting's event as this member's copy: their status in the STATUS, the summary and a
    first line of the description. `past`: the meeting ended before today, so no line asks for an
    answer any more."""
    event = feeds.meeting_event(meeting, fields=frozenset({"online_url"}))
    if meeting.is_cancelled:
        return event  # STATUS:CANCELLED and the reason, from meeting_event
    page = feeds.meeting_page_url(meeting)
    if status == RsvpStatus.GOING.value:
        line, changes = _("You are signed up."), {"status": "CONFIRMED"}
    elif status is None and expected:
        line = "" if past else _("You are expected. If you cannot come, send afbud on the meeting page: "
                                 "%(url)s", url=page)
        changes = {"status": "CONFIRMED"}
    elif status == RsvpStatus.WAITLISTED.value:
        line = (_("You are on the waitlist (no. %(place)s).", place=place) if place
                else _("You are on the waitlist."))
        changes = {"status": "TENTATIVE"}
    elif status == RsvpStatus.DECLINED.value:
        line = _("You have sent afbud.")
        changes = {"status": "CONFIRMED", "transparent": True,
                   "summary": _("Afbud: %(title)s", title=meeting.title)}
    else:
        line = "" if past else _("You have not answered yet. Answer on the meeting page: %(url)s", url=page)
        changes = {"status": "TENTATIVE", "transparent": True}
    if line:
        changes["description"] = f"{line}\n\n{event.description}"
    return replace(event, **changes)


def member_feed(token: str, *, now: datetime | None = None) -> feeds.CalendarFile:
    """The member's feed for a token (NotFound for an unknown, rotated or malformed one, or a
    deactivated member). Built once per version; a poll of an unchanged feed costs a few queries."""
    now = now or datetime.now(UTC)
    version = _version(token, now)
    member, feed = version.member, version.feed
    group_ids = [g[0] for g in version.groups]
    positions = dict(version.positions)

    def build() -> feeds.CalendarFile:
        window = (Meeting.group_id.in_(group_ids), Meeting.starts_at >= version.since)
        meetings = list(db.session.scalars(
            select(Meeting).where(*window).order_by(Meeting.starts_at, Meeting.id))) if group_ids else []
        statuses = dict(db.session.execute(
            select(Rsvp.meeting_id, Rsvp.status).join(Meeting, Meeting.id == Rsvp.meeting_id)
            .where(Rsvp.member_id == member.id, *window)).tuples().all()) if group_ids else {}
        events = []
        with force_locale(member.language):
            for meeting in meetings:
                status = statuses.get(meeting.id)
                if status == RsvpStatus.DECLINED.value and not feed.show_declined:
                    continue
                expected = status is None and rsvp_services.is_expected_mode(meeting)
                past = feeds._aware(meeting.ends_at) < version.today
                events.append(_event(meeting, status, expected, positions.get(meeting.id), past=past))
            name = _("%(network)s – my meetings", network=version.network)
        body = build_calendar(events, method="PUBLISH", name=name, refresh=FEED_REFRESH)
        return feeds._file(body, version.newest, "my-meetings.ics")

    file = feeds._cached(version.key, build)
    return replace(file, last_modified=_last_modified(feed.id, version.key, version.newest, now))


__all__ = [
    "FeedSettings", "clear_cache", "feed_settings", "feed_urls", "is_token_shaped", "member_feed",
    "rotate", "set_show_declined",
]
