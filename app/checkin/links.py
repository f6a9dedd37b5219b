"""The signed address behind a meeting's self check-in QR code.

The token is the meeting's id signed with the app's secret (itsdangerous, its own salt), so it
cannot be turned into another meeting's; nothing is stored. Holding the address proves nothing by
itself: the page checks that the logged-in member belongs to the meeting's group and that the
meeting is on (`app.checkin.services.self_check_in`). Printing it at the venue is what makes
"scanned it" mean "is here".
"""

from __future__ import annotations

import io

import segno
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.auth.tokens import external_url
from app.errors import NotFound
from app.input_guard import int_in_range

_SALT = "kaffeklub.checkin.self.v1"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def checkin_token(meeting_id: int) -> str:
    return _serializer().dumps(meeting_id)


def read_checkin_token(token) -> int:
    """The meeting id, or NotFound for a token that was not made here."""
    if not isinstance(token, str) or len(token) > 200:
        raise NotFound()
    try:
        value = _serializer().loads(token)
    except (BadSignature, UnicodeError, ValueError, TypeError):
        raise NotFound() from None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0 or not int_in_range(value):
        raise NotFound()
    return value


def checkin_url(meeting_id: int) -> str:
    return external_url("checkin.self_checkin", token=checkin_token(meeting_id))


def qr_svg(url: str) -> bytes:
    """The QR code of `url` as a standalone SVG document (black on white, a quiet zone of 4)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=4, xmldecl=True,
                                    title="QR", dark="#000", light="#fff")
    return out.getvalue()
