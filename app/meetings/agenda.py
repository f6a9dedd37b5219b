"""Agenda text: plain text with paragraphs and links, rendered without ever trusting raw HTML."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Matched on the already-escaped text, so "&amp;" inside a URL is kept and "<" can never appear.
_URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)"


def _link(match: re.Match) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in _TRAILING:
        tail = url[-1] + tail
        url = url[:-1]
    # `url` is escaped text already, fit for both the attribute and the body.
    return f'<a href="{url}" rel="nofollow noopener" target="_blank">{url}</a>{tail}'


def render_agenda(text: str | None) -> Markup:
    """Escape first, then turn blank-line-separated blocks into <p>, newlines into <br>, URLs into links."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return Markup("")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    html = []
    for paragraph in paragraphs:
        escaped = str(escape(paragraph))
        linked = _URL.sub(_link, escaped)
        html.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return Markup("\n".join(html))  # noqa: S704 (every piece was escaped above)
