"""Show a new token's plaintext once, on the page the creating POST redirects to (POST/redirect/GET).

The plaintext is never stored server-side (only its hash is). Between the POST and the GET it rides
in the session cookie, encrypted: XOR with a SHAKE-256 keystream keyed by the app's SECRET_KEY and a
fresh random nonce (the cookie is signed, so it cannot be altered). The GET pops it, so a reload
shows nothing and creates nothing; a copy of the old cookie is useless without SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app, session

SESSION_KEY = "new_api_token"


def _keystream(nonce: bytes, length: int) -> bytes:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"kaffeklub api token reveal",
                   hashlib.sha256).digest()
    return hashlib.shake_256(key + nonce).digest(length)


def remember(token_id: int, member_id: int, plaintext: str) -> None:
    """Keep the plaintext for one display to this member."""
    data = plaintext.encode()
    nonce = secrets.token_bytes(16)
    sealed = bytes(a ^ b for a, b in zip(data, _keystream(nonce, len(data)), strict=True))
    session[SESSION_KEY] = {
        "token_id": token_id,
        "member_id": member_id,
        "nonce": base64.b64encode(nonce).decode(),
        "sealed": base64.b64encode(sealed).decode(),
    }


def pop(member_id: int) -> tuple[int, str] | None:
    """(token id, plaintext) once for this member, or None; it is forgotten either way."""
    value = session.pop(SESSION_KEY, None)
    if not isinstance(value, dict) or value.get("member_id") != member_id:
        return None
    try:
        nonce = base64.b64decode(value["nonce"])
        sealed = base64.b64decode(value["sealed"])
        data = bytes(a ^ b for a, b in zip(sealed, _keystream(nonce, len(sealed)), strict=True))
        return int(value["token_id"]), data.decode()
    except (KeyError, TypeError, ValueError):
        return None
