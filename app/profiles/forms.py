"""Forms for the visibility settings and the photo. The rules live in app/profiles/services.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from app.forms_base import AppForm as FlaskForm  # FlaskForm that refuses what cannot be stored
from app.visibility import Level

LEVEL_LABELS = {
    Level.PUBLIC.value: _l("Everyone (public)"),
    Level.MEMBERS.value: _l("Members of my groups"),
    Level.ORGANIZERS.value: _l("Organizers only"),
}
THREE = [SelectChoice(level.value, LEVEL_LABELS[level.value]) for level in Level]
TWO = [SelectChoice(level, LEVEL_LABELS[level]) for level in (Level.MEMBERS.value, Level.ORGANIZERS.value)]


def _level(label, description, choices) -> RadioField:
    # validate_choice=False: the service names a wrong value, as it does for the API.
    return RadioField(label, choices=choices, default=Level.MEMBERS.value, validate_choice=False,
                      description=description)


class VisibilityForm(FlaskForm):
    """Who sees each kind of the member's data (app.visibility.PRIVACY_KINDS)."""

    profile = _level(_l("Profile"), _l("Company, title, industry, competencies, what you offer and "
                                       "look for, about you and your website."), THREE)
    photo = _level(_l("Profile photo"), None, THREE)
    email = _level(_l("E-mail"), None, THREE)
    phone = _level(_l("Phone"), None, THREE)
    meetings = _level(_l("Which meetings I am coming to"),
                      _l("Your name on the list of who is coming, and your upcoming meetings on "
                         "your profile."), TWO)
    network = _level(_l("Whom I have met"),
                     _l("With “Organizers only”, organizers see how many you have met, not whom."), TWO)

    KINDS = ("profile", "photo", "email", "phone", "meetings", "network")

    def to_data(self) -> dict[str, object]:
        return {kind: getattr(self, kind).data for kind in self.KINDS}


class PhotoForm(FlaskForm):
    photo = FileField(_l("Choose a photo"))  # the page says which files and how large
