"""Routes of the rsvp blueprint (see app/rsvp/__init__.py)."""

from __future__ import annotations

from app.rsvp import bp  # noqa: F401
