"""`flask meetings ...`: calendar mail that is due (run by cron)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the commands."""
