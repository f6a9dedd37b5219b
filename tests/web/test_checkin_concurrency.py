"""Check-ins and closes at the same moment: one row, one close.

On PostgreSQL two threads run the use cases on their own connections. The overlap is made certain,
not hoped for: the first holds its transaction open right after taking its lock
(ROW_LOCK_TEST_HOLD: it waits for an advisory lock this test holds) until the second is seen
waiting for the meeting's row in pg_locks; then the test lets go. The unique constraints behind the
lock are tested on both databases by writing the same check-in twice.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import create_app, events
from app.checkin import services
from app.extensions import db
from app.models import CheckIn, Meeting, Member
from tests.dbutil import fresh_postgres_database
from tests.waiting import wait_for
from tests.web.checkin_helpers import build_door

HOLD_KEY = 7_420_311


@pytest.fixture
def database():
    with fresh_postgres_database() as url:
        yield url


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _overlap(url: str, first, second) -> list:
    """Run `first` until it holds its lock, then `second` until it waits for the row, then both on."""
    results: list = []
    errors: list[BaseException] = []
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, ROW_LOCK_TEST_HOLD=HOLD_KEY)

    def run(call):
        try:
            with app.app_context():
                results.append(call())
                db.session.remove()
                db.engine.dispose()
        except BaseException as exc:  # reported below
            errors.append(exc)

    watcher = psycopg.connect(_dsn(url), autocommit=True)
    try:
        watcher.execute("SELECT pg_advisory_lock(%s)", (HOLD_KEY,))
        one = threading.Thread(target=run, args=(first,))
        one.start()
        wait_for(lambda: watcher.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s",
            (HOLD_KEY,)).fetchone()[0] == 1, "the first to hold its lock")
        two = threading.Thread(target=run, args=(second,))
        two.start()
        wait_for(lambda: watcher.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype IN ('tuple', 'transactionid') AND NOT granted"
        ).fetchone()[0] >= 1, "the second to wait for the meeting's row")
        watcher.execute("SELECT pg_advisory_unlock(%s)", (HOLD_KEY,))
        one.join(timeout=60)
        two.join(timeout=60)
    finally:
        watcher.close()
    assert not errors, errors
    return results


def _setup(url: str, starts_in: timedelta) -> dict:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        door = build_door(starts_in=starts_in)
        facts = {"meeting": door.meeting.id, "organizer": door.organizer.id, "member": door.member.id,
                 "admin": door.admin.id}
        db.session.remove()
        db.engine.dispose()
    return facts


def test_two_taps_on_the_same_person_make_one_check_in(database):
    facts = _setup(database, timedelta(minutes=5))

    def tap(user_key):
        def call():
            user = db.session.get(Member, facts[user_key])
            return services.check_in(user, facts["meeting"], f"m{facts['member']}").created
        return call

    results = _overlap(database, tap("organizer"), tap("admin"))
    assert sorted(results) == [False, True]
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database)
    with app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id))) == 1
        db.session.remove()
        db.engine.dispose()


def test_two_overlapping_automatic_closes_close_once(database):
    facts = _setup(database, timedelta(hours=-20))
    closed: list[int] = []

    def receiver(meeting, **_kw):
        closed.append(meeting.id)

    now = datetime.now(UTC)
    with events.meeting_closed.connected_to(receiver):
        results = _overlap(database, lambda: services.auto_close(now), lambda: services.auto_close(now))
    assert sorted(results) == [0, 1]
    assert closed == [facts["meeting"]]
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database)
    with app.app_context():
        assert db.session.get(Meeting, facts["meeting"]).closed_at is not None
        db.session.remove()
        db.engine.dispose()


def test_the_same_check_in_written_twice_is_refused_by_the_database(app, english):
    """Behind the lock: the unique constraint, and `_insert` turning its IntegrityError into "already"."""
    door = build_door()
    first = services._insert(CheckIn(meeting_id=door.meeting.id, member_id=door.member.id, via="door"))
    second = services._insert(CheckIn(meeting_id=door.meeting.id, member_id=door.member.id, via="door"))
    guest_first = services._insert(CheckIn(meeting_id=door.meeting.id, guest_id=door.guest.id, via="door"))
    guest_second = services._insert(CheckIn(meeting_id=door.meeting.id, guest_id=door.guest.id, via="door"))
    db.session.commit()
    assert (first, second, guest_first, guest_second) == (True, False, True, False)
    assert db.session.scalar(select(func.count(CheckIn.id))) == 2


def test_auto_close_run_twice_in_a_row_closes_once(app, english):
    door = build_door(starts_in=timedelta(hours=-20))
    now = datetime.now(UTC)
    assert services.auto_close(now) == 1
    assert services.auto_close(now) == 0
    assert db.session.get(Meeting, door.meeting.id).closed_at is not None
