"""Configuration is read when an app is created (create_app), not when config.py is imported."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import create_app
from config import ProductionConfig, from_env


def test_environment_is_read_when_the_app_is_created(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("SESSION_IDLE_HOURS", "3")
    monkeypatch.setenv("GROUP_INVITATION_DAYS", "5")
    monkeypatch.setenv("REMEMBER_COOKIE_DURATION_DAYS", "9")
    app = create_app("testing")
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["SESSION_IDLE_HOURS"] == 3
    assert app.config["GROUP_INVITATION_DAYS"] == 5
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=9)

    monkeypatch.setenv("MAIL_PORT", "2526")
    assert create_app("testing").config["MAIL_PORT"] == 2526  # a second app sees the new value


def test_keyword_overrides_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "2525")
    assert create_app("testing", MAIL_PORT=26).config["MAIL_PORT"] == 26


def test_kaffeklub_env_chooses_the_class_when_the_app_is_created(monkeypatch):
    monkeypatch.setenv("KAFFEKLUB_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db.example/kaffeklub")
    monkeypatch.setenv("FORCE_HTTPS", "off")
    app = create_app()
    assert app.config["SECRET_KEY"] == "s" * 40
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db.example/kaffeklub"
    assert app.config["HSTS"] is True
    assert app.config["FORCE_HTTPS"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_production_without_secret_key_refuses_to_start(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://")


def test_development_has_a_fallback_secret_key_only_without_one_set(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert create_app("development", SQLALCHEMY_DATABASE_URI="sqlite://").config["SECRET_KEY"]
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app("development", SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SECRET_KEY"] == "from-the-environment"


def test_testing_keeps_what_it_fixes(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://somewhere/else")
    monkeypatch.setenv("SECRET_KEY", "not-the-test-one")
    app = create_app("testing")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert app.config["SECRET_KEY"] == "test-secret"


def test_a_value_that_cannot_be_read_names_its_variable():
    with pytest.raises(RuntimeError, match="MAIL_PORT"):
        from_env(ProductionConfig, {"MAIL_PORT": "twenty-five"})
