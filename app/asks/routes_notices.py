"""Routes (being built)."""

from app.asks import bp  # noqa: F401
