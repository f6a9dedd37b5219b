"""Ask the network ("Spørg netværket"): requests for help, answers (offers and referrals), solving,
expiry, and how members hear about new requests (a mail each, daily or weekly digests, or not).

- `services`: post, edit, withdraw, answer, solve (sends `events.request_solved`), list; the one
  validation path for the pages and the API; permissions on the object (app.visibility's rule).
- `notices`: instant mails on `events.request_posted`, digests (`flask digests send`), the friendly
  expiry mail; `RequestNotice` makes "nothing twice, nothing missed" hold.
- `routes`: the pages; `cli`: `flask digests send`.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("asks", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint, the receivers and the commands."""
    from app.asks import cli, routes, routes_notices  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
    for module in (routes, routes_notices):
        connect = getattr(module, "connect_receivers", None)
        if connect:
            connect()
    cli.init_app(app)
