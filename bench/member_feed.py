"""A member's private calendar feed: three years of meetings across five groups.

The data is built directly (no services): five groups with weekly meetings from about six months
back to two and a half years ahead (about 780 meetings, all in the feed's window), 20 members per
group, the measured member in all five with a mix of answers (going, waitlisted, afbud, not
answered; some meetings cancelled). Measured through the Flask test client, as ratios to
GET /healthz in the same process:

- cold: the cache of built files is cleared before each request, so every request builds the file;
- 304: a calendar client polling with If-None-Match (the version key's few queries, no build);
- warm 200: a poll without a validator, answered from the cached bytes.

`python -m bench.member_feed [--repeat N]` prints the numbers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from app import create_app
from app.extensions import db

GROUPS = 5
MEMBERS_PER_GROUP = 20
WEEKS_BACK = 26
WEEKS_AHEAD = 130  # 26 + 130 weeks: three years of weekly meetings per group


def _build(member_id_holder: list) -> None:
    from app.models import Group, Meeting, Member, Membership, Rsvp

    now = datetime.now(UTC).replace(hour=7, minute=30, second=0, microsecond=0)
    groups = [Group(slug=f"kaffeklub-{n}", name=f"Kaffeklub {n}", timezone="Europe/Copenhagen",
                    rsvp_mode="expected" if n == 4 else "opt_in") for n in range(GROUPS)]
    db.session.add_all(groups)
    me = Member(email="me@example.test", name="Mette Medlem", language="da")
    others = [Member(email=f"m{g}-{i}@example.test", name=f"Medlem {g}-{i}", phone="+45 12 34 56 78",
                     language="da") for g in range(GROUPS) for i in range(MEMBERS_PER_GROUP - 1)]
    db.session.add_all([me, *others])
    db.session.flush()
    db.session.add_all(Membership(member_id=me.id, group_id=g.id) for g in groups)
    db.session.add_all(Membership(member_id=m.id, group_id=groups[i // (MEMBERS_PER_GROUP - 1)].id)
                       for i, m in enumerate(others))
    meetings = []
    for g, group in enumerate(groups):
        for week in range(-WEEKS_BACK, WEEKS_AHEAD):
            start = now + timedelta(weeks=week, days=g)
            cancelled = week % 17 == 0
            meetings.append(Meeting(
                group_id=group.id, title=f"Morgenmøde {group.name} uge {week}", starts_at=start,
                ends_at=start + timedelta(minutes=90), venue_name="Kontoret",
                venue_address="Bredgade 1, 7400 Herning", agenda="Kaffe, præsentationer og netværk",
                online_url="https://meet.example.test/x", capacity=8 if week % 5 == 0 else None,
                status="cancelled" if cancelled else "scheduled", sequence=1 if cancelled else 0,
                cancel_reason="Sygdom" if cancelled else ""))
    db.session.add_all(meetings)
    db.session.flush()
    rsvps = []
    for n, meeting in enumerate(meetings):
        choice = n % 4
        if choice == 0:
            rsvps.append(Rsvp(meeting_id=meeting.id, member_id=me.id, status="going", queue_seq=1))
        elif choice == 1 and meeting.capacity:
            rsvps.append(Rsvp(meeting_id=meeting.id, member_id=me.id, status="waitlisted", queue_seq=20))
        elif choice == 2:
            rsvps.append(Rsvp(meeting_id=meeting.id, member_id=me.id, status="declined", queue_seq=0,
                              message="Ferie"))
        group_members = others[(n // (WEEKS_BACK + WEEKS_AHEAD)) * (MEMBERS_PER_GROUP - 1):][:10]
        for k, other in enumerate(group_members):
            status = "going" if not meeting.capacity or k < 8 else "waitlisted"
            rsvps.append(Rsvp(meeting_id=meeting.id, member_id=other.id, status=status, queue_seq=k + 2))
    db.session.add_all(rsvps)
    db.session.commit()
    member_id_holder.append(me.id)


def run(tmp: Path, *, repeat: int, measure) -> list[tuple[str, float]]:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'member_feed.db'}", MAIL_SERVER="")
    from app.calendars import feeds, member_feed
    from app.models import Member

    with app.app_context():
        db.create_all()
        holder: list[int] = []
        _build(holder)
        path = urlsplit(member_feed.feed_urls(db.session.get(Member, holder[0]))[1]).path
    client = app.test_client()
    first = client.get(path)
    assert first.status_code == 200, first.status_code
    etag = first.headers["ETag"]
    events = first.data.count(b"BEGIN:VEVENT")

    def healthz():
        assert client.get("/healthz").status_code == 200

    def cold():
        member_feed.clear_cache()
        assert client.get(path).status_code == 200

    def not_modified():
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304

    def warm():
        assert client.get(path).status_code == 200

    rows = [("member feed: baseline GET /healthz", measure(healthz, repeat=repeat))]
    rows.append((f"member feed cold ({events} events, 5 groups, 3 years)",
                 measure(cold, repeat=max(3, repeat // 5))))
    member_feed.clear_cache()
    warm()
    rows.append(("member feed 304 (If-None-Match)", measure(not_modified, repeat=repeat)))
    rows.append(("member feed 200 from the cache", measure(warm, repeat=repeat)))
    assert feeds.stats["built"] == 1  # after the cold runs: one build served every later poll
    with app.app_context():
        db.engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)
    from bench.__main__ import measure

    with tempfile.TemporaryDirectory() as tmp:
        rows = run(Path(tmp), repeat=args.repeat, measure=measure)
    baseline = rows[0][1]
    print(f"{'benchmark':55} {'median ms':>10} {'x /healthz':>11}")
    for name, ms in rows:
        print(f"{name:55} {ms:10.2f} {ms / baseline:11.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
