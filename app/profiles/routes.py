"""Profile pages: the photo, the vCard and the visibility settings."""

from __future__ import annotations

from app.profiles import bp  # noqa: F401
