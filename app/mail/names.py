"""How mail (and the start page) address a member: by first name, as Danish mail does."""

from __future__ import annotations


def first_name(name: str | None) -> str:
    """The first word of the name ("Anders Møller" -> "Anders"); a one-word name as it is."""
    words = (name or "").split()
    return words[0] if words else (name or "").strip()
