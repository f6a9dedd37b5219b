"""Forms of the network pages. They collect; the rules are in `app.connections.one_to_ones` and
`app.connections.services`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField

from app.connections.one_to_ones import DEFAULT_MINUTES, LIMITS, MAX_MINUTES, MIN_MINUTES
from app.forms_base import AppForm
from app.validation import LenientDateField, LenientIntegerField, LenientTimeField, Required, html_limits


def _member_id(value):
    """The chosen member's id; anything else is 0 (the service names the mistake)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class OneToOneForm(AppForm):
    partner_id = SelectField(_l("Whom did you meet (or want to meet)?"), coerce=_member_id,
                             validate_choice=False, validators=[Required()])
    met_on = LenientDateField(_l("Date"), validators=[Required()])
    start_time = LenientTimeField(_l("Time (optional)"),
                                  description=_l("Without a time the calendar shows it as an all-day entry."))
    duration_minutes = LenientIntegerField(_l("Length in minutes"), default=DEFAULT_MINUTES,
                                           render_kw={"min": MIN_MINUTES, "max": MAX_MINUTES, "step": 5})
    place = StringField(_l("Place (optional)"), render_kw=html_limits(max_length=LIMITS["place"]))
    note = TextAreaField(_l("Note (optional)"), render_kw=html_limits(max_length=LIMITS["note"], rows=3),
                         description=_l("The other member sees the note."))
    submit = SubmitField(_l("Save and send the invitation"))

    def to_data(self) -> dict:
        return {"partner_id": self.partner_id.data, "met_on": self.met_on.data,
                "start_time": self.start_time.data, "duration_minutes": self.duration_minutes.data,
                "place": self.place.data or "", "note": self.note.data or ""}


class ActionForm(AppForm):
    """A POST with only the CSRF token (confirm, decline, cancel)."""


class HideNetworkForm(AppForm):
    hide_network = BooleanField(_l("Hide my network from other members"),
                                description=_l("Other members then do not see whom you have met; the "
                                               "organizers of your groups see only numbers."))
    submit = SubmitField(_l("Save"))
