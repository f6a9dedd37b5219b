"""Migrations run from an empty database to head on SQLite and PostgreSQL and match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from tests.dbutil import fresh_postgres_database


def _same_server_default(context, inspected_column, metadata_column, inspected_default, metadata_default,
                         rendered_metadata_default):
    """Server defaults compared by their text ('member'::character varying on PostgreSQL, "''" on
    SQLite for the model's '')."""
    if inspected_default is None or rendered_metadata_default is None:
        return None  # Alembic's own comparison: one side has a default, the other not
    strip = lambda text: str(text).split("::")[0].strip("()").strip("'\"")  # noqa: E731
    return strip(inspected_default) != strip(rendered_metadata_default)


def _check_migrations(url: str) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": _same_server_default})
            diff = compare_metadata(context, db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            tables = set(inspect(connection).get_table_names())
        assert {"members", "groups", "memberships", "outbox_messages", "login_tokens", "api_tokens"} <= tables
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        upgrade()  # and back up again: downgrades leave nothing behind that blocks a re-run
        db.engine.dispose()


def test_migrations_from_empty_on_sqlite(tmp_path):
    _check_migrations(f"sqlite:///{tmp_path / 'migrate.db'}")


@pytest.mark.postgres
def test_migrations_from_empty_on_postgresql():
    with fresh_postgres_database() as url:
        _check_migrations(url)


# Rows as an existing installation has them at c6a1f0e2d103, written with raw SQL (the models
# already expect the newer schema). The member with 'da-DK' is from an old import.
_ROWS_AT_103 = [
    "INSERT INTO network_settings (id, name, default_timezone, default_language, country, sender_email,"
    " sender_name) VALUES (1, 'Net', 'Europe/Copenhagen', 'en', 'DK', 'a@example.test', 'Net')",
    "INSERT INTO members (id, email, name, phone, company, title, industry, bio, website, language,"
    " active, is_admin, created_at, updated_at) VALUES"
    " (1, 'a@example.test', 'Anna', '', 'Anna ApS', '', '', '', '', 'en', TRUE, TRUE, {now}, {now}),"
    " (2, 'b@example.test', 'Bo', '', '', '', '', '', '', 'da-DK', TRUE, FALSE, {now}, {now})",
    "INSERT INTO groups (id, slug, name, description, timezone, is_public, created_at) VALUES"
    " (1, 'vest', 'Vest', '', 'Europe/Copenhagen', FALSE, {now}),"
    " (2, 'oest', 'Øst', '', 'Europe/Copenhagen', FALSE, {now})",
    "INSERT INTO memberships (id, member_id, group_id, role, joined_at) VALUES"
    " (1, 1, 1, 'organizer', {now}), (2, 2, 1, 'member', {now})",
    "INSERT INTO meetings (id, group_id, title, starts_at, ends_at, venue_name, venue_address, online_url,"
    " guests_welcome, agenda, status, sequence, cancel_reason, created_at, updated_at) VALUES"
    " (1, 1, 'Breakfast', {now}, {later}, '', '', '', TRUE, '', 'cancelled', 2, 'Snow', {now}, {now})",
    "INSERT INTO meeting_changes (id, meeting_id, at, action, changes) VALUES (1, 1, {now}, 'moved', '{{}}')",
    "INSERT INTO outbox_messages (id, message_id, kind, sender, recipients, subject, raw, status, attempts,"
    " next_attempt_at, last_error, created_at, transport) VALUES"
    " (1, '<m1@example.test>', 'notice', 'a@example.test', 'b@example.test', 'Hi', 'raw', 'sent', 1,"
    " {now}, '', {now}, 'smtp')",
    "INSERT INTO login_attempts (id, kind, email, ip, succeeded, created_at) VALUES"
    " (1, 'password', 'a@example.test', '127.0.0.1', FALSE, {now})",
    "INSERT INTO meeting_series (id, group_id, title, rule, spec, starts_on, ends_on, start_time, end_time,"
    " timezone, skip_months, holiday_policy, holiday_country, created_at) VALUES (1, 1, 'Fridays',"
    " 'FREQ=WEEKLY;BYDAY=FR', '{{}}', '2026-01-02', '2026-12-25', '07:00:00', '09:00:00',"
    " 'Europe/Copenhagen', '[]', 'move', 'DK', {now})",
]

# Rows that leave out role and status: the database fills them in.
_DEFAULTED = [
    "INSERT INTO memberships (id, member_id, group_id, joined_at) VALUES (3, 2, 2, {now})",
    "INSERT INTO meetings (id, group_id, title, starts_at, ends_at, venue_name, venue_address, online_url,"
    " guests_welcome, agenda, sequence, cancel_reason, created_at, updated_at) VALUES"
    " (2, 1, 'Next', {now}, {later}, '', '', '', TRUE, '', 0, '', {now}, {now})",
]

_REFUSED = [
    "UPDATE meetings SET status = 'postponed' WHERE id = 1",
    "UPDATE memberships SET role = 'owner' WHERE id = 1",
    "UPDATE outbox_messages SET status = 'lost' WHERE id = 1",
    "UPDATE meeting_changes SET action = 'deleted' WHERE id = 1",
    "UPDATE login_attempts SET kind = 'magic' WHERE id = 1",
    "UPDATE meeting_series SET holiday_policy = 'maybe' WHERE id = 1",
    "UPDATE members SET language = 'xx' WHERE id = 1",
    "UPDATE network_settings SET default_language = 'xx' WHERE id = 1",
]


def _check_upgrade_keeps_data(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(revision="c6a1f0e2d103")
        now, later = "'2026-11-30 07:00:00'", "'2026-11-30 09:00:00'"
        with db.engine.begin() as connection:
            for statement in _ROWS_AT_103:
                connection.execute(text(statement.format(now=now, later=later)))
        upgrade()
        with db.engine.connect() as connection:
            rows = lambda sql: [tuple(row) for row in connection.execute(text(sql))]  # noqa: E731
            assert rows("SELECT id, language FROM members ORDER BY id") == [(1, "en"), (2, "da")]
            assert rows("SELECT default_language FROM network_settings") == [("en",)]
            assert rows("SELECT id, role FROM memberships ORDER BY id") == [(1, "organizer"), (2, "member")]
            assert rows("SELECT status, sequence, cancel_reason FROM meetings") == [("cancelled", 2, "Snow")]
            assert rows("SELECT action FROM meeting_changes") == [("moved",)]
            assert rows("SELECT status, attempts FROM outbox_messages") == [("sent", 1)]
            assert rows("SELECT kind FROM login_attempts") == [("password",)]
            assert rows("SELECT holiday_policy, title FROM meeting_series") == [("move", "Fridays")]
        for statement in _REFUSED:
            with pytest.raises(IntegrityError), db.engine.begin() as connection:
                connection.execute(text(statement))
        with db.engine.begin() as connection:  # the defaults are the database's own now
            for statement in _DEFAULTED:
                connection.execute(text(statement.format(now=now, later=later)))
            scalar = lambda sql: connection.execute(text(sql)).scalar()  # noqa: E731
            assert scalar("SELECT role FROM memberships WHERE id = 3") == "member"
            assert scalar("SELECT status FROM meetings WHERE id = 2") == "scheduled"
        # The constraints the models declare are the ones the migration made (compare_metadata
        # does not look at CHECK constraints).
        with db.engine.connect() as connection:
            inspector = inspect(connection)
            for table in db.metadata.sorted_tables:
                declared = {c.name for c in table.constraints if c.__class__.__name__ == "CheckConstraint"}
                declared |= {c.name for column in table.columns for c in column.constraints
                             if c.__class__.__name__ == "CheckConstraint"}
                present = {c["name"] for c in inspector.get_check_constraints(table.name)}
                assert declared <= present, (table.name, declared, present)
        downgrade(revision="c6a1f0e2d103")
        with db.engine.connect() as connection:  # the data survives the way down too
            assert connection.execute(text("SELECT count(*) FROM meetings")).scalar() == 2
        db.engine.dispose()


def test_upgrade_with_data_keeps_rows_and_adds_checks_on_sqlite(tmp_path):
    _check_upgrade_keeps_data(f"sqlite:///{tmp_path / 'migrate-data.db'}")


@pytest.mark.postgres
def test_upgrade_with_data_keeps_rows_and_adds_checks_on_postgresql():
    with fresh_postgres_database() as url:
        _check_upgrade_keeps_data(url)


def test_migrations_do_not_import_application_code():
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "migrations"
    for path in [folder / "env.py", *sorted((folder / "versions").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n == "app" or n.startswith(("app.", "config"))], path
    assert "import app" not in (folder / "script.py.mako").read_text(encoding="utf-8")
