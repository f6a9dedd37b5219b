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


def _check_migrations(url: str) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
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
