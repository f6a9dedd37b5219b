"""Network-wide settings: one row per installation."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class NetworkSettings(db.Model):
    __tablename__ = "network_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="Kaffeklub")
    default_timezone: Mapped[str] = mapped_column(String(64), default="Europe/Copenhagen")
    default_language: Mapped[str] = mapped_column(String(8), default="da")
    country: Mapped[str] = mapped_column(String(2), default="DK")
    sender_email: Mapped[str] = mapped_column(String(254), default="kaffeklub@localhost")
    sender_name: Mapped[str] = mapped_column(String(200), default="Kaffeklub")

    @classmethod
    def get(cls) -> NetworkSettings:
        """The installation's settings, created with defaults the first time they are asked for."""
        settings = db.session.get(cls, 1)
        if settings is None:
            settings = cls(id=1, name="Kaffeklub", default_timezone="Europe/Copenhagen",
                           default_language="da", country="DK",
                           sender_email="kaffeklub@localhost", sender_name="Kaffeklub")
            db.session.add(settings)
            db.session.flush()
        return settings
