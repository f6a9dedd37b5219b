"""Small use cases of the start page and the language switch."""

from __future__ import annotations

from flask import current_app

from app.extensions import db


def remember_language(user, lang: str) -> bool:
    """Store the chosen language on the member (when logged in); False if it is not offered."""
    if lang not in current_app.config["LANGUAGES"]:
        return False
    if getattr(user, "is_authenticated", False) and user.language != lang:
        user.language = lang
        db.session.commit()
    return True
