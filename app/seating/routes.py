"""Routes (being built)."""

from app.seating import bp  # noqa: F401
