"""Mail coming in to the reply address: iMIP REPLYs from calendar clients, and anything else.

Three ways in (`flask mail ingest`, `flask mail receive`, `flask mail fetch`), one service.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the commands and the admin pages."""
    from app.inbound import cli
    from app.inbound.routes import bp

    cli.init_app(app)
    app.register_blueprint(bp)
