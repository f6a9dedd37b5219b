"""The start page greets by the time of day (app/main/greeting.py): tests that only want to know
whether someone is greeted, and by which name, use these instead of a fixed "Good morning"."""

from __future__ import annotations

import re

GREETINGS = ("Good morning", "Good afternoon", "Good evening", "Hello")


def greets(page: str, name: str | None = None) -> bool:
    """True if the (English) page greets `name` (a first name), or anyone when name is None."""
    who = re.escape(name) if name else r"[^<]+"
    return re.search(rf"(?:{'|'.join(GREETINGS)}), {who}<", page) is not None
