"""The network settings form. The rules live in the service (the form only limits lengths), so
every problem is reported at once, and the same way for every caller."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length

from app.forms_base import AppForm


class NetworkSettingsForm(AppForm):
    name = StringField(_l("Network name"), validators=[Length(max=200)])
    default_timezone = StringField(_l("Time zone"), validators=[Length(max=64)],
                                   description=_l("Used where a group has none, e.g. Europe/Copenhagen."))
    default_language = SelectField(_l("Default language"))
    country = StringField(_l("Country for public holidays"), validators=[Length(max=2)],
                          description=_l("Two-letter code; meeting series can skip this country's holidays."))
    sender_name = StringField(_l("Sender name"), validators=[Length(max=200)])
    sender_email = StringField(_l("Sender address"), validators=[Length(max=254)],
                               description=_l("Mail to members comes from this address."))
    submit = SubmitField(_l("Save settings"))
