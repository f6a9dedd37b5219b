"""Privacy that members control (GDPR): the export of everything about a member, deletion with
anonymisation, retention (`flask privacy purge`), the admins' audit log and the privacy page.

- `export`: the ZIP (JSON files and the member's meetings as .ics).
- `deletion`: delete an account (by the member, or an admin on request), keeping others' history.
- `purge`: delete mail bodies, login records and inbound mails past their retention.
- `audit`: what admins and organizers did to members, for admins, as a page and a CSV.
- `routes`, `cli`: the pages and `flask privacy ...`.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("privacy", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint and the commands."""
    from app.privacy import routes  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
    try:
        from app.privacy.cli import privacy_cli
    except ImportError:  # pragma: no cover  (the commands are added with the package)
        return
    app.cli.add_command(privacy_cli)
