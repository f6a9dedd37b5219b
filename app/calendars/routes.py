"""Calendar downloads and public group feeds (read-only): thin routes over app.calendars.feeds.

Both answer `text/calendar; charset=utf-8` with a strong ETag (hash of the bytes) and
Last-Modified (the newest change of the meetings in the file), and 304 to If-None-Match /
If-Modified-Since. The bytes are built once per version of the data (see feeds._cached), so a
calendar client polling every 20 minutes costs one aggregate query, not a rebuild.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import current_user

from app.calendars import feeds
from app.errors import NotFound

bp = Blueprint("calendars", __name__)

_MAX_ID = 2**31 - 1  # larger ids cannot exist (and PostgreSQL would refuse to compare them)


def calendar_response(file: feeds.CalendarFile, *, cache_control: str, attachment: bool) -> Response:
    """A calendar file as a response: its ETag, Last-Modified and headers, 304 to conditional requests."""
    response = Response(file.body, content_type="text/calendar; charset=utf-8")
    response.set_etag(file.etag)
    response.last_modified = file.last_modified
    response.headers["Cache-Control"] = cache_control
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{file.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.get("/meetings/<int:meeting_id>/calendar.ics")
def meeting_ics(meeting_id: int):
    if meeting_id > _MAX_ID:
        raise NotFound()
    file = feeds.meeting_ics(current_user, meeting_id)
    # What is in the file depends on who asks (the online link is for members): never shared caches.
    return calendar_response(file, cache_control="private, no-cache", attachment=True)


@bp.get("/groups/<slug>/calendar.ics")
def group_feed(slug: str):
    file = feeds.group_feed(slug)
    # Public data; clients and proxies may keep it 15 minutes, then revalidate (304 by ETag).
    return calendar_response(file, cache_control="public, max-age=900", attachment=False)


@bp.app_context_processor
def calendar_links() -> dict:
    """Templates: `google_calendar_url(meeting)` and `group_feed_urls(group)` -> (webcal, https)."""
    return {"google_calendar_url": feeds.google_calendar_url, "group_feed_urls": feeds.group_feed_urls}
