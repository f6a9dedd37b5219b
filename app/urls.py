"""Small URL helpers shared by several blueprints."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def is_safe_next(target: str | None) -> bool:
    """True for a same-site relative path such as "/groups/x?tab=1"; False for anything else."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    # Browsers read a backslash as a slash ("/\evil.example" is protocol-relative), and control
    # characters can hide one; refuse both rather than try to normalise them.
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the start page."""
    return target if is_safe_next(target) else url_for("main.index")
