"""Routes (being built)."""

from app.checkin import bp  # noqa: F401
