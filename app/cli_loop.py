"""Long-running commands (`flask outbox send --loop`, `flask meetings send-due --loop`,
`flask mail fetch --loop`, `flask mail receive`): stop cleanly on SIGINT/SIGTERM.

Operator output, in English like Flask's own commands.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click


@contextmanager
def stop_on_signals(stop: threading.Event, what: str = "the current run") -> Iterator[None]:
    """The first SIGINT/SIGTERM sets `stop` (the loop ends after `what`); a second SIGINT
    interrupts at once (KeyboardInterrupt). Outside the main thread (tests) nothing is installed
    and the caller sets `stop` itself."""

    def ask_to_stop(signum, frame):
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        click.echo(f"\nStopping after {what} ({signal.Signals(signum).name}).", err=True)

    previous = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, ask_to_stop)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_every(interval: float, stop: threading.Event, step: Callable[[], object], *, started: str,
              stopped: str, what: str = "the current run") -> None:
    """Call `step`, wait `interval` seconds, again -- until `stop` is set (by SIGINT/SIGTERM)."""
    with stop_on_signals(stop, what):
        click.echo(started)
        try:
            while not stop.is_set():
                step()
                stop.wait(interval)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
    click.echo(stopped)
