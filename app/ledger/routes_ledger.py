"""Routes (being built)."""

from app.ledger import bp  # noqa: F401
