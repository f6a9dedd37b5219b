"""The Kaffeklub application factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from config import BASE_DIR, CONFIGS, Config, config_class, from_env

TEMPLATE_DIR = BASE_DIR / "templates"


def create_app(config: type[Config] | str | None = None, **overrides: Any) -> Flask:
    """Build the app from a config class or its name ("development", "testing", "production");
    by default the one named by KAFFEKLUB_ENV (development). The class gives the defaults, the
    environment (and `.env`) is read here (config.from_env), keyword overrides win."""
    app = Flask(__name__, template_folder=str(TEMPLATE_DIR), instance_path=str(BASE_DIR / "instance"))
    if isinstance(config, str):
        config = CONFIGS[config]
    elif not isinstance(config, type):
        config = config_class()
    app.config.from_object(config)
    app.config.update(from_env(config))  # the environment is read now, not when config.py is imported
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set (environment variable or .env)")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("TRUST_PROXY_HOPS"):
        # Rate limits and https redirects need the client's address and scheme, not the proxy's.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUST_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    register_extensions(app)
    register_input_guard(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    from app.server_header import hide_server_header

    hide_server_header()  # the development server names no software (gunicorn: gunicorn.conf.py)
    if not app.debug and not app.testing:
        app.logger.setLevel(logging.INFO)
    return app


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (registers the tables on the metadata)
    from app.extensions import (
        api,
        babel,
        bootstrap,
        csrf,
        db,
        limiter,
        login_manager,
        mail,
        migrate,
        talisman,
    )
    from app.i18n import network_timezone, select_locale

    app.config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    mail.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=network_timezone)
    from app.forms_i18n import install as install_form_translations

    install_form_translations()  # WTForms' own messages from our catalogs (it has no Danish)
    bootstrap.init_app(app)
    limiter.init_app(app)
    api.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from datetime import timedelta

    app.config.setdefault(
        "REMEMBER_COOKIE_DURATION", timedelta(days=app.config["REMEMBER_COOKIE_DURATION_DAYS"])
    )

    from app.auth.sessions import load_member

    # The id Flask-Login keeps (session and remember cookie) is a login's token: app/auth/sessions.py.
    login_manager.user_loader(load_member)

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")

    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["HSTS"],
        strict_transport_security_max_age=31536000,
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        frame_options="DENY",
        content_security_policy={
            "default-src": "'self'",
            "img-src": ["'self'", "data:"],
            "style-src": "'self'",
            "script-src": "'self'",
            "font-src": ["'self'", "data:"],
            "object-src": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        },
        referrer_policy="strict-origin-when-cross-origin",
    )


def register_input_guard(app: Flask) -> None:
    """Ids in URLs only within the database's integer range (a bigger one is a 404), and no NUL
    bytes or lone surrogates from paths or query strings (app/input_guard.py). Before the blueprints,
    so their `<int:...>` rules use the bounded converter."""
    from app.input_guard import DatabaseIntConverter, refuse_unstorable_request

    app.url_map.converters["int"] = DatabaseIntConverter
    app.before_request(refuse_unstorable_request)


def register_blueprints(app: Flask) -> None:
    from app.api import register_api
    from app.auth.routes import bp as auth_bp
    from app.groups.routes import bp as groups_bp
    from app.main.routes import bp as main_bp
    from app.meetings.routes import bp as meetings_bp
    from app.members.routes import bp as members_bp
    from app.settings.routes import bp as settings_bp
    from app.tokens.routes import bp as tokens_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(settings_bp)
    from app.mail.admin_routes import bp as mail_admin_bp

    app.register_blueprint(mail_admin_bp)
    from app.rsvp import init_app as init_rsvp

    init_rsvp(app)
    from app.calendars import init_app as init_calendars

    init_calendars(app)
    from app.inbound import init_app as init_inbound

    init_inbound(app)
    from app.checkin import init_app as init_checkin
    from app.connections import init_app as init_connections
    from app.seating import init_app as init_seating

    init_checkin(app)
    init_seating(app)
    init_connections(app)
    from app.asks import init_app as init_asks
    from app.ledger import init_app as init_ledger

    init_asks(app)
    init_ledger(app)
    from app.privacy import init_app as init_privacy
    from app.profiles import init_app as init_profiles
    from app.public import init_app as init_public

    init_profiles(app)
    init_public(app)
    init_privacy(app)
    if app.config.get("DEV_MAIL_PAGE"):
        from app.mail.routes import bp as devmail_bp

        app.register_blueprint(devmail_bp)
    register_api(app)


def register_errorhandlers(app: Flask) -> None:
    from app.errors import register_errorhandlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from app.models import NetworkSettings

    @app.context_processor
    def inject_locale():
        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}

    app.jinja_env.globals.update(
        has_endpoint=lambda endpoint: endpoint in app.view_functions,
        network=NetworkSettings.current,  # called by the template, so only pages that show it query
    )
    from app.templating import register_template_filters

    register_template_filters(app)  # dates in a zone, agendas: app/templating.py
    from app.auth.viewers import register_template_globals

    register_template_globals(app)  # visible_meeting_fields / visible_member_fields


def register_commands(app: Flask) -> None:
    from app.cli import register_commands as register

    register(app)
