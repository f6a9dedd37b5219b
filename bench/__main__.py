"""Run every benchmark and print its tables. Numbers are medians; ratios compare to a baseline
measured in the same run (GET /healthz, one trivial query; for the invitations, the same messages
sent with plain smtplib), because these machines are shared and noisy and absolute times vary
from run to run. The tables: pages, CSV import and login timing; the member feed; invitations to
500 members; sign-up throughput on a live server (PostgreSQL only); the seating planner (pure: social
golfer instances, a realistic meeting against random and greedy seatings, re-planning)."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def measure(fn: Callable[[], object], *, repeat: int, warmup: int = 3) -> float:
    """Median wall time of fn in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)
    from bench import csv_import, login_timing, web_pages

    with tempfile.TemporaryDirectory() as tmp:
        rows = web_pages.run(Path(tmp), repeat=args.repeat, measure=measure)
        rows += csv_import.run(Path(tmp), repeat=args.repeat, measure=measure)
        rows += login_timing.run(Path(tmp), repeat=args.repeat)
    baseline = rows[0][1]
    print(f"{'benchmark':55} {'median ms':>10} {'x baseline':>11}")
    for name, ms in rows:
        print(f"{name:55} {ms:10.2f} {ms / baseline:11.1f}")
    from bench import invitations, member_feed

    print()
    with tempfile.TemporaryDirectory() as tmp:  # its own app and database: its own /healthz baseline
        feed_rows = member_feed.run(Path(tmp), repeat=args.repeat, measure=measure)
    feed_baseline = feed_rows[0][1]
    print(f"{'member feed benchmark':55} {'median ms':>10} {'x /healthz':>11}")
    for name, ms in feed_rows:
        print(f"{name:55} {ms:10.2f} {ms / feed_baseline:11.1f}")
    print()
    with tempfile.TemporaryDirectory() as tmp:  # SQLite, or BENCH_DATABASE_URL; ratios to plain smtplib
        print(invitations.report(invitations.run(Path(tmp))))
    import psycopg

    from bench import rsvp_throughput  # a live gunicorn server on PostgreSQL: its own table

    print()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(rsvp_throughput.report(rsvp_throughput.run(Path(tmp))))
    except psycopg.OperationalError as error:  # no PostgreSQL server to run it on
        print(f"sign-up throughput skipped (no PostgreSQL): {error}")
    from bench import seating  # pure planner: no app, no database

    print()
    print(seating.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
