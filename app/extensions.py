"""Every Flask extension object lives here, created unbound and initialised in create_app."""

from __future__ import annotations

import sqlite3

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@event.listens_for(Engine, "connect")
def _sqlite_wal(dbapi_connection, connection_record) -> None:
    """SQLite files use the write-ahead log: readers and the writer no longer block each other,
    and a commit is one append to the log (with synchronous=FULL, the default kept here, still
    durable at commit). The outbox worker relies on it to store "sent" cheaply after each message
    (see app/mail/outbox.py). The mode is stored in the file; a database that is busy at the
    moment keeps its mode and gets WAL from a later connection. In-memory databases ignore it."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    try:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:  # locked by another connection right now
        pass


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
bootstrap = Bootstrap5()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class AppTalisman(Talisman):
    """Talisman with the Referrer-Policy settable per view, like its other per-view options:
    `@talisman(referrer_policy="no-referrer")` on a view whose URL carries a secret (a private feed)."""

    def _set_referrer_policy_headers(self, headers):
        headers["Referrer-Policy"] = (self._get_local_options().get("referrer_policy")
                                      or self.referrer_policy)


talisman = AppTalisman()
api = Api()
