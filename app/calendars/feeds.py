"""Read-only calendar files: a `.ics` download per meeting and a public feed per public group.

Services, no HTTP: they load what the viewer may see (the same rules as the meeting page),
turn meetings into `app.calendars.ical.EventData` and build the bytes with the pure
`build_calendar`. Each result carries a cheap version key (computed with one aggregate query,
before anything is built) and the newest change, so the routes can cache the bytes per key and
answer conditional requests without building the file on every poll.

Privacy: a calendar file is shared, forwarded and synced to other services. It never carries
attendees or the organizer's address; the host (a person) is left out altogether; the online link
only goes into a meeting download for a viewer who may see it on the page (`app.visibility`).
The public group feed contains only what an anonymous visitor sees on the group's pages.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth.tokens import external_url
from app.auth.viewers import meeting_fields_for
from app.calendars.ical import EventData, build_calendar
from app.errors import NotFound
from app.extensions import db
from app.i18n import network_default_language
from app.meetings.services import get_meeting
from app.models import Group, Meeting

FEED_PAST = timedelta(days=183)  # a group feed shows meetings from about six months back
FEED_REFRESH = timedelta(hours=1)  # REFRESH-INTERVAL and X-PUBLISHED-TTL
_CACHE_SIZE = 256


@dataclass(frozen=True)
class CalendarFile:
    """A built calendar: its bytes, a strong ETag (hash of the bytes) and the newest change."""

    body: bytes
    etag: str
    last_modified: datetime
    filename: str


# --- mapping ---------------------------------------------------------------------------------------


def uid_domain() -> str:
    """The right-hand side of every meeting UID: MAIL_DOMAIN if set, else BASE_URL's host.
    Invitations must use the same UIDs (`meeting_uid`), or a member gets the meeting twice."""
    domain = (current_app.config.get("MAIL_DOMAIN") or "").strip()
    if domain:
        return domain
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}@{uid_domain()}"


def meeting_page_url(meeting: Meeting) -> str:
    return external_url("meetings.show", meeting_id=meeting.id)


def meeting_location(meeting: Meeting) -> str:
    return ", ".join(part.strip() for part in (meeting.venue_name, meeting.venue_address) if part.strip())


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def meeting_event(meeting: Meeting, *, fields: frozenset[str] = frozenset()) -> EventData:
    """The event of one meeting. `fields` are the members-only fields the viewer may see
    (`app.visibility`); only `online_url` is ever written, and only when in `fields`."""
    url = meeting_page_url(meeting)
    parts = []
    if meeting.is_cancelled:
        parts.append(_("This meeting is cancelled."))
        if meeting.cancel_reason:
            parts.append(meeting.cancel_reason.strip())
    if meeting.agenda and meeting.agenda.strip():
        parts.append(meeting.agenda.strip())
    if meeting.online_url and "online_url" in fields:
        parts.append(_("Online link: %(url)s", url=meeting.online_url))
    parts.append(_("Meeting page: %(url)s", url=url))
    updated = _aware(meeting.updated_at) or _aware(meeting.created_at)
    return EventData(
        uid=meeting_uid(meeting),
        sequence=meeting.sequence or 0,
        summary=meeting.title,
        start=_aware(meeting.starts_at),
        end=_aware(meeting.ends_at),
        timezone=meeting.group.timezone,
        # The row's last change, not "now": the same meetings always give the same bytes (and ETag).
        dtstamp=updated,
        description="\n\n".join(parts),
        location=meeting_location(meeting),
        url=url,
        status="CANCELLED" if meeting.is_cancelled else "CONFIRMED",
        created=_aware(meeting.created_at),
        last_modified=updated,
    )


def google_calendar_url(meeting: Meeting) -> str:
    """Google Calendar's "add event" link (public fields only: it leaves the site in the URL)."""
    fmt = "%Y%m%dT%H%M%SZ"
    start, end = (_aware(value).astimezone(UTC) for value in (meeting.starts_at, meeting.ends_at))
    dates = f"{start:{fmt}}/{end:{fmt}}"
    details = "\n\n".join(p for p in ((meeting.agenda or "").strip(), meeting_page_url(meeting)) if p)
    query = {"action": "TEMPLATE", "text": meeting.title, "dates": dates, "details": details[:1500],
             "location": meeting_location(meeting), "ctz": meeting.group.timezone}
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def subscribe_urls(url: str) -> tuple[str, str]:
    """(webcal://..., https://...) of a feed's address: the first opens the calendar app."""
    return "webcal://" + url.split("://", 1)[1], url


def group_feed_urls(group: Group) -> tuple[str, str]:
    """(webcal://..., https://...) subscribe links of a public group's feed."""
    return subscribe_urls(external_url("calendars.group_feed", slug=group.slug))


# --- building with a per-version cache -----------------------------------------------------------

_cache: OrderedDict[Hashable, CalendarFile] = OrderedDict()
_lock = threading.Lock()
stats = {"built": 0, "cached": 0}  # read by tests and the benchmark


def _cached(key: Hashable, build: Callable[[], CalendarFile]) -> CalendarFile:
    """The file for this version key, built once per process and key (bounded LRU)."""
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            stats["cached"] += 1
            return found
    built = build()
    with _lock:
        _cache[key] = built
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        stats["built"] += 1
    return built


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        stats.update(built=0, cached=0)


def _file(body: bytes, last_modified: datetime, filename: str) -> CalendarFile:
    return CalendarFile(body=body, etag=hashlib.sha256(body).hexdigest()[:32],
                        last_modified=last_modified, filename=filename)


def window_start(now: datetime) -> datetime:
    """The first moment a feed shows (about FEED_PAST back): the start of a day (UTC), so the
    window moves once a day and the key (and the file) stays the same all day."""
    return datetime.combine((now - FEED_PAST).date(), datetime.min.time(), tzinfo=UTC)


def _app_key(language: str | None = None) -> tuple:
    # Files differ per deployment (URLs, UID domain) and per language of the fixed texts.
    from flask_babel import get_locale

    config = current_app.config
    return (config["BASE_URL"], config.get("MAIL_DOMAIN"), language or str(get_locale()))


# --- use cases -------------------------------------------------------------------------------------


def meeting_ics(user, meeting_id: int) -> CalendarFile:
    """One meeting as a `.ics` download, for whoever may see the meeting page (else NotFound)."""
    meeting = get_meeting(user, meeting_id)
    fields = meeting_fields_for(user, meeting) & {"online_url"}
    group = meeting.group
    updated = _aware(meeting.updated_at) or _aware(meeting.created_at)
    key = ("meeting", meeting.id, updated, meeting.sequence, group.timezone, fields, _app_key())

    def build() -> CalendarFile:
        body = build_calendar([meeting_event(meeting, fields=fields)], method="PUBLISH")
        return _file(body, updated, f"kaffeklub-meeting-{meeting.id}.ics")

    return _cached(key, build)


def _public_group(slug: str) -> Group:
    if not isinstance(slug, str) or not slug or len(slug) > 80:
        raise NotFound()
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    if group is None or not group.is_public:
        raise NotFound()  # members-only groups have no public feed, for members neither
    return group


def group_feed(slug: str, *, now: datetime | None = None) -> CalendarFile:
    """A public group's meetings from about six months back and everything ahead (cancelled ones
    kept, marked cancelled), with METHOD:PUBLISH, the group's name and a refresh interval.
    NotFound for an unknown or members-only group."""
    group = _public_group(slug)
    now = now or datetime.now(UTC)
    since = window_start(now)
    window = (Meeting.group_id == group.id, Meeting.starts_at >= since)
    count, newest, sequences = db.session.execute(
        select(func.count(Meeting.id), func.max(Meeting.updated_at), func.sum(Meeting.sequence))
        .where(*window)
    ).one()
    last_modified = _aware(newest) or _aware(group.created_at)
    # One file for everyone (pollers have no session): its fixed texts in the network's language.
    language = network_default_language()
    key = ("group", group.id, group.name, group.timezone, since, count, last_modified, sequences,
           _app_key(language))

    def build() -> CalendarFile:
        meetings = db.session.scalars(select(Meeting).where(*window).order_by(Meeting.starts_at, Meeting.id))
        with force_locale(language):
            events = [meeting_event(m) for m in meetings]
        body = build_calendar(events, method="PUBLISH", name=group.name, refresh=FEED_REFRESH)
        return _file(body, last_modified, f"{group.slug}.ics")

    return _cached(key, build)


__all__ = [
    "CalendarFile", "clear_cache", "google_calendar_url", "group_feed", "group_feed_urls",
    "meeting_event", "meeting_ics", "meeting_uid", "uid_domain",
]
