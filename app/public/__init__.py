"""The network's face to the world: public pages of the network and its public groups, their
embeddable versions for the network's own website, and "kom som gæst / bliv medlem".

- `services`: what the public may see (public groups, their upcoming meetings, the members who
  chose a public profile), shared with the public JSON API (app/api/public.py).
- `visitors`: the visitor's form (time token, honeypot) and the mail to the organizers.
- `routes`: the public pages, the iframe versions (the only pages that may be framed) and the
  organizers' list of visitor requests.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("public", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    from app.public import routes

    app.register_blueprint(bp)
    # The group page (templates/groups/show.html) shows its public part through this.
    app.jinja_env.globals["public_group_page"] = routes.public_group_page
    app.jinja_env.globals["public_photo_url"] = routes.public_photo_url
