"""Row locks for use cases that change contended rows (meetings now, sign-ups and seats next).

A use case that changes a row loads it itself, under a lock, instead of trusting an object loaded
earlier in the request:

    begin_write()                                   # first, before the row is read
    meeting = db.session.scalar(lock_for_update(select(Meeting).where(Meeting.id == meeting_id)))

- PostgreSQL: `lock_for_update` adds `FOR UPDATE`; a second transaction that wants the same row waits
  until the first commits or rolls back, then reads the row as the first left it (READ COMMITTED).
  Lock several rows in one statement ordered by id, so two transactions never wait on each other
  in a circle.
- SQLite has no row locks; `begin_write` starts the transaction with `BEGIN IMMEDIATE`, which takes
  the database's write lock at once, so the row read next cannot be changed by another connection
  before this transaction ends (others wait up to the driver's busy timeout). On PostgreSQL it does
  nothing. Call it before the first read of the use case's transaction; if the transaction has
  written already it holds the write lock and `begin_write` leaves it be.
- `populate_existing` is set, so an object the request loaded before is refreshed with the locked
  row's values (an edit merges onto what is in the database now, not onto what the form was built
  from).

Counters (`Meeting.sequence`) are incremented in SQL (`sequence = sequence + 1`), never read and
written back from Python.

Tests: with TESTING on, `ROW_LOCK_TEST_HOLD = <key>` makes each transaction wait, right after taking
its lock, for the PostgreSQL advisory lock <key> (an int) or for an exclusive `flock` on the file
<key> (a path, for SQLite), both held by the test, so a test can make two requests overlap for
certain; `ROW_LOCK_TEST_ARRIVED_FILE = <path>` appends a line to that file when a transaction is
about to ask for the write lock; `ROW_LOCKS_DISABLED_FOR_TESTS = True` turns the locks off to show
what goes wrong without them. All are ignored unless the app is testing.
"""

from __future__ import annotations

import os

from flask import current_app, has_app_context
from sqlalchemy import Select, text
from sqlalchemy.orm import Session

from app.extensions import db


def _testing(key: str):
    if not has_app_context() or not current_app.testing:
        return None
    return current_app.config.get(key)


def _session(session: Session | None) -> Session:
    return session if session is not None else db.session


def lock_for_update(stmt: Select, of=None) -> Select:
    """`stmt` as `SELECT ... FOR UPDATE [OF of]` (PostgreSQL; SQLite ignores it, see `begin_write`),
    refreshing objects already in the session.

    Pass `of` (the model whose rows to lock) when the model eager-loads relationships through
    outer joins: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join."""
    stmt = stmt.execution_options(populate_existing=True)
    if _testing("ROW_LOCKS_DISABLED_FOR_TESTS"):
        return stmt
    return stmt.with_for_update(of=of) if of is not None else stmt.with_for_update()


def begin_write(session: Session | None = None) -> None:
    """Make the current transaction a writing one from its start (SQLite: `BEGIN IMMEDIATE`)."""
    session = _session(session)
    arrived = _testing("ROW_LOCK_TEST_ARRIVED_FILE")
    if arrived:
        with open(arrived, "a") as marker:
            marker.write(f"{os.getpid()}\n")
    if _testing("ROW_LOCKS_DISABLED_FOR_TESTS"):
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if not raw.in_transaction:  # pysqlite begins lazily, before the first write; begin now instead
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def locked(session: Session | None = None) -> None:
    """Called right after a use case took its locks; a no-op outside tests (see the module doc)."""
    key = _testing("ROW_LOCK_TEST_HOLD")
    if key is None:
        return
    session = _session(session)
    if isinstance(key, str):
        import fcntl

        with open(key, "a") as hold:
            fcntl.flock(hold, fcntl.LOCK_EX)  # waits until the test lets go
            fcntl.flock(hold, fcntl.LOCK_UN)
    elif session.connection().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(key)})
