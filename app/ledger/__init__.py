"""Give and take: referrals, help given and received, thanks ("Tak for forretningen"), each member's
ledger, the organizers' reports and the group's thank-you wall.

- `services`: record, correct, withdraw and hide referrals, help and thanks (every change kept in
  `SocialChange`); referral status; the receiver of `events.request_solved`.
- `ledger`: a member's give-and-take for a period; `reports`: the group's totals, CSV.
- `ties`: referrals, help and business as ties for `app.connections.history` (strength).
- `routes`: the pages.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("ledger", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint and the receivers."""
    from app.ledger import routes, routes_ledger  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
    for module in (routes, routes_ledger):
        connect = getattr(module, "connect_receivers", None)
        if connect:
            connect()
