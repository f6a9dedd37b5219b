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
    parser.addoption(
        "--backends",
        default=os.environ.get("KAFFEKLUB_TEST_BACKENDS", ",".join(BACKENDS)),
        help="comma-separated database backends to test the app on (default: sqlite,postgresql); "
        "`--backends sqlite` also leaves out the tests marked `postgres`",
    )


def _chosen_backends(config) -> set[str]:
    chosen = {b.strip() for b in config.getoption("--backends").split(",") if b.strip()}
    unknown = chosen - set(BACKENDS)
    if unknown or not chosen:
        raise pytest.UsageError(f"--backends: choose from {', '.join(BACKENDS)} (got {sorted(unknown)})")
    return chosen


@pytest.hookimpl(tryfirst=True)  # before `-m` reads the markers added here
def pytest_collection_modifyitems(config, items):
    """`--backends sqlite`: leave out the PostgreSQL variants and the `postgres`-marked tests; the
    SQLite variants of `postgres_only` tests are always left out.

    Every PostgreSQL variant gets the `postgres` marker, so `-m "not postgres"` does the same."""
    chosen = _chosen_backends(config)
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec else None
        if backend == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if (backend and backend not in chosen) or (
            "postgresql" not in chosen and item.get_closest_marker("postgres")
        ) or (backend == "sqlite" and item.get_closest_marker("postgres_only")):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "postgres_only: a test on the `app` fixture that needs PostgreSQL (row locks "
        "with threads, advisory locks): its SQLite variant is left out, not skipped",
    )
    config.addinivalue_line(
        "markers", "own_app: the test changes the app beyond its config (e.g. adds a route), so it "
        "gets an app built for it alone instead of the session's shared one",
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

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session", params=BACKENDS)
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


def build_app(database_url: str, smtp_port: int, **overrides):
    """An app as the `app` fixture builds it (testing config, this backend's database, the test
    SMTP server). For a test that needs an app of its own: see the `make_app` fixture."""
    app = create_app(
        "testing",
        **{"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port,
           **overrides},
    )
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def _session_app(database_url, _smtp_server):
    """One app per backend for the whole session (building one, with its OpenAPI document, costs
    about 0.2 s); the schema is created once, and tests are isolated by emptying the tables."""
    app = build_app(database_url, _smtp_server.port)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(request, _session_app, database_url, _smtp_server):
    """The backend's app, with an app context pushed; afterwards its tables are emptied, its
    config is as before, and the rate limiter's counts are forgotten.

    A test marked `@pytest.mark.own_app` (one that adds routes or otherwise changes the app
    beyond its config) gets a freshly built app on the same database instead."""
    own = request.node.get_closest_marker("own_app") is not None
    # Flask extensions are module-level objects, and some keep the last app's settings on
    # themselves (Talisman's force_https, the limiter's storage, the API's spec): a test that
    # builds a production app must not leave them to the shared app's later tests.
    extensions = {ext: dict(vars(ext)) for ext in _shared_extensions()}
    app = build_app(database_url, _smtp_server.port) if own else _session_app
    config = dict(app.config)
    limiter.reset()
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        if own:
            db.engine.dispose()
        ctx.pop()
        app.config.clear()
        app.config.update(config)
        for ext, attributes in extensions.items():
            vars(ext).clear()
            vars(ext).update(attributes)
        limiter.reset()


def _shared_extensions() -> tuple:
    from app import extensions

    return (extensions.api, extensions.babel, extensions.bootstrap, extensions.csrf, extensions.limiter,
            extensions.login_manager, extensions.mail, extensions.migrate, extensions.talisman)


@pytest.fixture
def make_app(app, database_url, _smtp_server):
    """make_app(**config): a new app on the same database as `app`, built with these config
    values (for settings read only while the app is built). Its tables are emptied with `app`'s."""
    made = []

    def make(**overrides):
        made.append(build_app(database_url, _smtp_server.port, **overrides))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


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


@pytest.fixture
def world(app):
    """One person per role and a public and a private group: tests/factories.py World
    (admin, organizer, member, other, outsider; `public`, `private`)."""
    from tests.factories import build_world

    return build_world()
