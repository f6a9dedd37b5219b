"""Configuration classes, read from the environment (and `.env` when present)."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

load_dotenv(BASE_DIR / ".env")


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'kaffeklub.db'}")
    # Hosting providers hand out postgres:// URLs; SQLAlchemy wants the psycopg 3 driver named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Public base address used in links inside emails sent from the command line.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Language and time.
    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = {"da": "Dansk", "en": "English"}

    # Mail. With no MAIL_SERVER the outbox is captured and shown at /dev/mail (development only).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "kaffeklub@localhost")
    # A failing message is retried (backoff doubling from OUTBOX_BACKOFF_SECONDS, at most
    # OUTBOX_MAX_BACKOFF_SECONDS) until it has failed for OUTBOX_GIVE_UP_AFTER_HOURS; a 5xx refusal
    # fails it at once. OUTBOX_MAX_ATTEMPTS > 0 adds a limit by count (0: none).
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "0"))
    OUTBOX_BACKOFF_SECONDS = int(os.environ.get("OUTBOX_BACKOFF_SECONDS", "60"))
    OUTBOX_MAX_BACKOFF_SECONDS = int(os.environ.get("OUTBOX_MAX_BACKOFF_SECONDS", "3600"))
    OUTBOX_GIVE_UP_AFTER_HOURS = float(os.environ.get("OUTBOX_GIVE_UP_AFTER_HOURS", "48"))
    # How long a worker's claim on a message lasts: a worker that dies mid-send leaves its message
    # to be sent again after this. Longer than a slow SMTP exchange (several OUTBOX_SMTP_TIMEOUTs).
    OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "600"))
    OUTBOX_SMTP_TIMEOUT = int(os.environ.get("OUTBOX_SMTP_TIMEOUT", "60"))

    # Login.
    LOGIN_LINK_MINUTES = 15
    WELCOME_LINK_DAYS = 7
    REMEMBER_COOKIE_DURATION_DAYS = 30  # also the server-side end of a remembered login
    # A login without "remember me" ends on the server after this long without a request.
    SESSION_IDLE_HOURS = int(os.environ.get("SESSION_IDLE_HOURS", "12"))
    # Setting or changing the password without the current one needs a login this recent.
    FRESH_LOGIN_MINUTES = int(os.environ.get("FRESH_LOGIN_MINUTES", "10"))
    # At most this many login mails per address per window; further requests send nothing.
    LOGIN_MAILS_PER_ADDRESS = int(os.environ.get("LOGIN_MAILS_PER_ADDRESS", "5"))
    LOGIN_MAIL_WINDOW_MINUTES = int(os.environ.get("LOGIN_MAIL_WINDOW_MINUTES", "60"))
    # Wrong passwords per address and client: this many are free, then each further one doubles
    # the wait (from PASSWORD_BACKOFF_SECONDS up to PASSWORD_BACKOFF_MAX_SECONDS).
    PASSWORD_FREE_FAILURES = int(os.environ.get("PASSWORD_FREE_FAILURES", "5"))
    PASSWORD_BACKOFF_SECONDS = int(os.environ.get("PASSWORD_BACKOFF_SECONDS", "30"))
    PASSWORD_BACKOFF_MAX_SECONDS = int(os.environ.get("PASSWORD_BACKOFF_MAX_SECONDS", "900"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # Rate limits (Flask-Limiter). Use a shared store (e.g. redis://) with several workers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT_PER_IP = os.environ.get("LOGIN_RATE_LIMIT_PER_IP", "30 per 15 minutes")
    # Failed API token authentications per client address before every token request gets 429.
    API_TOKEN_FAILURE_LIMIT = os.environ.get("API_TOKEN_FAILURE_LIMIT", "20 per 10 minutes")

    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0 = none, trust nothing).
    TRUST_PROXY_HOPS = int(os.environ.get("TRUST_PROXY_HOPS", "0"))

    # Security headers.
    FORCE_HTTPS = False
    HSTS = False

    # JSON API (flask-smorest).
    API_TITLE = "Kaffeklub API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    # Development helpers.
    DEV_MAIL_PAGE = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session


class DevelopmentConfig(Config):
    DEBUG = True
    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"
    DEV_MAIL_PAGE = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 (tests only)
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    MAIL_SERVER = ""
    MAIL_DEFAULT_SENDER = "Kaffeklub <kaffeklub@example.test>"
    BASE_URL = "http://localhost"
    SERVER_NAME = None
    RATELIMIT_STORAGE_URI = "memory://"
    OUTBOX_BACKOFF_SECONDS = 0
    DEV_MAIL_PAGE = True
    # Most web tests post forms without a token; tests/web/test_csrf.py turns it on and checks
    # that every form refuses a post without one.
    WTF_CSRF_ENABLED = False


class ProductionConfig(Config):
    FORCE_HTTPS = _bool("FORCE_HTTPS", True)
    HSTS = True
    SESSION_COOKIE_SECURE = _bool("FORCE_HTTPS", True)
    REMEMBER_COOKIE_SECURE = _bool("FORCE_HTTPS", True)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
