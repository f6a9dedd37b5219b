"""The network settings form. The rules live in the service (the form renders and collects; the
browser's maxlength comes from the service's limits), so every problem is reported at once, and the
same way for every caller."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField

from app.forms_base import AppForm
from app.settings.services import LIMITS
from app.validation import Required, html_limits
from app.zones_ui import country_choices, timezone_choices


def _limit(name: str, *, required: bool = False) -> dict:
    """The field's arguments: the service's limit as maxlength, and the required mark."""
    return {"validators": [Required()] if required else [], "render_kw": html_limits(max_length=LIMITS[name])}


class NetworkSettingsForm(AppForm):
    name = StringField(_l("Network name"), **_limit("name", required=True))
    default_timezone = SelectField(_l("Time zone"), validate_choice=False, validators=[Required()],
                                   description=_l("Used where a group has none."))
    default_language = SelectField(_l("Default language"))
    country = SelectField(_l("Country for public holidays"), validate_choice=False, validators=[Required()],
                          description=_l("Meeting series can skip this country's public holidays."))
    sender_name = StringField(_l("Sender name"), **_limit("sender_name"))
    sender_email = StringField(_l("Sender address"), **_limit("sender_email", required=True),
                               description=_l("Mail to members comes from this address."))
    description = TextAreaField(
        _l("About the network"),
        render_kw=html_limits(max_length=LIMITS["description"], rows=5),
        description=_l("Shown on the network's public page and its embed. "
                       "An empty line starts a new paragraph."))
    submit = SubmitField(_l("Save settings"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = get_locale()
        self.default_timezone.choices = timezone_choices(locale, self.default_timezone.data)
        self.country.choices = country_choices(locale, self.country.data)
