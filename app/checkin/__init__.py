"""Check-in: who came to a meeting.

- `attendees`: everyone going or checked in, with stable keys (shared with seating).
- `services`: check in and undo, walk-ins, self check-in by QR code, closing a meeting (no-shows,
  then `events.meeting_closed`), attendance rates; the automatic close on `events.periodic_work`.
- `routes`: the door page, the self check-in page, the QR code, attendance corrections.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("checkin", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint and the receivers."""
    from app.checkin import routes  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
    connect = getattr(routes, "connect_receivers", None)
    if connect:
        connect()
