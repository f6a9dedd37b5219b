"""`flask api-token create EMAIL [--name NAME]` and `flask api-token revoke ID`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.errors import DomainError
from app.tokens import services


class _Operator:
    """Whoever runs the command line: may revoke any token, like an admin."""

    is_authenticated = True
    is_admin = True
    id = None


api_token_cli = AppGroup("api-token", help="Personal access tokens for the JSON API.")


@api_token_cli.command("create")
@click.argument("email")
@click.option("--name", default="Command line", show_default=True, help="What the token is for.")
def create_command(email: str, name: str) -> None:
    """Create a token for the member with EMAIL and print it (only the token, for scripts)."""
    try:
        token, plaintext = services.create_token_for_email(email, name)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created token {token.id} ({token.prefix}...) for {email}", err=True)
    click.echo(plaintext)


@api_token_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Revoke the token with this ID."""
    try:
        token = services.revoke_token(_Operator(), token_id)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Revoked token {token.id} ({token.prefix}...) \"{token.name}\"")


def register(app: Flask) -> None:
    app.cli.add_command(api_token_cli)
