"""Public pages."""

from __future__ import annotations

from app.public import bp  # noqa: F401
