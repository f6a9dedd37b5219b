"""Network-wide settings: one row per installation."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import LANGUAGE_CODES, one_of


class NetworkSettings(db.Model):
    __tablename__ = "network_settings"
    __table_args__ = (one_of("default_language", LANGUAGE_CODES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="Kaffeklub")
    default_timezone: Mapped[str] = mapped_column(String(64), default="Europe/Copenhagen")
    default_language: Mapped[str] = mapped_column(String(8), default="da", server_default="da")
    country: Mapped[str] = mapped_column(String(2), default="DK")
    sender_email: Mapped[str] = mapped_column(String(254), default="kaffeklub@localhost")
    sender_name: Mapped[str] = mapped_column(String(200), default="Kaffeklub")
    # What the network's public page (and its embed) says about the network.
    description: Mapped[str] = mapped_column(Text, default="", server_default="")

    @classmethod
    def _unsaved_defaults(cls) -> NetworkSettings:
        """The one row as a fresh installation has it, from the column defaults above."""
        return cls(id=1, **{column.key: column.default.arg
                            for column in cls.__table__.columns if column.default is not None})

    @classmethod
    def current(cls) -> NetworkSettings:
        """The settings for reading, once per request: the stored row, or unsaved defaults.

        Unlike get(), this never adds a row, so a GET request does not write."""
        from flask import g, has_app_context

        if has_app_context() and "network_settings" in g:
            return g.network_settings
        settings = db.session.get(cls, 1) or cls._unsaved_defaults()
        if has_app_context():
            g.network_settings = settings
        return settings

    @classmethod
    def get(cls) -> NetworkSettings:
        """The installation's settings for changing, created with defaults the first time."""
        settings = db.session.get(cls, 1)
        if settings is None:
            settings = cls._unsaved_defaults()
            db.session.add(settings)
            db.session.flush()
        return settings
