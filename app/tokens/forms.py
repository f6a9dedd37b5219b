"""Forms for personal access tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField

from app.forms_base import AppForm as FlaskForm  # FlaskForm that refuses what cannot be stored
from app.tokens.services import NAME_MAX_LENGTH
from app.validation import Required, html_limits


class CreateTokenForm(FlaskForm):
    """Renders and collects; app.tokens.services.create_token checks the name."""

    name = StringField(
        _l("Name"),
        description=_l("What the token is for, e.g. \"CRM sync\" or \"My script\"."),
        validators=[Required()],
        render_kw=html_limits(max_length=NAME_MAX_LENGTH, autocomplete="off"),
    )
