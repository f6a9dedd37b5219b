"""Flask commands. Each feature contributes its own group; this module gathers them."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from app import seed
    from app.api import cli as api_cli
    from app.auth import cli as auth_cli
    from app.mail import cli as mail_cli

    for module in (mail_cli, api_cli, seed, auth_cli):
        module.register(app)
