"""Calendar files (RFC 5545 iCalendar) and calendar mail (iMIP, RFC 6047).

- `ical`: pure: builds calendars from plain data (no Flask, no database), so mail, feeds and
  downloads share one writer, and the tests read every file back with independent parsers.
- `feeds` + `routes`: the `.ics` download per meeting and the public group feeds.
- `member_feed` + `routes_feed`: each member's private feed (`/calendar/<token>.ics`).
- `imip` + `invites` + `routes_invites`: invitations, updates and cancellations by mail.
- `reminders`: the reminder the day before; `reply_address`: signed per-invitation reply addresses.
- `cli`: `flask meetings send-due` (automatic invitations, coalesced updates, reminders).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the routes (one blueprint), the receivers of the meeting and sign-up signals and
    the commands."""
    from app.calendars import cli, invites, routes, routes_feed, routes_invites  # noqa: F401

    app.register_blueprint(routes.bp)
    invites.connect_receivers()
    cli.init_app(app)
