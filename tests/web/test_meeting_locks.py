"""Two app processes edit the same meeting at the same moment: one through the web form, one
through the API (PATCH with a token). The use cases lock the meeting's row (app/db_locks.py), so the
second edit waits for the first and merges onto its result: no change is lost and both SEQUENCE
bumps count. Without the locks (ROW_LOCKS_DISABLED_FOR_TESTS) the same overlap loses the API's change.

The overlap is made certain, not hoped for: the web server holds its transaction open right after
taking its lock (ROW_LOCK_TEST_HOLD: it waits for a PostgreSQL advisory lock that this test holds)
until the API request is seen waiting for the row in pg_stat_activity. Nothing sleeps for time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.models import Meeting, MeetingChange
from tests.dbutil import fresh_postgres_database
from tests.factories import create_group, create_meeting, create_organizer
from tests.smtp import free_port
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOLD_KEY = 7_420_117
WEB_FORM = {
    "title": "Morgenmøde i marts",
    "date": "2031-03-06",  # the web moves the meeting a day later ...
    "start_time": "08:30",
    "end_time": "09:30",
    "doors_open_time": "",
    "venue_name": "",
    "venue_address": "",
    "host_member_id": "",
    "online_url": "",
    "capacity": "",
    "rsvp_deadline": "",
    "guests_welcome": "y",
    "agenda": "",
}
API_PATCH = {"end_time": "10:30"}  # ... while the API makes it end an hour later


class Server:
    """One gunicorn process (one sync worker) running the app with the given test config."""

    def __init__(self, tmp_path: Path, name: str, url: str, **config):
        module = tmp_path / f"{name}.py"
        module.write_text(
            "from app import create_app\n"
            f"app = create_app('testing', SQLALCHEMY_DATABASE_URI={url!r}, **{config!r})\n"
        )
        (tmp_path / "empty.conf.py").write_text("")
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(tmp_path / "empty.conf.py"), "--workers", "1",
             "--timeout", "120", "--pythonpath", f"{tmp_path},{ROOT}",
             "--bind", f"127.0.0.1:{self.port}", f"{name}:app"],
            cwd=ROOT, env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        wait_for(self.answers, f"{name} to answer")

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(self.process.stdout.read())
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                return True
        except OSError:
            return False

    def request(self, method: str, path: str, *, body: bytes, headers: dict) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=body, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=90) as response:  # noqa: S310 (our server)
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def database():
    with fresh_postgres_database() as url:
        yield url


def prepare(url: str) -> dict:
    """Schema, a group with a meeting, its organizer logged in (cookie) and with an API token."""
    from app.auth.sessions import create_session
    from app.tokens.services import create_token

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        group = create_group(name="Kaffeklub Herning")
        organizer = create_organizer(group, name="Olga Organizer", language="en")
        meeting = create_meeting(
            group=group, title="Morgenmøde i marts",
            starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC),
            ends_at=datetime(2031, 3, 5, 8, 30, tzinfo=UTC),
        )
        _, login_token = create_session(organizer, remember=False)
        _, api_token = create_token(organizer, "lock test")
        db.session.commit()
        cookie = app.session_interface.get_signing_serializer(app).dumps(
            {"_user_id": login_token, "_fresh": True}
        )
        facts = {
            "meeting_id": meeting.id,
            "cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}",
            "api_token": api_token,
        }
        db.session.remove()
        db.engine.dispose()
    return facts


def outcome(url: str, meeting_id: int) -> tuple[Meeting, int]:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        db.session.expunge(meeting)
        changes = db.session.scalar(
            select(func.count(MeetingChange.id)).where(
                MeetingChange.meeting_id == meeting_id, MeetingChange.action != "created"
            )
        )
        db.session.remove()
        db.engine.dispose()
    return meeting, changes


def psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def edit_at_the_same_moment(tmp_path: Path, url: str, *, locks: bool) -> tuple[Meeting, int, dict]:
    facts = prepare(url)
    extra = {} if locks else {"ROW_LOCKS_DISABLED_FOR_TESTS": True}
    web = Server(tmp_path, "web_server", url, ROW_LOCK_TEST_HOLD=HOLD_KEY, **extra)
    api = Server(tmp_path, "api_server", url, **extra)
    statuses: dict[str, int] = {}
    errors: list[BaseException] = []
    mid = facts["meeting_id"]

    def run(name, call):
        try:
            statuses[name] = call()
        except BaseException as exc:  # reported below
            errors.append(exc)

    def web_edit():
        body = urllib.parse.urlencode(WEB_FORM).encode()
        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(
            f"http://127.0.0.1:{web.port}/meetings/{mid}/edit", data=body, method="POST",
            headers={"Cookie": facts["cookie"], "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with opener.open(request, timeout=90) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def api_edit():
        return api.request(
            "PATCH", f"/api/v1/meetings/{mid}", body=json.dumps(API_PATCH).encode(),
            headers={"Authorization": f"Bearer {facts['api_token']}", "Content-Type": "application/json"},
        )

    watcher = psycopg.connect(psycopg_dsn(url), autocommit=True)
    try:
        watcher.execute("SELECT pg_advisory_lock(%s)", (HOLD_KEY,))
        first = threading.Thread(target=run, args=("web", web_edit))
        first.start()
        # The web request has its lock (if any) and waits for our advisory lock: it is mid-transaction.
        wait_for(lambda: watcher.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND objid = %s", (HOLD_KEY,)).fetchone()[0] == 1, "the web edit to hold its transaction")
        second = threading.Thread(target=run, args=("api", api_edit))
        second.start()
        if locks:
            # The API request waits for the row the web request locked.
            wait_for(lambda: watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND wait_event IN ('transactionid', 'tuple')"
                " AND query ILIKE '%%FOR UPDATE%%'").fetchone()[0] == 1, "the API edit to wait for the row")
        else:
            second.join(timeout=90)  # nothing stops it: it finishes while the web edit is held
            assert statuses.get("api") == 200, (statuses, errors)
        watcher.execute("SELECT pg_advisory_unlock(%s)", (HOLD_KEY,))
        first.join(timeout=90)
        second.join(timeout=90)
    finally:
        watcher.close()
        web.stop()
        api.stop()
    assert not errors, errors
    meeting, changes = outcome(url, mid)
    return meeting, changes, statuses


@pytest.mark.postgres
def test_web_and_api_edits_of_one_meeting_at_the_same_moment_lose_nothing(tmp_path, database):
    meeting, changes, statuses = edit_at_the_same_moment(tmp_path, database, locks=True)
    assert statuses == {"web": 302, "api": 200}
    # The web's move (a day later) and the API's new end time are both there ...
    assert meeting.starts_at == datetime(2031, 3, 6, 7, 30, tzinfo=UTC)
    assert meeting.ends_at == datetime(2031, 3, 6, 9, 30, tzinfo=UTC)
    # ... both moves count in the calendar SEQUENCE, and both are in the history.
    assert meeting.sequence == 2
    assert changes == 2


@pytest.mark.postgres
def test_without_the_row_lock_the_same_overlap_loses_the_api_change(tmp_path, database):
    """The test above can fail: with the locks turned off, the web edit works on the meeting as it
    was before the API's edit and writes its stale end time over the API's."""
    meeting, _changes, statuses = edit_at_the_same_moment(tmp_path, database, locks=False)
    assert statuses == {"web": 302, "api": 200}
    assert meeting.starts_at == datetime(2031, 3, 6, 7, 30, tzinfo=UTC)
    assert meeting.ends_at == datetime(2031, 3, 6, 8, 30, tzinfo=UTC)  # the API's 10:30 is lost


@pytest.mark.postgres
def test_an_edit_of_this_and_all_following_locks_every_meeting_it_changes(database):
    """While "this and all following" is in its transaction, another connection cannot lock any
    of the meetings it changes (FOR UPDATE NOWAIT fails), and the earlier meeting stays free."""
    from app.meetings import services

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database, ROW_LOCK_TEST_HOLD=HOLD_KEY)
    with app.app_context():
        db.create_all()
        group = create_group(name="Kaffeklub Herning")
        organizer = create_organizer(group, name="Olga Organizer", language="en")
        _series, created = services.create_series(organizer, group, services.SeriesData(
            title="Morgenkaffe", frequency="weekly", weekday=2,
            starts_on=datetime(2031, 5, 1).date(), ends_on=datetime(2031, 5, 31).date(),
            start_time=datetime(2031, 5, 1, 8).time(), end_time=datetime(2031, 5, 1, 9).time(),
        ))
        ids = [m.id for m in created]
        organizer_id = organizer.id
        db.session.remove()
    errors: list[BaseException] = []

    def edit():
        try:
            with app.app_context():
                from app.models import Member

                user = db.session.get(Member, organizer_id)
                services.update_following(user, ids[1], {"venue_name": "Hal 3"})
                db.session.remove()
                db.engine.dispose()
        except BaseException as exc:  # reported below
            errors.append(exc)

    watcher = psycopg.connect(psycopg_dsn(database), autocommit=True)
    try:
        watcher.execute("SELECT pg_advisory_lock(%s)", (HOLD_KEY,))
        thread = threading.Thread(target=edit)
        thread.start()
        wait_for(lambda: watcher.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND objid = %s", (HOLD_KEY,)).fetchone()[0] == 1, "the series edit to hold its locks")
        locked = []
        for meeting_id in ids:
            try:
                with watcher.transaction():
                    watcher.execute("SELECT id FROM meetings WHERE id = %s FOR UPDATE NOWAIT", (meeting_id,))
            except psycopg.errors.LockNotAvailable:
                locked.append(meeting_id)
        watcher.execute("SELECT pg_advisory_unlock(%s)", (HOLD_KEY,))
        thread.join(timeout=60)
    finally:
        watcher.close()
    assert not errors, errors
    assert locked == ids[1:]
    with app.app_context():
        query = select(Meeting.venue_name).where(Meeting.id.in_(ids)).order_by(Meeting.id)
        venues = db.session.scalars(query)
        assert list(venues) == ["", *["Hal 3"] * (len(ids) - 1)]
        db.session.remove()
        db.engine.dispose()


def test_on_sqlite_a_use_case_takes_the_write_lock_before_it_reads(tmp_path):
    """SQLite has no row locks: `begin_write` starts the transaction with BEGIN IMMEDIATE, so once a
    use case has loaded its meeting no other connection can write until it ends."""
    import sqlite3

    from app.meetings.access import lock_meeting_to_manage

    path = tmp_path / "locks.db"
    for disabled in (False, True):
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
                         ROW_LOCKS_DISABLED_FOR_TESTS=disabled)
        with app.app_context():
            db.create_all()
            group = create_group(name=f"Kaffeklub {disabled}")
            organizer = create_organizer(group)
            meeting = create_meeting(group=group)
            db.session.commit()
            lock_meeting_to_manage(organizer, meeting.id)
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                if disabled:
                    other.execute("BEGIN IMMEDIATE")  # nothing held: the other connection may write
                    other.execute("ROLLBACK")
                else:
                    with pytest.raises(sqlite3.OperationalError, match="locked"):
                        other.execute("BEGIN IMMEDIATE")
                db.session.rollback()
                other.execute("BEGIN IMMEDIATE")  # free again once the use case's transaction ends
                other.execute("ROLLBACK")
            finally:
                other.close()
            db.session.remove()
            db.engine.dispose()


def test_on_sqlite_two_processes_editing_one_meeting_lose_nothing(tmp_path):
    """The same overlap with two gunicorn processes on one SQLite file. The web edit holds the
    database's write lock (BEGIN IMMEDIATE, seen by a probe connection) while the API edit arrives
    at its own BEGIN IMMEDIATE (ROW_LOCK_TEST_ARRIVED_FILE); the API edit then reads the meeting
    only after the web edit is saved."""
    import fcntl
    import sqlite3

    path = tmp_path / "locks.db"
    url = f"sqlite:///{path}"
    facts = prepare(url)
    hold, arrived = tmp_path / "hold", tmp_path / "arrived"
    hold.touch()
    arrived.touch()
    web = Server(tmp_path, "web_server", url, ROW_LOCK_TEST_HOLD=str(hold))
    api = Server(tmp_path, "api_server", url, ROW_LOCK_TEST_ARRIVED_FILE=str(arrived))
    mid = facts["meeting_id"]
    headers = {"Authorization": f"Bearer {facts['api_token']}", "Content-Type": "application/json"}
    statuses: dict[str, int] = {}
    errors: list[BaseException] = []

    def run(name, call):
        try:
            statuses[name] = call()
        except BaseException as exc:  # reported below
            errors.append(exc)

    def web_edit():
        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(
            f"http://127.0.0.1:{web.port}/meetings/{mid}/edit", method="POST",
            data=urllib.parse.urlencode(WEB_FORM).encode(),
            headers={"Cookie": facts["cookie"], "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with opener.open(request, timeout=90) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def api_edit():
        return api.request("PATCH", f"/api/v1/meetings/{mid}", body=json.dumps(API_PATCH).encode(),
                           headers=headers)

    def web_holds_the_write_lock() -> bool:
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as error:
            assert "locked" in str(error)
            return True
        finally:
            probe.close()

    try:
        # The token's first use writes its last-use time; done now, so the PATCH below writes
        # nothing before its own BEGIN IMMEDIATE.
        assert api.request("GET", f"/api/v1/meetings/{mid}", body=None, headers=headers) == 200
        with open(hold) as holder:
            fcntl.flock(holder, fcntl.LOCK_EX)
            first = threading.Thread(target=run, args=("web", web_edit))
            first.start()
            wait_for(web_holds_the_write_lock, "the web edit to take the write lock")
            second = threading.Thread(target=run, args=("api", api_edit))
            second.start()
            wait_for(lambda: arrived.read_text().strip(), "the API edit to ask for the write lock")
            fcntl.flock(holder, fcntl.LOCK_UN)
        first.join(timeout=90)
        second.join(timeout=90)
    finally:
        web.stop()
        api.stop()
    assert not errors, errors
    assert statuses == {"web": 302, "api": 200}
    meeting, changes = outcome(url, mid)
    assert meeting.starts_at.replace(tzinfo=UTC) == datetime(2031, 3, 6, 7, 30, tzinfo=UTC)
    assert meeting.ends_at.replace(tzinfo=UTC) == datetime(2031, 3, 6, 9, 30, tzinfo=UTC)
    assert meeting.sequence == 2
    assert changes == 2


def test_a_use_case_merges_onto_the_row_as_saved_not_onto_an_object_loaded_earlier(app):
    """A route may have loaded the meeting before another process saved a change: the use case
    reads it afresh under its lock, so a PATCH keeps the other change and SEQUENCE counts both."""
    from sqlalchemy import text

    from app.meetings import services

    group = create_group(name="Kaffeklub Herning")
    organizer = create_organizer(group)
    meeting = create_meeting(group=group, starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC),
                             ends_at=datetime(2031, 3, 5, 8, 30, tzinfo=UTC))
    db.session.commit()
    loaded = db.session.get(Meeting, meeting.id)  # what the route holds
    with db.engine.connect() as other:  # another process moves the meeting meanwhile
        other.execute(text("UPDATE meetings SET title = 'Omdøbt', sequence = sequence + 1 WHERE id = :id"),
                      {"id": meeting.id})
        other.commit()
    services.update_meeting(organizer, loaded, {"end_time": "10:30"})
    db.session.expire_all()
    saved = db.session.get(Meeting, meeting.id)
    assert saved.title == "Omdøbt"
    assert saved.sequence == 2
    change = db.session.scalars(select(MeetingChange).where(MeetingChange.meeting_id == meeting.id)
                                .order_by(MeetingChange.id.desc())).first()
    assert "title" not in change.changes  # the history does not claim the title went back
