"""The network's face to the world: public pages of the network and its public groups, their
embeddable versions for the network's own website, and "kom som gæst / bliv medlem".

- `services`: what the public may see (public groups, their upcoming meetings, the members who
  chose a public profile), shared with the public JSON API (app/api/public.py).
- `visitors`: the visitor's form (time token, honeypot) and the mail to the organizers.
- `routes`: the public pages; `embed`: the iframe versions (the only pages that may be framed).
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("public", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    from app.public import routes  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
