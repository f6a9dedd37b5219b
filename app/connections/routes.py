"""Routes: "Mit netværk", another member's network, 1-to-1 meetings."""

from __future__ import annotations

from app.connections import bp, encounters  # noqa: F401


def connect_receivers() -> None:
    """Connect the receivers (init_app calls this once)."""
    encounters.connect_receivers()
