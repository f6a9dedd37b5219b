"""A member's private calendar feed and its settings (routes on the calendars blueprint).

- `GET|HEAD /calendar/<token>.ics`: the feed (app.calendars.member_feed), `text/calendar`, a strong
  ETag and Last-Modified, 304 to conditional requests, `Cache-Control: private, no-cache` and
  `Referrer-Policy: no-referrer`. An unknown, rotated or malformed token is a plain 404 (never a
  500). Failed lookups are counted per client address with Flask-Limiter's storage (shared between
  workers when RATELIMIT_STORAGE_URI points at a shared store); once CALENDAR_FEED_FAILURE_LIMIT
  (default "30 per 10 minutes") is used up, that address gets 429 for every feed request until the
  window moves on, so tokens cannot be guessed at speed. The token in the path is redacted in
  request logs (app.auth.log_redaction).
- `POST /profile/calendar`: show or hide the meetings the member sent afbud to.
- `POST /profile/calendar/new-address`: a new address (the old one stops working).
"""

from __future__ import annotations

import time

from flask import Response, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from limits import parse

from app.calendars import member_feed
from app.calendars.routes import bp, calendar_response
from app.errors import NotFound
from app.extensions import limiter, talisman
from app.members.forms import CalendarFeedForm, EmptyForm

DEFAULT_FAILURE_LIMIT = "30 per 10 minutes"
_FAILURE_NAMESPACE = "calendar-feed-failures"


def _failure_limit():
    return parse(current_app.config.get("CALENDAR_FEED_FAILURE_LIMIT") or DEFAULT_FAILURE_LIMIT)


def _retry_after() -> int | None:
    """Seconds until this address may look up feeds again, or None when it may now."""
    if not limiter.enabled:
        return None
    item, key = _failure_limit(), get_remote_address()
    if limiter.limiter.test(item, _FAILURE_NAMESPACE, key):
        return None
    reset_at, _remaining = limiter.limiter.get_window_stats(item, _FAILURE_NAMESPACE, key)
    return max(1, int(reset_at - time.time()) + 1)


def _count_failure() -> None:
    if limiter.enabled:
        limiter.limiter.hit(_failure_limit(), _FAILURE_NAMESPACE, get_remote_address())


def _plain(status: int, text: str) -> Response:
    response = Response(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/calendar/<token>.ics", endpoint="member_feed")
@talisman(referrer_policy="no-referrer")  # the token is in the URL: never in a Referer
def member_feed_ics(token: str):
    retry = _retry_after()
    if retry is not None:
        response = _plain(429, _("Too many requests for unknown calendar addresses. Try again later."))
        response.headers["Retry-After"] = str(retry)
        return response
    try:
        file = member_feed.member_feed(token)
    except NotFound:
        _count_failure()
        return _plain(404, _("There is no calendar at this address. If you made a new address on "
                             "your profile, subscribe to that one."))
    # Personal: never in a shared cache; clients keep it and ask again with If-None-Match.
    return calendar_response(file, cache_control="private, no-cache", attachment=False)


def _back() -> Response:
    return redirect(url_for("members.profile") + "#calendar")


@bp.post("/profile/calendar")
@login_required
def feed_settings():
    form = CalendarFeedForm()
    if form.validate_on_submit():
        member_feed.set_show_declined(current_user, bool(form.show_declined.data))
        flash(_("Your calendar settings were saved."), "success")
    else:
        flash(_("The form had expired. Please try again."), "warning")
    return _back()


@bp.post("/profile/calendar/new-address")
@login_required
def new_feed_address():
    if EmptyForm().validate_on_submit():
        member_feed.rotate(current_user)
        flash(_("Your calendar has a new address. The old one no longer works: subscribe to the new "
                "one in your calendar."), "success")
    else:
        flash(_("The form had expired. Please try again."), "warning")
    return _back()
