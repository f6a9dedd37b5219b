"""A member's contact details as a vCard 4.0 (RFC 6350), written by hand: pure, no Flask.

The caller passes only the fields the viewer may see (app.visibility); what is not given is left
out. Text values are escaped (backslash, comma, semicolon, newline: RFC 6350 3.4), and lines are
folded at 75 octets without splitting a UTF-8 character (3.2), ending in CRLF.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

FOLD_AT = 75  # octets per line, the CRLF not counted


def escape_text(value: str) -> str:
    """A TEXT value with \\, comma, semicolon and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\n", "\\n")


def _clean(value: object) -> str:
    # Control characters have no place in a content line (a NUL, ESC or NEL would break readers),
    # nor has a lone surrogate (not UTF-8); newlines are escaped later, tabs may stay.
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")).strip()


def fold(line: str) -> str:
    """One content line folded into lines of at most 75 octets, each continuation begun by a space."""
    parts: list[str] = []
    current, size = [], 0
    limit = FOLD_AT
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
            limit = FOLD_AT - 1  # the leading space of a continuation line counts
        current.append(ch)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


def _split_name(name: str) -> tuple[str, str]:
    """(family, given): the last word is taken as the family name ("Jens Peter Ørsted")."""
    words = name.split()
    if len(words) < 2:
        return (name, "")
    return (words[-1], " ".join(words[:-1]))


def build_vcard(member: Mapping[str, object], *, uid: str, photo_url: str | None = None) -> str:
    """The vCard of one member. member: the visible fields by their app.visibility names (name,
    company, title, industry, competencies (list), bio, offers, seeks, website, email, phone)."""
    name = _clean(member.get("name")) or "?"
    family, given = _split_name(name)
    lines = ["BEGIN:VCARD", "VERSION:4.0", "KIND:individual",
             f"FN:{escape_text(name)}",
             f"N:{escape_text(family)};{escape_text(given)};;;",
             f"UID:{escape_text(uid)}"]
    company = _clean(member.get("company"))
    if company:
        lines.append(f"ORG:{escape_text(company)}")
    title = _clean(member.get("title"))
    if title:
        lines.append(f"TITLE:{escape_text(title)}")
    email = _clean(member.get("email"))
    if email:
        lines.append(f"EMAIL;TYPE=work:{escape_text(email)}")
    phone = _clean(member.get("phone"))
    if phone:
        lines.append(f"TEL;VALUE=text;TYPE=work,voice:{escape_text(phone)}")
    website = _clean(member.get("website"))
    if website:
        # A URI is not escaped as text; it has no whitespace (a newline would start a new property).
        lines.append("URL:" + "".join(website.split()))
    if photo_url:
        lines.append(f"PHOTO:{photo_url}")
    categories = [_clean(c) for c in _as_list(member.get("competencies"))]
    categories = [c for c in categories if c]
    industry = _clean(member.get("industry"))
    if industry:
        categories.insert(0, industry)
    if categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in categories))
    note = "\n\n".join(_clean(member.get(key)) for key in ("bio",) if _clean(member.get(key)))
    if note:
        lines.append(f"NOTE:{escape_text(note)}")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def _as_list(value: object) -> Iterable[object]:
    if value is None or isinstance(value, str):
        return [value] if value else []
    return list(value)  # type: ignore[call-overload]
