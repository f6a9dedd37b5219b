"""Who met whom: encounters, 1-to-1 meetings, relationship strength and the network pictures.

- `strength`: pure: the one documented function of two members' ties.
- `history`: the ties between members, read from encounters, 1-to-1s and check-ins.
- `encounters`: records who sat with whom when a meeting is closed (`events.meeting_closed`).
- `services`, `routes`: "Mit netværk", suggestions, 1-to-1s.
- `graph`, `stats`, `routes_graph`: the organizers' network picture (SVG drawn on the server) and
  numbers over time.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("connections", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint and the receivers."""
    from app.connections import routes, routes_graph  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
    connect = getattr(routes, "connect_receivers", None)
    if connect:
        connect()
