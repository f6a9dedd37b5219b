"""Forms of the sign-up pages. They collect; the rules are in `app.rsvp.services`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField, TextAreaField

from app.forms_base import AppForm
from app.rsvp.services import LIMITS
from app.validation import html_limits


class OneClickForm(AppForm):
    """The one button of a one-click link page (and an optional afbud message)."""

    message = TextAreaField(_l("Message to the organizers (optional)"),
                            render_kw=html_limits(max_length=LIMITS["message"], rows=3))
    submit = SubmitField()


class GuestCancelForm(AppForm):
    submit = SubmitField(_l("Cancel my seat"))
