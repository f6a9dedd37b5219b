"""`flask digests send`: the daily and weekly digests of new requests that are due, run by cron
(every hour; the digests go at 07:00 network time) or as a loop.

Safe when two runs overlap (each member's digest is claimed once per slot, app.asks.notices), so
cron needs no lock file; a run with nothing due writes nothing. Operator output, in English like
Flask's own commands.
"""

from __future__ import annotations

import threading
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.asks import notices
from app.calendars.cli import _parse_now
from app.cli_loop import run_every
from app.extensions import db


def summary(counts: notices.DigestCounts) -> str:
    return (f"Digests {counts.digests} (requests {counts.requests}), "
            f"nothing new for {counts.nothing_new}.")


def _run_once(now: datetime | None) -> bool:
    """One run, its line printed; False when it failed (the error is logged and printed)."""
    try:
        counts = notices.send_digests(now)
    except Exception as error:  # a loop must survive a database hiccup; the next run tries again
        current_app.logger.exception("digests send failed")
        click.echo(f"Failed: {type(error).__name__}: {error}", err=True)
        return False
    finally:
        db.session.rollback()
    click.echo(summary(counts))
    return True


def init_app(app: Flask) -> None:
    """Register the commands."""

    @app.cli.group("digests")
    def digests_group():
        """Digests of new requests (Ask the network)."""

    @digests_group.command("send")
    @click.option("--loop", is_flag=True, help="Keep running until stopped (SIGINT/SIGTERM).")
    @click.option("--interval", default=900.0, show_default=True, type=click.FloatRange(min=0.1),
                  help="Seconds between runs with --loop.")
    @click.option("--now", "now", callback=_parse_now, metavar="DATETIME",
                  help="Pretend it is this time (ISO 8601; naive = UTC). For testing by hand.")
    @with_appcontext
    def send_command(loop: bool, interval: float, now: datetime | None):
        """Write the daily and weekly digests that are due to the outbox and print the counts.

        Cron every hour is the documented way (0 * * * * flask digests send); --loop is for a
        process supervisor instead. The outbox worker sends the mail."""
        if loop:
            if now is not None:
                raise click.UsageError("--now cannot be combined with --loop.")
            run_every(interval, threading.Event(), lambda: _run_once(None),
                      started=f"Digests every {interval:g} s; Ctrl-C to stop.", stopped="Stopped.")
            return
        if not _run_once(now):
            raise SystemExit(1)
