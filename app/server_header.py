"""No `Server` header from the development server: it would name Werkzeug and its version.

Werkzeug's request handler (http.server underneath) always sends `Server: Werkzeug/x.y Python/z`
from `send_response`. `hide_server_header()` makes the handler drop that one header; it is
called by `create_app`, so `flask run` and any werkzeug server started in-process are covered.
Under gunicorn, `gunicorn.conf.py` at the repository root does the same for gunicorn's header.
"""

from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler


def _send_header_but_server(self: WSGIRequestHandler, keyword: str, value: str) -> None:
    if keyword.lower() == "server":
        return
    _original_send_header(self, keyword, value)


_original_send_header = WSGIRequestHandler.send_header


def hide_server_header() -> None:
    """Stop werkzeug's development server from sending a `Server` header (idempotent)."""
    WSGIRequestHandler.send_header = _send_header_but_server  # type: ignore[method-assign]
