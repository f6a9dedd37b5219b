"""Routes (being built)."""

from app.connections import bp  # noqa: F401
