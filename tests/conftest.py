"""Fixtures: app on SQLite and PostgreSQL, client, runner, login helper, a real SMTP server.

Every test that uses `app` runs once per database backend. The PostgreSQL variant needs
TEST_DATABASE_URL; without it the test is skipped, and `--fail-on-skip` (what CI uses) turns
such skips into failures.
"""

from __future__ import annotations

import contextvars
import os

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.extensions import db, limiter
from tests.dbutil import fresh_postgres_database
from tests.smtp import SMTPServer


def pytest_addoption(parser):
    parser.addoption(
        "--fail-on-skip",
        action="store_true",
        default=os.environ.get("KAFFEKLUB_FAIL_ON_SKIP") == "1",
        help="report a skipped test (e.g. missing PostgreSQL or Chromium) as a failure",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and item.config.getoption("--fail-on-skip"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, and --fail-on-skip is set: {reason}"


# --- the SMTP server -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def _smtp_server():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(_smtp_server):
    """A real SMTP server (aiosmtpd); `.sink.messages` holds what it accepted in this test."""
    _smtp_server.sink.clear()
    yield _smtp_server
    _smtp_server.sink.clear()


# --- databases -------------------------------------------------------------------------------

_SCHEMA_READY: set[str] = set()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """One database per backend for the whole session; tables are emptied after each test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, so it gets its own database session.

    Without this, a request would share the test's session and a service that forgot to
    commit would look as if it had. After each request the test's own objects are expired,
    so reading them again shows what is in the database.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        from flask import has_app_context

        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture
def app(database_url, _smtp_server):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=_smtp_server.port,
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        if database_url not in _SCHEMA_READY:
            db.drop_all()
            db.create_all()
            _SCHEMA_READY.add(database_url)
    limiter.reset()
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.rollback()
    _empty_all_tables()
    db.session.remove()
    db.engine.dispose()
    ctx.pop()
    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """login(member): make the test client's session belong to `member` (skips the mail link)."""

    def do_login(member, *, test_client=None):
        from app.auth.sessions import create_session

        target = test_client or client
        _, token = create_session(member, remember=False)  # a real login record (app/auth/sessions.py)
        db.session.commit()
        with target.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        return member

    return do_login


@pytest.fixture
def english(app, client, monkeypatch):
    """Run the test in English: the network's default language and new members' language are
    English, and `client` has chosen English. (The product's default is Danish.)

    Modules whose assertions read English page text use this; tests/web/test_locale_pages.py
    checks the Danish default itself."""
    from app.models import NetworkSettings
    from tests import factories

    monkeypatch.setattr(factories, "DEFAULT_LANGUAGE", "en")
    NetworkSettings.get().default_language = "en"
    db.session.commit()
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client
