"""Sign-up throughput of a live gunicorn server (2 sync workers) on PostgreSQL, as a ratio to /healthz
of the same server in the same run, with p50 and p99 latency.

    python -m bench.rsvp_throughput [--seconds 5] [--rounds 3] [--clients 20]

20 client threads (one HTTP connection per request, as gunicorn's sync workers close each one) keep
the server busy for `--seconds` per phase; the phases alternate, `--rounds` times, so that drift on a
shared machine hits all of them alike:

- `GET /healthz` (one trivial query): the baseline;
- sign-ups spread over 50 meetings: `PUT /api/v1/meetings/{id}/rsvp` by 100 members, each client
  with its own 5 members and 10 meetings, each pair answering yes, no, yes ... in turn; about 20
  members per meeting and 15 seats, so some answers wait in line and some afbud promote someone
  (and write their mail), as in real use;
- one hot meeting: all clients answering yes/no for the same meeting (10 seats, 100 members), so
  every answer waits for the meeting's row lock: the worst case.

PostgreSQL runs in a fresh database on the server of TEST_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test), dropped afterwards. The client runs on the same machine
as the server, so both share its cores. After the run it checks that no meeting is overbooked and that
every request was answered 200.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SPREAD_MEETINGS = 50
SPREAD_CAPACITY = 15
HOT_CAPACITY = 10
MEMBERS_PER_CLIENT = 5
MEETINGS_PER_CLIENT = 10


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)  # ms
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare(url: str, clients: int) -> dict:
    """A group, clients x 5 members with API tokens, 50 meetings of 15 seats and one of 10."""
    from app import create_app
    from app.extensions import db
    from app.models import Group, Meeting, Member, Membership
    from app.tokens.services import create_token

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        group = Group(name="Kaffeklub Bench", slug="bench", timezone="Europe/Copenhagen", is_public=False)
        db.session.add(group)
        start = datetime(2031, 3, 5, 7, 30, tzinfo=UTC)
        meetings = [Meeting(group=group, title=f"Morgenmøde {n}", capacity=SPREAD_CAPACITY,
                            starts_at=start.replace(day=1 + n % 28, month=1 + n // 28),
                            ends_at=start.replace(day=1 + n % 28, month=1 + n // 28, hour=9))
                    for n in range(SPREAD_MEETINGS)]
        hot = Meeting(group=group, title="Den populære", capacity=HOT_CAPACITY,
                      starts_at=start.replace(month=6), ends_at=start.replace(month=6, hour=9))
        members = [Member(name=f"Medlem {n:03d}", email=f"medlem{n:03d}@bench.example", language="da")
                   for n in range(clients * MEMBERS_PER_CLIENT)]
        db.session.add_all([*meetings, hot, *members])
        db.session.flush()
        db.session.add_all(Membership(member=m, group=group, role="member") for m in members)
        db.session.commit()
        facts = {
            "meetings": [m.id for m in meetings],
            "hot": hot.id,
            "tokens": [create_token(m, "bench")[1] for m in members],
        }
        db.session.remove()
        db.engine.dispose()
    return facts


def _overbooked(url: str) -> list[str]:
    """Meetings with more going than seats (nobody here forces a seat, so none may be)."""
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Meeting
    from app.rsvp.services import seat_counts

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        meetings = db.session.scalars(select(Meeting)).all()
        counts = seat_counts(meetings)
        bad = [f"{m.title}: {counts[m.id].going} going for {m.capacity}" for m in meetings
               if counts[m.id].over_by]
        db.session.remove()
        db.engine.dispose()
    return bad


class Server:
    def __init__(self, tmp: Path, url: str, workers: int = 2):
        (tmp / "bench_server.py").write_text(
            "from app import create_app\n"
            f"app = create_app('production', SQLALCHEMY_DATABASE_URI={url!r}, MAIL_SERVER='',\n"
            "                 SECRET_KEY='bench-only-secret-key-of-enough-length', FORCE_HTTPS=False,\n"
            "                 HSTS=False)\n"
        )
        (tmp / "empty.conf.py").write_text("")
        self.port = _free_port()
        self.log_path = tmp / "gunicorn.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn, our arguments)
            [str(BIN / "gunicorn"), "-c", str(tmp / "empty.conf.py"), "--workers", str(workers),
             "--preload", "--timeout", "120", "--pythonpath", f"{tmp},{ROOT}",
             "--bind", f"127.0.0.1:{self.port}", "bench_server:app"],
            cwd=ROOT, env={**os.environ}, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log_path.read_text())
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)  # waiting for the server to listen, not timing anything
        raise RuntimeError("gunicorn did not answer")

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def _drive(server: Server, phase: Phase, clients: int, seconds: float, make_request) -> None:
    """`clients` threads send requests back to back for `seconds`; each request comes from
    make_request(client, n) -> (method, path, body, headers)."""
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]
    lock = threading.Lock()

    def client(index: int) -> None:
        latencies, errors, n = [], [], 0
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            method, path, body, headers = make_request(index, n)
            n += 1
            start = time.perf_counter()
            try:
                status, content = server.request(method, path, body, headers)
            except OSError as error:
                errors.append(f"{method} {path}: {error}")
                continue
            latencies.append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors.append(f"{method} {path}: {status} {content[:200]!r}")
        with lock:
            phase.latencies.extend(latencies)
            phase.errors.extend(errors)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    begin = time.perf_counter()
    stop_at[0] = begin + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    phase.seconds += time.perf_counter() - begin


def run(tmp: Path, *, seconds: float = 5.0, rounds: int = 3, clients: int = 20,
        database_url: str | None = None) -> list[Phase]:
    """The three phases (healthz, spread sign-ups, one hot meeting), `rounds` times each."""
    from contextlib import nullcontext

    if database_url is None:
        os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
        from tests.dbutil import fresh_postgres_database

        database = fresh_postgres_database()
    else:
        database = nullcontext(database_url)
    with database as url:
        facts = _prepare(url, clients)
        tokens, spread_ids, hot_id = facts["tokens"], facts["meetings"], facts["hot"]
        headers = [{"Authorization": f"Bearer {t}", "Content-Type": "application/json"} for t in tokens]
        yes, no = json.dumps({"answer": "yes"}).encode(), json.dumps({"answer": "no"}).encode()

        def healthz(client: int, n: int):
            return "GET", "/healthz", None, {}

        def spread(client: int, n: int):
            # Client c: members 5c..5c+4 and meetings 10c.. (mod 50); pairs in turn, yes/no alternating.
            pairs = MEMBERS_PER_CLIENT * MEETINGS_PER_CLIENT
            pair = n % pairs
            member = client * MEMBERS_PER_CLIENT + pair % MEMBERS_PER_CLIENT
            index = client * MEETINGS_PER_CLIENT + pair // MEMBERS_PER_CLIENT
            meeting = spread_ids[index % SPREAD_MEETINGS]
            body = yes if (n // pairs) % 2 == 0 else no
            return "PUT", f"/api/v1/meetings/{meeting}/rsvp", body, headers[member]

        def hot(client: int, n: int):
            member = client * MEMBERS_PER_CLIENT + n % MEMBERS_PER_CLIENT
            body = yes if (n // MEMBERS_PER_CLIENT) % 2 == 0 else no
            return "PUT", f"/api/v1/meetings/{hot_id}/rsvp", body, headers[member]

        phases = {name: Phase(name) for name in ("GET /healthz", "sign-ups, 50 meetings",
                                                 "sign-ups, one hot meeting")}
        makers = dict(zip(phases, (healthz, spread, hot), strict=True))
        server = Server(tmp, url)
        try:
            for token in tokens:  # each token's first use records its time of use; not measured
                server.request("GET", f"/api/v1/meetings/{hot_id}/rsvp", None,
                               {"Authorization": f"Bearer {token}"})
            for name in phases:  # warm-up: each worker has loaded what it needs
                _drive(server, Phase(name), clients, 0.5, makers[name])
            for _round in range(rounds):
                for name, phase in phases.items():
                    _drive(server, phase, clients, seconds, makers[name])
        finally:
            server.stop()
        log = server.log_path.read_text()
        problems = _overbooked(url)
        if "Traceback" in log:
            problems.append("the server logged an error:\n" + log[-3000:])
        for phase in phases.values():
            problems += phase.errors[:5]
        if problems:
            raise AssertionError("\n".join(problems))
    return list(phases.values())


def report(phases: list[Phase]) -> str:
    base = phases[0].throughput
    lines = [f"{'phase (20 clients, gunicorn 2 workers, PostgreSQL)':52} {'req/s':>8} {'x healthz':>10} "
             f"{'p50 ms':>8} {'p99 ms':>8} {'requests':>9}"]
    for phase in phases:
        lines.append(f"{phase.name:52} {phase.throughput:8.1f} {phase.throughput / base:10.2f} "
                     f"{phase.percentile(50):8.1f} {phase.percentile(99):8.1f} {len(phase.latencies):9d}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="per phase and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--database-url", default=None,
                        help="an empty PostgreSQL database (default: a fresh one on TEST_DATABASE_URL)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        phases = run(Path(tmp), seconds=args.seconds, rounds=args.rounds, clients=args.clients,
                     database_url=args.database_url)
    print(report(phases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
