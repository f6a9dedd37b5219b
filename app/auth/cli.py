"""`flask login-link`: print a fresh login link, for scripts and `make run`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from app.errors import NotFound


def register(app: Flask) -> None:
    @app.cli.command("login-link")
    @click.argument("email", required=False)
    @click.option("--demo-admin", is_flag=True, help="A link for the first active admin (by id).")
    @click.option("--base-url", envvar="BASE_URL", metavar="URL",
                  help="The address of the server the link is for, e.g. http://127.0.0.1:8000 "
                       "(default: the BASE_URL environment variable, else the configured BASE_URL).")
    def login_link(email: str | None, demo_admin: bool, base_url: str | None) -> None:
        """Print a single-use login link for the member with EMAIL (or for the first admin).

        The link points at BASE_URL: run the app on another port (`make run PORT=8000`) and the
        link must say so (`make run` sets BASE_URL itself; by hand: `BASE_URL=http://127.0.0.1:8000
        flask login-link --demo-admin`)."""
        from app.auth.services import cli_login_link

        if bool(email) == demo_admin:
            raise click.UsageError("Give either an EMAIL or --demo-admin.")
        if base_url:
            if not base_url.startswith(("http://", "https://")):
                raise click.BadParameter("must start with http:// or https://", param_hint="BASE_URL")
            current_app.config["BASE_URL"] = base_url
        try:
            link = cli_login_link(email, demo_admin=demo_admin)
        except NotFound as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(link)
