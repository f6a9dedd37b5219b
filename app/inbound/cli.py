"""`flask mail ...`: take in mail sent to the reply address (operator output, in English).

- `flask mail ingest [FILE|-]`: one message from a file or standard input (an MTA's pipe, or by
  hand). Exit 0 whatever the message was (a rejected reply must not bounce back through the MTA);
  1 for a file that cannot be read; 75 (EX_TEMPFAIL: the MTA tries again later) when the message
  could not be stored at all (the database is down).
- `flask mail receive [--host --port --lmtp]`: an SMTP (or LMTP) server on aiosmtpd; each message
  is ingested with its RCPT TO addresses and answered 250 once stored (552 when over
  INBOUND_MAX_BYTES, 451 when it could not be stored). Runs until SIGTERM/SIGINT.
- `flask mail fetch [--loop --interval N]`: the UNSEEN messages of the IMAP mailbox (IMAP_*), each
  ingested and then flagged \\Seen (kept in the mailbox: the admin page has them, the mailbox is
  the archive). A message that fails is left unseen for the next run; the others go on.
"""

from __future__ import annotations

import asyncio
import imaplib
import ipaddress
import logging
import os
import re
import ssl
import sys
import threading
from collections.abc import Sequence

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.cli_loop import run_every, stop_on_signals
from app.extensions import db

log = logging.getLogger("app.inbound")

EX_TEMPFAIL = 75


def _describe(mail) -> str:
    number = f"#{mail.id}" if mail.id else "(not stored again)"
    return f"{number} {mail.outcome}: {mail.detail}"


def _ingest(raw: bytes, **kwargs):
    from app.inbound.services import ingest

    return ingest(raw, **kwargs)


# --- receive: SMTP / LMTP ------------------------------------------------------------------------------


class Handler:
    """aiosmtpd handler: every message goes to `ingest` (in a worker thread with its own app
    context and database session) and is answered once it is stored."""

    def __init__(self, app: Flask, *, lmtp: bool = False):
        self.app = app
        self.lmtp = lmtp

    def _store(self, raw: bytes, recipients: Sequence[str]) -> str:
        with self.app.app_context():
            try:
                mail = _ingest(raw, source="receive", envelope_recipients=list(recipients))
            except Exception:  # noqa: BLE001 -- the sender keeps the message and tries again
                log.exception("mail receive: could not store a message")
                db.session.rollback()
                return "451 4.3.0 Could not store the message; try again later"
            finally:
                db.session.remove()
        return f"250 2.0.0 Stored as {mail.id or 'a duplicate'}"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        status = await asyncio.get_running_loop().run_in_executor(
            None, self._store, raw, list(envelope.rcpt_tos))
        if self.lmtp:  # LMTP answers once per recipient
            return "\r\n".join([status] * max(1, len(envelope.rcpt_tos)))
        return status


def make_controller(app: Flask, host: str, port: int, *, lmtp: bool = False):
    """An aiosmtpd controller (not started) that ingests what it receives."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.lmtp import LMTP
        from aiosmtpd.smtp import SMTP
    except ImportError as exc:  # pragma: no cover -- a dependency of the deployment
        raise click.ClickException("flask mail receive needs the aiosmtpd package (pip install aiosmtpd)") \
            from exc

    limit = int(app.config.get("INBOUND_MAX_BYTES") or 0) or None
    name = app.config.get("MAIL_DOMAIN") or "localhost"  # the greeting's name (no slow getfqdn())

    class _Controller(Controller):
        def factory(self):
            server = LMTP if lmtp else SMTP
            return server(self.handler, data_size_limit=limit, decode_data=False, enable_SMTPUTF8=True,
                          hostname=name, ident="Kaffeklub inbound")

    return _Controller(Handler(app, lmtp=lmtp), hostname=host, port=port)


def run_receiver(app: Flask, host: str, port: int, *, lmtp: bool, stop: threading.Event) -> None:
    controller = make_controller(app, host, port, lmtp=lmtp)
    controller.start()
    click.echo(f"Receiving mail by {'LMTP' if lmtp else 'SMTP'} on {host}:{port}; Ctrl-C to stop.")
    try:
        stop.wait()
    finally:
        controller.stop()
    click.echo("Mail receiver stopped.")


# --- fetch: IMAP ------------------------------------------------------------------------------------------


class FetchError(Exception):
    pass


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _connect(config) -> imaplib.IMAP4:
    host, port = config.get("IMAP_HOST") or "", int(config.get("IMAP_PORT") or 0)
    if not host:
        raise FetchError("IMAP_HOST is not set")
    username, password = config.get("IMAP_USERNAME"), config.get("IMAP_PASSWORD")
    if not username or password is None:
        raise FetchError("IMAP_USERNAME and IMAP_PASSWORD must be set")
    try:
        if config.get("IMAP_SSL", True):
            connection = imaplib.IMAP4_SSL(host, port or 993, ssl_context=ssl.create_default_context(),
                                           timeout=60)
        else:
            connection = imaplib.IMAP4(host, port or 143, timeout=60)
            if "STARTTLS" in connection.capabilities:
                connection.starttls(ssl_context=ssl.create_default_context())
            elif not _is_loopback(host):
                connection.logout()
                raise FetchError(f"{host} offers no STARTTLS; refusing to send the password unencrypted "
                                 "(set IMAP_SSL, or use a local server)")
        connection.login(username, password)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        raise FetchError(f"cannot log in to {host}:{port}: {exc}") from exc
    return connection


def fetch_once(config=None) -> dict[str, int]:
    """Ingest the UNSEEN messages of the mailbox; returns counts by outcome (and "failed")."""
    config = config or current_app.config
    max_bytes = int(config.get("INBOUND_MAX_BYTES") or 0)
    keep = int(config.get("INBOUND_KEEP_BYTES") or 0)
    counts: dict[str, int] = {}
    connection = _connect(config)
    try:
        mailbox = config.get("IMAP_MAILBOX") or "INBOX"
        status, data = connection.select(_quote(mailbox))
        if status != "OK":
            raise FetchError(f"cannot open the mailbox {mailbox!r}: {data!r}")
        status, data = connection.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            raise FetchError(f"SEARCH failed: {data!r}")
        uids = (data[0] or b"").split() if data else []
        for uid in uids:
            try:
                mail = _fetch_one(connection, uid, max_bytes, keep)
            except (imaplib.IMAP4.abort, OSError):
                raise
            except Exception as exc:  # noqa: BLE001 -- one message's failure does not stop the rest
                log.exception("mail fetch: message UID %s failed", uid.decode(errors="replace"))
                click.echo(f"UID {uid.decode(errors='replace')}: failed ({exc})", err=True)
                counts["failed"] = counts.get("failed", 0) + 1
                db.session.rollback()
                continue
            connection.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            counts[mail.outcome] = counts.get(mail.outcome, 0) + 1
            click.echo(f"UID {uid.decode(errors='replace')}: {_describe(mail)}")
    finally:
        try:
            connection.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    return counts


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetch_one(connection: imaplib.IMAP4, uid: bytes, max_bytes: int, keep: int):
    size = 0
    if max_bytes:
        status, data = connection.uid("FETCH", uid, "(RFC822.SIZE)")
        if status == "OK" and data and isinstance(data[0], bytes):
            found = re.search(rb"RFC822\.SIZE (\d+)", data[0])
            size = int(found.group(1)) if found else 0
    part = "BODY.PEEK[]"
    if max_bytes and size > max_bytes:
        part = f"BODY.PEEK[]<0.{max(keep, 1)}>"  # only what is kept; the rest is refused unread
    status, data = connection.uid("FETCH", uid, f"({part})")
    if status != "OK":
        raise FetchError(f"FETCH failed: {data!r}")
    raw = b"".join(item[1] for item in data if isinstance(item, tuple) and len(item) > 1)
    return _ingest(raw, source="fetch", total_size=size or None)


def _fetch_command(loop: bool, interval: float) -> None:
    if not loop:
        try:
            counts = fetch_once()
        except FetchError as exc:
            raise click.ClickException(str(exc)) from exc
        except (imaplib.IMAP4.error, OSError) as exc:
            raise click.ClickException(f"IMAP failed: {exc}") from exc
        click.echo(_count_line(counts))
        return
    run_every(interval, threading.Event(), _fetch_step,
              started=f"Fetching mail every {interval:g} s; Ctrl-C to stop.", stopped="Mail fetcher stopped.")


def _fetch_step() -> None:
    """One run of `flask mail fetch --loop`: a failure is reported and the next run tries again."""
    try:
        counts = fetch_once()
        if counts:
            click.echo(_count_line(counts))
    except (FetchError, imaplib.IMAP4.error, OSError) as exc:
        click.echo(f"IMAP failed: {exc}", err=True)
    db.session.remove()


def _count_line(counts: dict[str, int]) -> str:
    if not counts:
        return "No new messages."
    return "Fetched " + ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())) + "."


# --- registration -------------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Register the commands."""

    @app.cli.group("mail")
    def mail_group():
        """Mail coming in to the calendar reply address."""

    @mail_group.command("ingest")
    @click.argument("source", default="-", metavar="[FILE|-]")
    @click.option("--recipient", "recipients", multiple=True,
                  help="An envelope recipient (repeatable). Default: $ORIGINAL_RECIPIENT/$RECIPIENT "
                       "as Postfix's local delivery sets them.")
    @with_appcontext
    def ingest_command(source: str, recipients: tuple[str, ...]):
        """Take in one message from FILE or standard input (-)."""
        try:
            if source == "-":
                raw = sys.stdin.buffer.read()
            else:
                with open(source, "rb") as handle:
                    raw = handle.read()
        except OSError as exc:
            raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from exc
        if not recipients:
            recipients = tuple(v for v in (os.environ.get("ORIGINAL_RECIPIENT"), os.environ.get("RECIPIENT"))
                               if v)
        try:
            mail = _ingest(raw, source="ingest", envelope_recipients=recipients)
        except Exception as exc:  # noqa: BLE001 -- not stored: let the MTA try again later
            log.exception("mail ingest: could not store the message")
            click.echo(f"Could not store the message: {exc}", err=True)
            sys.exit(EX_TEMPFAIL)
        click.echo(_describe(mail))

    @mail_group.command("receive")
    @click.option("--host", default=None, help="Address to listen on (INBOUND_LISTEN_HOST).")
    @click.option("--port", default=None, type=click.IntRange(0, 65535),
                  help="Port to listen on (INBOUND_LISTEN_PORT).")
    @click.option("--lmtp", is_flag=True, help="Speak LMTP (for a local MTA) instead of SMTP.")
    @with_appcontext
    def receive_command(host: str | None, port: int | None, lmtp: bool):
        """Receive mail by SMTP or LMTP until stopped (SIGTERM/SIGINT)."""
        app = current_app._get_current_object()
        host = host or app.config.get("INBOUND_LISTEN_HOST") or "127.0.0.1"
        port = port if port is not None else int(app.config.get("INBOUND_LISTEN_PORT") or 2525)
        stop = threading.Event()
        with stop_on_signals(stop):
            try:
                run_receiver(app, host, port, lmtp=lmtp, stop=stop)
            except OSError as exc:
                raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc

    @mail_group.command("fetch")
    @click.option("--loop", is_flag=True, help="Keep fetching until stopped.")
    @click.option("--interval", default=60.0, show_default=True, type=click.FloatRange(min=1),
                  help="Seconds between fetches with --loop.")
    @with_appcontext
    def fetch_command(loop: bool, interval: float):
        """Fetch the unseen messages of the IMAP mailbox (IMAP_* settings) and take them in."""
        _fetch_command(loop, interval)
