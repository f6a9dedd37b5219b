"""`flask privacy purge`: retention, run by cron (README, "Running in production")."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.privacy.purge import purge

privacy_cli = AppGroup("privacy", help="Privacy: delete data past its retention period.")

LABELS = {
    "outbox_bodies": "mail bodies (sent or failed)",
    "login_links": "login links (used, revoked or expired)",
    "login_attempts": "login attempts",
    "login_sessions": "ended logins",
    "inbound_mails": "inbound mails",
    "visitor_requests": "visitor requests",
}


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def purge_command(dry_run: bool) -> None:
    """Delete mail bodies, login records, inbound mails and visitor requests past their retention."""
    result = purge(dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    for name, count in result.as_dict().items():
        click.echo(f"{verb} {count} {LABELS[name]}")
