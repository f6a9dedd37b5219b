"""Configuration: classes hold the defaults; `from_env()` reads the environment (and `.env`) when
an app is created (`create_app`), not when this module is imported, so a test can set a variable
and create an app."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEFAULT_DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'kaffeklub.db'}"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _optional(value: str) -> str | None:
    return value or None


def _optional_int(value: str) -> int | None:
    return int(value) if value.strip() else None


def database_url(url: str) -> str:
    """Hosting providers hand out postgres:// URLs; SQLAlchemy wants the psycopg 3 driver named."""
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    SECRET_KEY = ""
    SQLALCHEMY_DATABASE_URI = DEFAULT_DATABASE_URL
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Public base address used in links inside emails sent from the command line.
    BASE_URL = "http://127.0.0.1:5000"
    # The domain of calendar UIDs (meeting-<id>@<domain>); empty: the host of BASE_URL. Set it once.
    MAIL_DOMAIN = ""

    # Language and time.
    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = {"da": "Dansk", "en": "English"}

    # Mail. With no MAIL_SERVER the outbox is captured and shown at /dev/mail (development only).
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "kaffeklub@localhost"
    # A failing message is retried (backoff doubling from OUTBOX_BACKOFF_SECONDS, at most
    # OUTBOX_MAX_BACKOFF_SECONDS) until it has failed for OUTBOX_GIVE_UP_AFTER_HOURS; a 5xx refusal
    # fails it at once. OUTBOX_MAX_ATTEMPTS > 0 adds a limit by count (0: none).
    OUTBOX_MAX_ATTEMPTS = 0
    OUTBOX_BACKOFF_SECONDS = 60
    OUTBOX_MAX_BACKOFF_SECONDS = 3600
    OUTBOX_GIVE_UP_AFTER_HOURS = 48.0
    # How long a worker's claim on a message lasts: a worker that dies mid-send leaves its message
    # to be sent again after this. Longer than a slow SMTP exchange (several OUTBOX_SMTP_TIMEOUTs).
    OUTBOX_LEASE_SECONDS = 600
    OUTBOX_SMTP_TIMEOUT = 60

    # Calendar mail (docs/calendars.md). Invitations, updates and cancellations come From the reply
    # address and name it as the ORGANIZER: CALENDAR_REPLY_ADDRESS, else "svar@<MAIL_DOMAIN>", else
    # the network's sender address. With CALENDAR_REPLY_TOKENS each invitation gets its own address
    # with a signed token (svar+TOKEN@...); turn it off only where the mail server cannot deliver
    # plus-addresses (then replies are matched by UID and attendee alone, which can be forged).
    CALENDAR_REPLY_ADDRESS = ""
    CALENDAR_REPLY_TOKENS = True
    # Edits to a meeting within this many minutes become one update per person.
    CALENDAR_UPDATE_DELAY_MINUTES = 5
    # Private member feeds: failed token lookups per client address before its feed requests get 429.
    CALENDAR_FEED_FAILURE_LIMIT = "30 per 10 minutes"
    # Inbound mail (flask mail ingest/receive/fetch): bigger messages are refused; at most
    # INBOUND_KEEP_BYTES of each message is kept for an admin to look at.
    INBOUND_MAX_BYTES = 10_000_000
    INBOUND_KEEP_BYTES = 1_000_000
    # `flask mail receive`: where the SMTP/LMTP receiver listens.
    INBOUND_LISTEN_HOST = "127.0.0.1"
    INBOUND_LISTEN_PORT = 2525
    # `flask mail fetch`: the IMAP mailbox replies are delivered to.
    IMAP_HOST = ""
    IMAP_PORT = 993
    IMAP_SSL = True
    IMAP_USERNAME: str | None = None
    IMAP_PASSWORD: str | None = None
    IMAP_MAILBOX = "INBOX"

    # Who met whom (app.checkin, app.seating, app.connections).
    # A meeting that ended this many hours ago is closed by `flask meetings send-due` if no organizer
    # closed it: no-shows are marked and encounters recorded.
    MEETING_AUTO_CLOSE_HOURS = 12
    # Self check-in by the meeting's QR code works from this many minutes before the meeting starts
    # (or its doors open) until this many minutes after it ends.
    SELF_CHECKIN_MINUTES_BEFORE = 90
    SELF_CHECKIN_MINUTES_AFTER = 60
    # How long the seating planner may search when an organizer presses "Plan the tables".
    SEATING_SECONDS = 3.0
    # A bound on the planner's iterations as well (None: only the time bound). With it, a plan depends
    # only on its seed, not on how busy the machine is: the tests set it.
    SEATING_MAX_ITERATIONS: int | None = None

    # Directory, public pages and privacy (app.profiles, app.public, app.privacy; docs/privacy.md).
    # Profile photos are stored here, outside the code tree (empty: <instance>/photos).
    PHOTO_DIR = ""
    # An uploaded photo larger than this is refused before it is decoded.
    PHOTO_MAX_BYTES = 10_000_000
    # How long public pages and the public JSON may be cached (Cache-Control max-age, seconds).
    PUBLIC_CACHE_SECONDS = 300
    # Who may show the embeddable pages (/embed/...) in an iframe: CSP frame-ancestors sources,
    # space-separated, e.g. "https://www.netvaerk.dk"; "*" allows any site. Other pages: nobody.
    EMBED_FRAME_ANCESTORS = "*"
    # `flask privacy purge` (cron, daily) deletes what is kept no longer than needed:
    OUTBOX_BODY_RETENTION_DAYS = 90  # bodies of sent (or given-up) mails
    LOGIN_RECORD_RETENTION_DAYS = 30  # used or expired login links, login attempts, ended sessions
    INBOUND_RETENTION_DAYS = 30  # raw inbound mails (calendar replies)
    VISITOR_REQUEST_RETENTION_DAYS = 180  # "kom som gæst / bliv medlem" requests
    # The visitor form (app.public.visitors): posts per client address, and how old the form must
    # be (a bot posts at once) and may be (its signed time token expires).
    VISITOR_RATE_LIMIT_PER_IP = "5 per 10 minutes"
    VISITOR_FORM_MIN_SECONDS = 3
    VISITOR_FORM_MAX_SECONDS = 86400

    # Login.
    LOGIN_LINK_MINUTES = 15
    WELCOME_LINK_DAYS = 7
    REMEMBER_COOKIE_DURATION_DAYS = 30  # also the server-side end of a remembered login
    # A login without "remember me" ends on the server after this long without a request.
    SESSION_IDLE_HOURS = 12
    # Setting or changing the password without the current one needs a login this recent.
    FRESH_LOGIN_MINUTES = 10
    # At most this many login mails per address per window; further requests send nothing.
    LOGIN_MAILS_PER_ADDRESS = 5
    LOGIN_MAIL_WINDOW_MINUTES = 60
    # Wrong passwords per address and client: this many are free, then each further one doubles
    # the wait (from PASSWORD_BACKOFF_SECONDS up to PASSWORD_BACKOFF_MAX_SECONDS).
    PASSWORD_FREE_FAILURES = 5
    PASSWORD_BACKOFF_SECONDS = 30
    PASSWORD_BACKOFF_MAX_SECONDS = 900
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # Group invitations can be accepted for this many days.
    GROUP_INVITATION_DAYS = 14

    # Rate limits (Flask-Limiter). Use a shared store (e.g. redis://) with several workers.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT_PER_IP = "30 per 15 minutes"
    # Failed API token authentications per client address before every token request gets 429.
    API_TOKEN_FAILURE_LIMIT = "20 per 10 minutes"  # noqa: S105 (a rate, not a password)

    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0 = none, trust nothing).
    TRUST_PROXY_HOPS = 0

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

    # Environment variables this configuration does not take (the class fixes the value).
    ENV_IGNORED: frozenset[str] = frozenset({"FORCE_HTTPS"})
    # Used when neither the class nor the environment gives a SECRET_KEY (development only).
    FALLBACK_SECRET_KEY = ""


class DevelopmentConfig(Config):
    DEBUG = True
    FALLBACK_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 (development only)
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
    # What the tests fix stays fixed whatever the environment of the machine running them says.
    ENV_IGNORED = frozenset({
        "FORCE_HTTPS", "SECRET_KEY", "DATABASE_URL", "MAIL_SERVER", "MAIL_DEFAULT_SENDER",
        "BASE_URL", "RATELIMIT_STORAGE_URI", "OUTBOX_BACKOFF_SECONDS", "MAIL_DOMAIN",
    })


class ProductionConfig(Config):
    FORCE_HTTPS = True
    HSTS = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    ENV_IGNORED = frozenset()


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

# Environment variable -> (config keys it sets, how its text is read).
ENV_SETTINGS: dict[str, tuple[tuple[str, ...], Callable[[str], Any]]] = {
    "SECRET_KEY": (("SECRET_KEY",), str),
    "DATABASE_URL": (("SQLALCHEMY_DATABASE_URI",), database_url),
    "BASE_URL": (("BASE_URL",), str),
    "MAIL_DOMAIN": (("MAIL_DOMAIN",), str),
    "MAIL_SERVER": (("MAIL_SERVER",), str),
    "MAIL_PORT": (("MAIL_PORT",), int),
    "MAIL_USE_TLS": (("MAIL_USE_TLS",), _bool),
    "MAIL_USE_SSL": (("MAIL_USE_SSL",), _bool),
    "MAIL_USERNAME": (("MAIL_USERNAME",), _optional),
    "MAIL_PASSWORD": (("MAIL_PASSWORD",), _optional),
    "MAIL_DEFAULT_SENDER": (("MAIL_DEFAULT_SENDER",), str),
    "OUTBOX_MAX_ATTEMPTS": (("OUTBOX_MAX_ATTEMPTS",), int),
    "OUTBOX_BACKOFF_SECONDS": (("OUTBOX_BACKOFF_SECONDS",), int),
    "OUTBOX_MAX_BACKOFF_SECONDS": (("OUTBOX_MAX_BACKOFF_SECONDS",), int),
    "OUTBOX_GIVE_UP_AFTER_HOURS": (("OUTBOX_GIVE_UP_AFTER_HOURS",), float),
    "OUTBOX_LEASE_SECONDS": (("OUTBOX_LEASE_SECONDS",), int),
    "OUTBOX_SMTP_TIMEOUT": (("OUTBOX_SMTP_TIMEOUT",), int),
    "CALENDAR_REPLY_ADDRESS": (("CALENDAR_REPLY_ADDRESS",), str),
    "CALENDAR_REPLY_TOKENS": (("CALENDAR_REPLY_TOKENS",), _bool),
    "CALENDAR_UPDATE_DELAY_MINUTES": (("CALENDAR_UPDATE_DELAY_MINUTES",), int),
    "CALENDAR_FEED_FAILURE_LIMIT": (("CALENDAR_FEED_FAILURE_LIMIT",), str),
    "INBOUND_MAX_BYTES": (("INBOUND_MAX_BYTES",), int),
    "INBOUND_KEEP_BYTES": (("INBOUND_KEEP_BYTES",), int),
    "INBOUND_LISTEN_HOST": (("INBOUND_LISTEN_HOST",), str),
    "INBOUND_LISTEN_PORT": (("INBOUND_LISTEN_PORT",), int),
    "IMAP_HOST": (("IMAP_HOST",), str),
    "IMAP_PORT": (("IMAP_PORT",), int),
    "IMAP_SSL": (("IMAP_SSL",), _bool),
    "IMAP_USERNAME": (("IMAP_USERNAME",), _optional),
    "IMAP_PASSWORD": (("IMAP_PASSWORD",), _optional),
    "IMAP_MAILBOX": (("IMAP_MAILBOX",), str),
    "MEETING_AUTO_CLOSE_HOURS": (("MEETING_AUTO_CLOSE_HOURS",), int),
    "SELF_CHECKIN_MINUTES_BEFORE": (("SELF_CHECKIN_MINUTES_BEFORE",), int),
    "SELF_CHECKIN_MINUTES_AFTER": (("SELF_CHECKIN_MINUTES_AFTER",), int),
    "SEATING_SECONDS": (("SEATING_SECONDS",), float),
    "SEATING_MAX_ITERATIONS": (("SEATING_MAX_ITERATIONS",), _optional_int),
    "REMEMBER_COOKIE_DURATION_DAYS": (("REMEMBER_COOKIE_DURATION_DAYS",), int),
    "PHOTO_DIR": (("PHOTO_DIR",), str),
    "PHOTO_MAX_BYTES": (("PHOTO_MAX_BYTES",), int),
    "PUBLIC_CACHE_SECONDS": (("PUBLIC_CACHE_SECONDS",), int),
    "EMBED_FRAME_ANCESTORS": (("EMBED_FRAME_ANCESTORS",), str),
    "OUTBOX_BODY_RETENTION_DAYS": (("OUTBOX_BODY_RETENTION_DAYS",), int),
    "LOGIN_RECORD_RETENTION_DAYS": (("LOGIN_RECORD_RETENTION_DAYS",), int),
    "INBOUND_RETENTION_DAYS": (("INBOUND_RETENTION_DAYS",), int),
    "VISITOR_REQUEST_RETENTION_DAYS": (("VISITOR_REQUEST_RETENTION_DAYS",), int),
    "VISITOR_RATE_LIMIT_PER_IP": (("VISITOR_RATE_LIMIT_PER_IP",), str),
    "VISITOR_FORM_MIN_SECONDS": (("VISITOR_FORM_MIN_SECONDS",), int),
    "VISITOR_FORM_MAX_SECONDS": (("VISITOR_FORM_MAX_SECONDS",), int),
    "SESSION_IDLE_HOURS": (("SESSION_IDLE_HOURS",), int),
    "FRESH_LOGIN_MINUTES": (("FRESH_LOGIN_MINUTES",), int),
    "LOGIN_MAILS_PER_ADDRESS": (("LOGIN_MAILS_PER_ADDRESS",), int),
    "LOGIN_MAIL_WINDOW_MINUTES": (("LOGIN_MAIL_WINDOW_MINUTES",), int),
    "PASSWORD_FREE_FAILURES": (("PASSWORD_FREE_FAILURES",), int),
    "PASSWORD_BACKOFF_SECONDS": (("PASSWORD_BACKOFF_SECONDS",), int),
    "PASSWORD_BACKOFF_MAX_SECONDS": (("PASSWORD_BACKOFF_MAX_SECONDS",), int),
    "GROUP_INVITATION_DAYS": (("GROUP_INVITATION_DAYS",), int),
    "RATELIMIT_STORAGE_URI": (("RATELIMIT_STORAGE_URI",), str),
    "LOGIN_RATE_LIMIT_PER_IP": (("LOGIN_RATE_LIMIT_PER_IP",), str),
    "API_TOKEN_FAILURE_LIMIT": (("API_TOKEN_FAILURE_LIMIT",), str),
    "TRUST_PROXY_HOPS": (("TRUST_PROXY_HOPS",), int),
    "FORCE_HTTPS": (("FORCE_HTTPS", "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"), _bool),
}


def environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment over the project's `.env` file (a variable set in the process wins)."""
    values = {k: v for k, v in dotenv_values(BASE_DIR / ".env").items() if v is not None}
    values.update(os.environ if environ is None else environ)
    return values


def config_class(name: str | None = None, environ: Mapping[str, str] | None = None) -> type[Config]:
    """The class named `name`, else by KAFFEKLUB_ENV (development)."""
    name = name or environment(environ).get("KAFFEKLUB_ENV", "development")
    return CONFIGS.get(name, DevelopmentConfig)


def from_env(config: type[Config], environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings the environment gives for `config` (called by create_app). A value that cannot
    be read (e.g. MAIL_PORT=abc) stops the start with a message naming the variable."""
    values = environment(environ)
    settings: dict[str, Any] = {}
    for variable, (keys, parse) in ENV_SETTINGS.items():
        if variable in getattr(config, "ENV_IGNORED", ()) or variable not in values:
            continue
        try:
            value = parse(values[variable])
        except ValueError as error:
            raise RuntimeError(f"{variable}={values[variable]!r} is not valid: {error}") from None
        settings.update(dict.fromkeys(keys, value))
    if not settings.get("SECRET_KEY", getattr(config, "SECRET_KEY", "")):
        settings["SECRET_KEY"] = getattr(config, "FALLBACK_SECRET_KEY", "")
    return settings
