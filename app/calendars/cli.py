"""`flask meetings send-due`: calendar mail that is due, run by cron (every 5 minutes) or as a loop.

One run writes to the outbox (the outbox worker sends it):
- the automatic invitations (each group's `invite_days_before`) and the coalesced updates whose
  time has come (`app.calendars.invites.send_due`);
- the reminders the day before (each group's `reminder_time`; `app.calendars.reminders`).

Both are safe when two runs overlap (a cron run that takes longer than its interval), so cron
needs no lock file. Operator output, in English like Flask's own commands.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app import events
from app.calendars import invites, reminders
from app.cli_loop import run_every
from app.extensions import db
from app.models import utcnow


def send_due(now: datetime | None = None) -> dict[str, int]:
    """Invitations, updates and reminders that are due at `now` (default: the current time), written
    to the outbox and committed; the counts by kind."""
    now = now or utcnow()
    counts = dict(invites.send_due(now))
    counts["reminders"] = reminders.send_due_reminders(now)
    # Other packages' due work (closing meetings that took place, ...): app.events.periodic_work.
    for _receiver, result in events.periodic_work.send(None, now=now):
        for kind, count in (result or {}).items():
            counts[kind] = counts.get(kind, 0) + count
    return counts


CALENDAR_KINDS = ("invitations", "updates", "reminders")


def summary(counts: dict[str, int]) -> str:
    line = (f"Invitations {counts.get('invitations', 0)}, updates {counts.get('updates', 0)}, "
            f"reminders {counts.get('reminders', 0)}")
    others = "".join(f", {kind.replace('_', ' ')} {count}" for kind, count in counts.items()
                     if kind not in CALENDAR_KINDS)
    return line + others + "."


def _run_once(now: datetime | None) -> bool:
    """One run, its line printed; False when it failed (the error is logged and printed)."""
    try:
        counts = send_due(now)
    except Exception as error:  # a loop must survive a database hiccup; the next run tries again
        current_app.logger.exception("meetings send-due failed")
        click.echo(f"Failed: {type(error).__name__}: {error}", err=True)
        return False
    finally:
        db.session.rollback()  # no transaction held open between runs (the services committed)
    click.echo(summary(counts))
    return True


def run_loop(interval: float, stop: threading.Event) -> None:
    """Run, wait `interval` seconds, again -- until `stop` is set (SIGINT/SIGTERM set it)."""
    run_every(interval, stop, lambda: _run_once(None),
              started=f"Calendar mail every {interval:g} s; Ctrl-C to stop.", stopped="Stopped.")


def _parse_now(ctx, param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use an ISO 8601 date and time, e.g. 2027-03-01T08:00+01:00") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def init_app(app: Flask) -> None:
    """Register the commands."""

    @app.cli.group("meetings")
    def meetings_group():
        """Meetings: calendar mail that is due."""

    @meetings_group.command("send-due")
    @click.option("--loop", is_flag=True, help="Keep running until stopped (SIGINT/SIGTERM).")
    @click.option("--interval", default=300.0, show_default=True, type=click.FloatRange(min=0.1),
                  help="Seconds between runs with --loop.")
    @click.option("--now", "now", callback=_parse_now, metavar="DATETIME",
                  help="Pretend it is this time (ISO 8601; naive = UTC). For testing by hand.")
    @with_appcontext
    def send_due_command(loop: bool, interval: float, now: datetime | None):
        """Write the due invitations, updates and reminders to the outbox and print the counts.

        Cron every 5 minutes is the documented way (*/5 * * * * flask meetings send-due);
        --loop is for a process supervisor instead of cron. The outbox worker sends the mail."""
        if loop:
            if now is not None:
                raise click.UsageError("--now cannot be combined with --loop.")
            run_loop(interval, threading.Event())
            return
        if not _run_once(now):
            raise SystemExit(1)
