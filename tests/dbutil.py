"""Helpers for test databases: a fresh PostgreSQL database per use, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import make_url


def postgres_server_url() -> str:
    """TEST_DATABASE_URL as a psycopg 3 URL; skips (a failure under --fail-on-skip) when unset."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to test against")
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    return str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty database on the test server, yield its URL, drop it afterwards.

    Each test session (and each helper that asks) gets its own database, so parallel runs
    on the same server never see each other's rows.
    """
    import psycopg

    server = make_url(postgres_server_url())
    name = f"kk_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
