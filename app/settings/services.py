"""Reading and changing the network's settings (admins only)."""

from __future__ import annotations

from dataclasses import dataclass

import holidays
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _

from app.auth import permissions
from app.extensions import db
from app.meetings.zones import is_valid_timezone
from app.models import NetworkSettings
from app.validation import FieldErrors


@dataclass
class NetworkSettingsData:
    name: str
    default_timezone: str
    default_language: str
    country: str
    sender_name: str
    sender_email: str
    # What the network's public page (/network) says about it; None leaves it unchanged.
    description: str | None = None


def get_settings(user) -> NetworkSettings:
    permissions.require(permissions.is_admin(user))
    return NetworkSettings.current()


# The longest value of each field (its column); the form's maxlength comes from here.
LIMITS = {"name": 200, "default_timezone": 64, "country": 2, "sender_name": 200, "sender_email": 254,
          "description": 2000}


def update_settings(user, data: NetworkSettingsData) -> NetworkSettings:
    """Validate and store the settings; every problem is reported next to its field at once."""
    permissions.require(permissions.is_admin(user))
    errors = FieldErrors()
    name = (data.name or "").strip()
    if not name:
        errors.add("name", _("Give the network a name."))
    elif len(name) > LIMITS["name"]:
        errors.add("name", _("Use at most %(count)d characters.", count=LIMITS["name"]))
    if not is_valid_timezone(data.default_timezone or ""):
        errors.add("default_timezone", _("Unknown time zone. Use a name like Europe/Copenhagen."))
    if data.default_language not in current_app.config["LANGUAGES"]:
        errors.add("default_language", _("Choose one of the offered languages."))
    country = (data.country or "").strip().upper()
    if country not in holidays.list_supported_countries():
        errors.add("country", _("Unknown country code. Use a two-letter code like DK."))
    if len((data.sender_name or "").strip()) > LIMITS["sender_name"]:
        errors.add("sender_name", _("Use at most %(count)d characters.", count=LIMITS["sender_name"]))
    sender_email = (data.sender_email or "").strip()
    try:
        sender_email = validate_email(sender_email, check_deliverability=False,
                                      test_environment=current_app.testing).normalized
    except EmailNotValidError:
        errors.add("sender_email", _("Enter a valid email address."))
    description = _clean_description(data.description)
    if description is not None and len(description) > LIMITS["description"]:
        errors.add("description", _("Use at most %(count)d characters.", count=LIMITS["description"]))
    errors.raise_if_any(_("The settings were not saved."))

    settings = NetworkSettings.get()
    settings.name = name
    settings.default_timezone = data.default_timezone
    settings.default_language = data.default_language
    settings.country = country
    settings.sender_name = (data.sender_name or "").strip()[:200] or name
    settings.sender_email = sender_email
    if description is not None:
        settings.description = description
    db.session.commit()
    return settings


def _clean_description(value: str | None) -> str | None:
    """The public description with one kind of line break and no trailing spaces (None: unchanged)."""
    if value is None:
        return None
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()
