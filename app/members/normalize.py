"""Pure normalisers for member fields, shared by the profile forms, the services and the CSV import.

No Flask and no database here: plain strings in, plain values out.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

COMPETENCY_MAX_LENGTH = 80

# Tags are separated by commas in forms; a CSV cell may also use "|" (the cell delimiter is often ",").
_TAG_SEPARATORS = re.compile(r"[,|]")
_WHITESPACE = re.compile(r"\s+")

LANGUAGE_ALIASES = {
    "da": "da", "dk": "da", "dansk": "da", "danish": "da", "da-dk": "da",
    "en": "en", "engelsk": "en", "english": "en", "en-gb": "en", "en-us": "en", "uk": "en",
}


def normalize_competencies(value: str | list[str] | None) -> list[str]:
    """Split "Bogføring, web design|SEO" into ["bogføring", "web design", "seo"]: trimmed,
    lower-cased, inner whitespace collapsed, duplicates dropped (first occurrence keeps its place)."""
    if value is None:
        return []
    parts = value if isinstance(value, list) else _TAG_SEPARATORS.split(value)
    seen: dict[str, None] = {}
    for part in parts:
        tag = _WHITESPACE.sub(" ", part).strip().lower()
        if tag and tag not in seen:
            seen[tag] = None
    return list(seen)


def normalize_website(value: str | None) -> str | None:
    """A http(s) URL, "" for empty input, or None when the value is not a usable web address.

    A bare host such as "www.firma.dk" (how people write it in spreadsheets) gets "https://".
    """
    value = (value or "").strip()
    if not value:
        return ""
    if " " in value:
        return None
    if "://" not in value:
        if not re.match(r"^[\w-]+(\.[\w-]+)+(:\d+)?([/?#].*)?$", value):
            return None
        value = "https://" + value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname or "." not in parts.hostname:
        return None
    if len(value) > 300:
        return None
    return value


def normalize_language(value: str | None, allowed: set[str] | frozenset[str] = frozenset({"da", "en"})
                       ) -> str | None:
    """A language code ("da"/"en") from a code or a language name; "" for empty, None if unknown."""
    value = (value or "").strip().lower()
    if not value:
        return ""
    code = LANGUAGE_ALIASES.get(value, value)
    return code if code in allowed else None


PHONE_MAX_LENGTH = 40
# Digits with spaces, +, -, (, ) and ., then optionally an extension ("ext. 12", "x12", "lok. 12").
_PHONE = re.compile(r"[0-9 ()+.\-]*[0-9][0-9 ()+.\-]*(?:\s*(?:ext\.?|x|lok\.?)\s*[0-9]{1,6})?", re.IGNORECASE)


def normalize_phone(value: str | None) -> str:
    """A phone number trimmed, with runs of white space as one space ("" for none)."""
    return _WHITESPACE.sub(" ", value or "").strip()


def phone_is_valid(value: str) -> bool:
    """An empty or normalized phone number: at most 40 characters of digits (at least 3), spaces,
    + - ( ) . and an optional extension."""
    if not value:
        return True
    return (len(value) <= PHONE_MAX_LENGTH and _PHONE.fullmatch(value) is not None
            and sum(c.isdigit() for c in value) >= 3)


def clean_text(value: str | None) -> str:
    """Trim and collapse inner whitespace of a one-line value."""
    return _WHITESPACE.sub(" ", value or "").strip()
