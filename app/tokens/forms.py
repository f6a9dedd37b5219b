"""Forms for personal access tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.forms_base import AppForm as FlaskForm  # FlaskForm that refuses what cannot be stored
from app.tokens.services import NAME_MAX_LENGTH


class CreateTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=NAME_MAX_LENGTH)],
        description=_l("What the token is for, e.g. \"CRM sync\" or \"My script\"."),
        render_kw={"maxlength": NAME_MAX_LENGTH, "autocomplete": "off"},
    )
