"""Reading a stored MIME message back for the development mail page (no Flask, no database)."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email import policy

from markupsafe import Markup, escape

# http(s) URLs up to whitespace or a character that cannot end one in running text.
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}'\""


@dataclass
class MailPreview:
    headers: list[tuple[str, str]]
    text: str
    html: str | None

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return ""


def parse_raw(raw: str) -> MailPreview:
    """Headers (decoded), the plain-text part and the HTML part (None when there is none)."""
    # Parse bytes, not str: the stored message is the UTF-8 text of the mail, and with
    # "Content-Transfer-Encoding: 8bit" parsing the str would turn every æ, ø, å into U+FFFD.
    message = email.message_from_bytes(raw.encode("utf-8", "surrogateescape"), policy=policy.default)
    headers = [(key, str(value)) for key, value in message.items()]
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    text = text_part.get_content() if text_part is not None else ""
    html = html_part.get_content() if html_part is not None else None
    return MailPreview(headers=headers, text=text, html=html)


def linkify(text: str) -> Markup:
    """Escape `text` and turn http(s) URLs in it into links."""
    parts: list[Markup] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        parts.append(escape(text[position:match.start()]))
        parts.append(Markup('<a href="{0}" rel="noopener noreferrer">{0}</a>').format(url))
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
