"""Privacy pages."""

from __future__ import annotations

from app.privacy import bp  # noqa: F401
