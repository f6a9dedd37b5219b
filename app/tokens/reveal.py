"""Show a new token's plaintext once, on the page the creating POST redirects to (POST/redirect/GET).

The plaintext is never stored server-side (only its hash is). Between the POST and the GET it rides
in the session cookie, encrypted and authenticated with Fernet (the `cryptography` package) under a
key derived from the app's SECRET_KEY (HKDF-SHA256), and it expires after a few minutes. The GET pops
it, so a reload shows nothing and creates nothing; a copy of the old cookie is useless without
SECRET_KEY, and stale after the time-to-live.
"""

from __future__ import annotations

import base64
import time

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, session

SESSION_KEY = "new_api_token"
TTL_SECONDS = 300  # long enough for a slow redirect, short enough that a forgotten cookie is useless


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"kaffeklub api token reveal").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def remember(token_id: int, member_id: int, plaintext: str) -> None:
    """Keep the plaintext for one display to this member."""
    session[SESSION_KEY] = {
        "token_id": token_id,
        "member_id": member_id,
        "sealed": _fernet().encrypt(plaintext.encode()).decode(),
    }


def pop(member_id: int, *, now: float | None = None) -> tuple[int, str] | None:
    """(token id, plaintext) once for this member, or None; it is forgotten either way.

    `now` (seconds since the epoch) is for tests of the time-to-live."""
    value = session.pop(SESSION_KEY, None)
    if not isinstance(value, dict) or value.get("member_id") != member_id:
        return None
    try:
        sealed = str(value["sealed"]).encode()
        data = _fernet().decrypt_at_time(sealed, TTL_SECONDS, int(time.time() if now is None else now))
        return int(value["token_id"]), data.decode()
    except (KeyError, TypeError, ValueError, InvalidToken):
        return None
