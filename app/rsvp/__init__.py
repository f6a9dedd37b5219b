"""Sign-ups: answers (RSVP and afbud), guests and substitutes, the waitlist, and the organizers' view.

- `core`: the seat rules as plain data (no Flask, no database).
- `services`: the use cases every channel calls (pages, one-click links, API), under the meeting's
  row lock; `notify`: the mails they write to the outbox; `links`: signed one-click links.
- Routes, all on the `rsvp` blueprint: `routes_member` (answering on the meeting page, Mine møder),
  `routes_links` (one-click pages for members and guests), `routes_organizer` (the attendee page,
  print, CSV, writing to people, the organizers' moves, the guest list).
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("rsvp", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint and connect the receivers of the meeting signals."""
    from app.rsvp import routes_links, routes_member, routes_organizer  # noqa: F401  (routes on bp)
    from app.rsvp.panel import rsvp_panel
    from app.rsvp.services import connect_receivers

    app.register_blueprint(bp)
    connect_receivers()
    # The meeting page's sign-up panel (templates/rsvp/_panel.html) asks for its data by this.
    app.jinja_env.globals["rsvp_panel"] = rsvp_panel
