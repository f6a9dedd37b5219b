"""Forms for logging in and for the optional password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from app.auth.passwords import MAX_LENGTH
from app.forms_base import AppForm as FlaskForm  # FlaskForm that refuses what cannot be stored


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _email_field() -> EmailField:
    return EmailField(
        _l("Email address"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please enter your email address.")),
            # Only the shape: this is a lookup, and email-validator would refuse some stored addresses
            # (e.g. special-use domains such as .test).
            Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Please enter a valid email address.")),
            Length(max=254),
        ],
    )


class LoginLinkForm(FlaskForm):
    email = _email_field()
    next = HiddenField()
    submit = SubmitField(_l("Send me a login link"))


class ConfirmLinkForm(FlaskForm):
    remember = BooleanField(_l("Remember me on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class PasswordLoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Please enter your password.")), Length(max=MAX_LENGTH)],
    )
    remember = BooleanField(_l("Remember me on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class PasswordForm(FlaskForm):
    """Set, change or remove the password; the rules live in the service."""

    current_password = PasswordField(_l("Current password"))
    new_password = PasswordField(_l("New password"))
    confirm_password = PasswordField(_l("Repeat the new password"))
    submit = SubmitField(_l("Save password"))
    remove = SubmitField(_l("Remove password"))


class ConfirmByLinkForm(FlaskForm):
    """Confirm it is you by a new login link (for setting a password without a recent login)."""

    submit = SubmitField(_l("Send me a login link to confirm"))


class EndLoginForm(FlaskForm):
    """Log out one device (only the CSRF token)."""
