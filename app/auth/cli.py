"""`flask login-link`: print a fresh login link, for scripts and `make run`."""

from __future__ import annotations

import click
from flask import Flask

from app.errors import NotFound


def register(app: Flask) -> None:
    @app.cli.command("login-link")
    @click.argument("email", required=False)
    @click.option("--demo-admin", is_flag=True, help="A link for the first active admin (by id).")
    def login_link(email: str | None, demo_admin: bool) -> None:
        """Print a single-use login link for the member with EMAIL (or for the first admin)."""
        from app.auth.services import cli_login_link

        if bool(email) == demo_admin:
            raise click.UsageError("Give either an EMAIL or --demo-admin.")
        try:
            link = cli_login_link(email, demo_admin=demo_admin)
        except NotFound as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(link)
