"""`flask outbox ...`: run the mail worker once or as a loop, show the queue, retry failures.

Operator output, in English like Flask's own commands.
"""

from __future__ import annotations

import threading

import click
from flask import Flask
from flask.cli import with_appcontext

from app.cli_loop import run_every
from app.errors import DomainError
from app.extensions import db
from app.mail import outbox


def _summary(result: outbox.SendResult) -> str:
    return f"Sent {result.sent}, will retry {result.retried}, failed {result.failed}."


def _send_once(batch_size: int, stop: threading.Event | None = None, *, quiet: bool = False) -> None:
    due = outbox.due_count()
    db.session.rollback()  # do not hold the counting transaction open while sending
    if not due:
        if not quiet:
            click.echo("No messages due.")
        return
    should_stop = stop.is_set if stop is not None else None
    with click.progressbar(length=due, label="Sending mail") as bar:
        result = outbox.send_all_due(batch_size, progress=bar.update, stop=should_stop)
    click.echo(_summary(result))


def run_loop(interval: float, batch_size: int, stop: threading.Event) -> None:
    """Send what is due, wait `interval` seconds, again -- until `stop` is set."""
    run_every(interval, stop, lambda: _send_once(batch_size, stop, quiet=True),
              started=f"Outbox worker polling every {interval:g} s; Ctrl-C to stop.",
              stopped="Outbox worker stopped.", what="the current message")


def register(app: Flask) -> None:
    @app.cli.group("outbox")
    def outbox_group():
        """The mail outbox: send, inspect and retry."""

    @outbox_group.command("send")
    @click.option("--loop", is_flag=True, help="Keep polling for due messages until stopped.")
    @click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(min=0.1),
                  help="Seconds between polls with --loop.")
    @click.option("--batch-size", default=50, show_default=True, type=click.IntRange(min=1),
                  help="Messages per batch (one SMTP connection each).")
    @with_appcontext
    def send_command(loop: bool, interval: float, batch_size: int):
        """Send every due message once (or keep doing so with --loop)."""
        try:
            outbox.transport_name()
        except outbox.OutboxNotConfigured as exc:
            raise click.ClickException(str(exc)) from exc
        if loop:
            run_loop(interval, batch_size, threading.Event())
        else:
            _send_once(batch_size)

    @outbox_group.command("status")
    @with_appcontext
    def status_command():
        """Count messages by status."""
        counts = outbox.status_counts()
        due = outbox.due_count()
        for status, count in counts.items():
            extra = f" ({due} due now)" if status == "pending" else ""
            click.echo(f"{status:<8} {count}{extra}")

    @outbox_group.command("retry")
    @click.argument("message_id", type=int, required=False)
    @click.option("--failed", "all_failed", is_flag=True, help="Retry every failed message.")
    @with_appcontext
    def retry_command(message_id: int | None, all_failed: bool):
        """Put a failed message (by ID) or all failed messages (--failed) back in the queue."""
        if (message_id is None) == (not all_failed):
            raise click.UsageError("Give a message ID or --failed (not both).")
        if all_failed:
            click.echo(f"{outbox.retry_all_failed()} failed message(s) queued again.")
            return
        try:
            message = outbox.retry_message(message_id)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Message {message.id} queued again.")
