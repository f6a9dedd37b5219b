"""The organizers' network picture and numbers (being built)."""

from app.connections import bp  # noqa: F401
