"""POST /login timing for a member's address and for an address that is nobody's.

The answer page is the same either way; the time must be too, or one request tells whether an
address belongs to a member. Both kinds of request are interleaved, which one goes first
alternating, so that drift on a shared machine hits both alike. The per-address mail cap and the
per-IP limit are lifted here, so that every member request really issues a link and queues a mail.

    python -m bench.login_timing [--repeat 30] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app import create_app
from app.extensions import db

MEMBER = "bench-member@example.test"
STRANGER = "bench-stranger@example.test"


def run(tmp: Path, *, repeat: int = 30, measure=None, database_url: str | None = None,
        warmup: int = 5) -> list[tuple[str, float]]:
    """Median milliseconds of `repeat` interleaved requests for each kind of address."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url or f"sqlite:///{tmp / 'login.db'}",
                     MAIL_SERVER="", LOGIN_MAILS_PER_ADDRESS=10**6, RATELIMIT_ENABLED=False)
    with app.app_context():
        from app.models import Member

        db.drop_all()
        db.create_all()
        db.session.add(Member(name="Bench Member", email=MEMBER, company="Bench ApS", language="da"))
        db.session.commit()

    client = app.test_client()

    def post(address: str) -> float:
        start = time.perf_counter()
        response = client.post("/login", data={"email": address})
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 302, response.status_code
        return elapsed

    for _ in range(warmup):
        post(MEMBER)
        post(STRANGER)
    member_ms, stranger_ms = [], []
    gc.collect()
    gc.disable()  # as timeit does: a collection inside one sample is noise, not the code's cost
    try:
        for n in range(repeat):
            # Alternate which goes first, so neither always follows the other's commit.
            if n % 2:
                stranger_ms.append(post(STRANGER))
                member_ms.append(post(MEMBER))
            else:
                member_ms.append(post(MEMBER))
                stranger_ms.append(post(STRANGER))
    finally:
        gc.enable()
    with app.app_context():
        from app.models import OutboxMessage

        sent = db.session.query(OutboxMessage).count()
        assert sent == warmup + repeat, sent  # every member request queued its mail
        db.session.remove()
        if database_url:
            db.drop_all()
        db.engine.dispose()
    return [
        ("POST /login, a member's address", statistics.median(member_ms)),
        ("POST /login, an address that is nobody's", statistics.median(stranger_ms)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="a scratch database (its tables are dropped)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rows = run(Path(tmp), repeat=args.repeat, database_url=args.database_url)
    (member_name, member), (other_name, other) = rows
    print(f"{member_name:45} {member:8.2f} ms")
    print(f"{other_name:45} {other:8.2f} ms")
    print(f"{'difference':45} {abs(member - other) / max(member, other) * 100:8.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
