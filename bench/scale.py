"""Each page at demo size and at large size (bench/large.py), in the same run and process.

    python -m bench.scale [--repeat 20] [--backends sqlite,postgresql]

PostgreSQL runs in a fresh database on the server of TEST_DATABASE_URL (dropped afterwards).
Prints median milliseconds per page at both sizes and the ratio; the target is at most 1.5x for
every page except the CSV export (which is the whole network by definition).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from app import create_app
from app.extensions import db


def _pages(app):
    """(name, url, headers) for every list that grows with the network and a few that do not."""
    from app.models import Meeting, Member
    from app.seed import DEMO_ADMIN_EMAIL
    from app.tokens.services import create_token

    with app.app_context():
        admin = db.session.scalar(select(Member).where(Member.email == DEMO_ADMIN_EMAIL))
        _, api_token = create_token(admin, "bench")
        db.session.commit()
        meeting_id = db.session.scalar(
            select(Meeting.id)
            .where(Meeting.group.has(slug="kaffeklub-vest"))
            .order_by(Meeting.starts_at.desc())
        )
        member_id = db.session.scalar(
            select(Member.id).where(Member.email != DEMO_ADMIN_EMAIL).order_by(Member.id)
        )
    bearer = {"Authorization": f"Bearer {api_token}"}
    return [
        ("baseline: GET /healthz", "/healthz", None, False),
        ("GET / (admin)", "/", None, True),
        ("GET /members (admin)", "/members", None, True),
        ("GET /members?q=sen (admin)", "/members?q=sen", None, True),
        ("GET /members?q=ø (admin)", "/members?q=%C3%B8", None, True),
        ("GET /members/<id> (admin)", f"/members/{member_id}", None, True),
        ("GET /admin/members", "/admin/members", None, True),
        ("GET /admin/members?q=sen", "/admin/members?q=sen", None, True),
        ("GET /groups", "/groups", None, True),
        ("GET /groups/kaffeklub-vest/members (admin)", "/groups/kaffeklub-vest/members", None, True),
        ("GET /groups/kaffeklub-vest/meetings (admin)", "/groups/kaffeklub-vest/meetings", None, True),
        ("GET /groups/kaffeklub-vest/meetings/past", "/groups/kaffeklub-vest/meetings/past", None, True),
        ("GET .../meetings?view=month", "/groups/kaffeklub-vest/meetings?view=month", None, True),
        ("GET /meetings/<id> (admin)", f"/meetings/{meeting_id}", None, True),
        ("API GET /api/v1/groups", "/api/v1/groups", bearer, False),
        (
            "API GET /api/v1/groups/kaffeklub-vest/members",
            "/api/v1/groups/kaffeklub-vest/members",
            bearer,
            False,
        ),
        (
            "API GET /api/v1/groups/kaffeklub-vest/meetings (no to)",
            "/api/v1/groups/kaffeklub-vest/meetings",
            bearer,
            False,
        ),
        ("GET /admin/members/export.csv (whole network)", "/admin/members/export.csv", None, True),
    ]


def _admin_client(app):
    from app.auth.sessions import create_session
    from app.models import Member
    from app.seed import DEMO_ADMIN_EMAIL

    with app.app_context():
        admin = db.session.scalar(select(Member).where(Member.email == DEMO_ADMIN_EMAIL))
        _, token = create_session(admin, remember=False)  # a real login record
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def _callers(app, pages):
    admin = _admin_client(app)
    anonymous = app.test_client()
    calls = {}
    for name, url, headers, logged_in in pages:
        client = admin if logged_in else anonymous

        def call(client=client, url=url, headers=headers):
            response = client.get(url, headers=headers or {})
            assert response.status_code == 200, (url, response.status_code)

        calls[name] = call
    return calls


def _interleaved(demo_call, large_call, repeat: int, warmup: int = 3) -> tuple[float, float]:
    """Median ms of each, sampled alternately so that the machine's load drifts for both alike."""
    for _ in range(warmup):
        demo_call()
        large_call()
    demo, large = [], []
    for _ in range(repeat):
        for call, samples in ((demo_call, demo), (large_call, large)):
            start = time.perf_counter()
            call()
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(demo), statistics.median(large)


@contextmanager
def _database(backend: str, tmp: Path, name: str):
    if backend == "sqlite":
        yield f"sqlite:///{tmp / f'{name}.db'}"
        return
    os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    from tests.dbutil import fresh_postgres_database

    with fresh_postgres_database() as url:
        yield url


def _app(url: str, *, large: bool):
    from app.seed import seed_demo
    from bench.large import grow

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="", RATELIMIT_ENABLED=False)
    with app.app_context():
        db.create_all()
        seed_demo()
        if large:
            print(f"grown to {grow()}", file=sys.stderr)
    return app


def run(tmp: Path, *, repeat: int, backend: str = "sqlite") -> list[tuple[str, float, float]]:
    """[(page, demo ms, large ms)] on one backend: a demo and a large database side by side,
    each page timed alternately on both."""
    with _database(backend, tmp, "demo") as demo_url, _database(backend, tmp, "large") as large_url:
        demo_app, large_app = _app(demo_url, large=False), _app(large_url, large=True)
        demo_pages, large_pages = _pages(demo_app), _pages(large_app)
        demo_calls, large_calls = _callers(demo_app, demo_pages), _callers(large_app, large_pages)
        rows = []
        for name, *_ in demo_pages:
            rows.append((name, *_interleaved(demo_calls[name], large_calls[name], repeat)))
        for app in (demo_app, large_app):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            rows = run(Path(tmp), repeat=args.repeat, backend=backend)
        print(f"\n{backend}\n| page | demo ms | large ms | large / demo |\n|---|---:|---:|---:|")
        for name, demo, large in rows:
            print(f"| {name} | {demo:.2f} | {large:.2f} | {large / demo:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
