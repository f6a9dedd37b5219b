"""Invitations to 500 members, from "send" until a local SMTP server accepted them all, as a ratio to
sending the same 500 prebuilt messages with plain smtplib over one connection, in the same run.

    python -m bench.invitations [--members 500] [--rounds 3] [--profile] [--server-in-process]

- ours: `app.calendars.invites.send_invitations` (renders and builds the 500 iMIP mails and writes
  them and the 500 invitation rows to the outbox in one transaction) and then the outbox worker
  (`app.mail.outbox.send_all_due`: claims up to 50 messages per committed UPDATE, sends them over
  one SMTP connection and stores each one as sent as soon as the server accepted it) until the
  server has accepted all;
- plain: the very same raw messages, read back from the outbox beforehand, handed to one
  `smtplib.SMTP` connection with `sendmail` one after the other.

The SMTP server is aiosmtpd on a free local port (it counts what it accepts and parses nothing),
the same for both, in a process of its own: as a thread of this process it would compete for the
interpreter lock with whichever client is measured, slowing most the one that does more Python
work between messages (`--server-in-process` measures that way, as the first version did). Each
round invites to a new meeting; the two are measured in turn, alternating which goes first, and
the medians are compared, because the machine is shared and absolute times vary. The aim: ours at
most 2x plain.

Runs on a fresh SQLite file by default; BENCH_DATABASE_URL (e.g. postgresql://...) measures on
that database instead (its tables are dropped and created).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import smtplib
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import delete, select

from app import create_app
from app.extensions import db
from tests.smtp import free_port

MEMBERS = 500
AIM = 2.0


class CountingHandler:
    """Accepts every message and only counts it (parsing would cost both paths alike).

    `counter` is shared with this process when the server runs in its own (see `SMTPServerProcess`).
    """

    def __init__(self, counter=None) -> None:
        self.counter = counter if counter is not None else multiprocessing.Value("i", 0)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.counter.get_lock():
            self.counter.value += 1
        return "250 OK"

    @property
    def accepted(self) -> int:
        return self.counter.value

    @accepted.setter
    def accepted(self, value: int) -> None:
        with self.counter.get_lock():
            self.counter.value = value


def _serve(port: int, counter, ready, stop) -> None:
    """The body of the server process: aiosmtpd on `port` until `stop` is set."""
    controller = Controller(CountingHandler(counter), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class SMTPServer:
    """The counting aiosmtpd server, by default in a process of its own: in this process its
    thread would compete for the interpreter lock with whichever client is measured, and the
    client that does more Python work between messages (ours) would be slowed down twice."""

    def __init__(self, *, in_process: bool = False) -> None:
        self.port = free_port()
        self.in_process = in_process
        context = multiprocessing.get_context("spawn")
        self.handler = CountingHandler(context.Value("i", 0))
        if in_process:
            self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        else:
            self._ready, self._stop = context.Event(), context.Event()
            self._process = context.Process(target=_serve, daemon=True,
                                            args=(self.port, self.handler.counter, self._ready, self._stop))

    def start(self) -> None:
        if self.in_process:
            self._controller.start()
            return
        self._process.start()
        if not self._ready.wait(30):
            raise RuntimeError("the SMTP server process did not start")

    def stop(self) -> None:
        if self.in_process:
            self._controller.stop()
            return
        self._stop.set()
        self._process.join(30)


def _app(tmp_path: Path, port: int, database_url: str | None):
    url = database_url or os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp_path / 'invitations.db'}"
    if url.startswith(("postgres://", "postgresql://")):  # the driver installed here: psycopg 3
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                      BASE_URL="https://kaffeklub.example")


def _prepare(app, members: int) -> dict:
    """A group of `members` (an organizer and members - 1 others), every 5th in English."""
    from app.models import Group, Member, Membership

    with app.app_context():
        db.drop_all()
        db.create_all()
        group = Group(name="Kaffeklub Bench", slug="bench", timezone="Europe/Copenhagen")
        db.session.add(group)
        db.session.flush()
        organizer = Member(name="Olga Organisator", email="olga@bench.example", language="da")
        db.session.add(organizer)
        db.session.flush()
        db.session.add(Membership(member=organizer, group=group, role="organizer"))
        people = [Member(name=f"Søren Medlem {n:03d}", email=f"medlem{n:03d}@bench.example",
                         language=("da", "en")[n % 5 == 0]) for n in range(members - 1)]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(Membership(member=m, group=group, role="member") for m in people)
        db.session.commit()
        facts = {"group": group.id, "organizer": organizer.id}
        db.session.remove()
    return facts


def _new_meeting(app, facts: dict, n: int) -> int:
    from app.models import Meeting, OutboxMessage

    with app.app_context():
        db.session.execute(delete(OutboxMessage))
        start = datetime.now(UTC).replace(hour=7, minute=30, second=0, microsecond=0) + timedelta(days=30 + n)
        meeting = Meeting(group_id=facts["group"], title=f"Morgenmøde {n}", starts_at=start,
                          ends_at=start + timedelta(minutes=90), venue_name="Bech Biler",
                          venue_address="Bredgade 1, 7400 Herning", agenda="Velkomst\n\n- Runden")
        db.session.add(meeting)
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
    return meeting_id


def ours(app, handler: CountingHandler, facts: dict, meeting_id: int, members: int) -> dict[str, float]:
    """Press "send" and run the outbox worker until the server accepted every invitation; ms."""
    from app.calendars.invites import send_invitations
    from app.mail.outbox import send_all_due
    from app.models import Member

    handler.accepted = 0
    with app.app_context():
        organizer = db.session.get(Member, facts["organizer"])
        start = time.perf_counter()
        result = send_invitations(organizer, meeting_id)
        written = time.perf_counter()
        sent = send_all_due(batch_size=members + 10)
        done = time.perf_counter()
        db.session.remove()
    if result.invited != members or sent.sent != members or handler.accepted != members:
        raise RuntimeError(f"invited {result.invited}, sent {sent.sent}, accepted {handler.accepted}")
    return {"total": (done - start) * 1000, "send_invitations": (written - start) * 1000,
            "outbox worker": (done - written) * 1000}


def prebuilt(app) -> list[tuple[str, list[str], bytes]]:
    """The messages of the last `ours` run as the worker handed them over: (from, to, raw bytes)."""
    from app.mail.outbox import envelope_address
    from app.models import OutboxMessage

    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.sender, OutboxMessage.recipients, OutboxMessage.raw)
                                  .order_by(OutboxMessage.id)).all()
        db.session.remove()
    return [(envelope_address(sender), [parseaddr(to)[1] or to for to in recipients.split(",")],
             raw.encode("utf-8")) for sender, recipients, raw in rows]


def plain(port: int, handler: CountingHandler, messages: list[tuple[str, list[str], bytes]]) -> float:
    """The same messages with plain smtplib over one connection; ms."""
    handler.accepted = 0
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for sender, recipients, raw in messages:
            smtp.sendmail(sender, recipients, raw)
    elapsed = (time.perf_counter() - start) * 1000
    if handler.accepted != len(messages):
        raise RuntimeError(f"accepted {handler.accepted} of {len(messages)}")
    return elapsed


def run(tmp_path: Path, *, members: int = MEMBERS, rounds: int = 3, database_url: str | None = None,
        server_in_process: bool = False) -> list[tuple[str, float]]:
    """Rows (name, median ms): ours (and its two parts) and plain smtplib; `report` adds the ratio."""
    server = SMTPServer(in_process=server_in_process)
    server.start()
    handler, port = server.handler, server.port
    app = _app(tmp_path, port, database_url)
    try:
        facts = _prepare(app, members)
        samples: dict[str, list[float]] = {key: [] for key in ("total", "send_invitations", "outbox worker",
                                                               "plain")}
        # A warm-up round (templates compiled, connections opened), not counted.
        ours(app, handler, facts, _new_meeting(app, facts, 0), members)
        messages = prebuilt(app)
        plain(port, handler, messages)
        for n in range(1, rounds + 1):
            meeting_id = _new_meeting(app, facts, n)
            if n % 2:
                timing = ours(app, handler, facts, meeting_id, members)
                messages = prebuilt(app)
                samples["plain"].append(plain(port, handler, messages))
            else:
                samples["plain"].append(plain(port, handler, messages))  # the last round's messages
                timing = ours(app, handler, facts, meeting_id, members)
            for key, value in timing.items():
                samples[key].append(value)
        with app.app_context():
            db.engine.dispose()
    finally:
        server.stop()
    median = {key: statistics.median(values) for key, values in samples.items()}
    return [
        (f"invitations to {members}: send + outbox until accepted", median["total"]),
        ("  of which send_invitations (render, build, write outbox)", median["send_invitations"]),
        ("  of which outbox worker (claim, SMTP, mark sent)", median["outbox worker"]),
        (f"{members} prebuilt messages, plain smtplib, one connection", median["plain"]),
    ]


def report(rows: list[tuple[str, float]]) -> str:
    """A table with each row as a ratio to plain smtplib (the last row), and the aim."""
    plain_ms = rows[-1][1]
    lines = [f"{'invitations benchmark':60} {'median ms':>10} {'x plain':>8}"]
    lines += [f"{name:60} {ms:10.1f} {ms / plain_ms:8.2f}" for name, ms in rows]
    ratio = rows[0][1] / plain_ms
    lines.append(f"ratio {ratio:.2f} (aim: at most {AIM:.1f}): {'met' if ratio <= AIM else 'MISSED'}")
    return "\n".join(lines)


def profile(tmp_path: Path, members: int = MEMBERS, server_in_process: bool = False) -> str:
    """A cProfile of one `ours` run (top functions by cumulative time)."""
    import cProfile
    import io
    import pstats

    server = SMTPServer(in_process=server_in_process)
    server.start()
    handler, port = server.handler, server.port
    app = _app(tmp_path, port, None)
    try:
        facts = _prepare(app, members)
        ours(app, handler, facts, _new_meeting(app, facts, 0), members)  # warm-up
        meeting_id = _new_meeting(app, facts, 1)
        profiler = cProfile.Profile()
        profiler.enable()
        ours(app, handler, facts, meeting_id, members)
        profiler.disable()
    finally:
        server.stop()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    out.write("\n--- by own time ---\n")
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run instead")
    parser.add_argument("--server-in-process", action="store_true",
                        help="run the SMTP server as a thread of this process (as before), not in its own")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.profile:
            print(profile(Path(tmp), args.members, args.server_in_process))
        else:
            print(report(run(Path(tmp), members=args.members, rounds=args.rounds,
                             server_in_process=args.server_in_process)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
