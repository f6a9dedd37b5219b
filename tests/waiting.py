"""Waiting for a state, never for a duration (tests that start servers or processes)."""

from __future__ import annotations

import time


def wait_for(condition, what: str, timeout: float = 60):
    """Poll `condition` until it returns something truthy, and return that. The timeout is only a
    guard against a state that never comes (then the test fails, saying what it waited for)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
