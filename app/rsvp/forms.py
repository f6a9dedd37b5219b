"""Forms of the sign-up pages. They collect; the rules are in `app.rsvp.services`.

The meeting page's panel (`app.rsvp.panel`) shows several of them at once, so the guest and the
substitute forms carry a prefix (`guest-name`, `substitute-name`): their fields never share an id
or a name with another form on the page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, StringField, SubmitField, TextAreaField

from app.forms_base import AppForm
from app.rsvp.services import LIMITS
from app.validation import Required, html_limits

GUEST_PREFIX = "guest"
SUBSTITUTE_PREFIX = "substitute"


class OneClickForm(AppForm):
    """The one button of a one-click link page (and an optional afbud message)."""

    message = TextAreaField(_l("Message to the organizers (optional)"),
                            render_kw=html_limits(max_length=LIMITS["message"], rows=3))
    submit = SubmitField()


class GuestCancelForm(AppForm):
    submit = SubmitField(_l("Cancel my seat"))


class AnswerForm(AppForm):
    """"Jeg kommer" (answer=yes) or "Meld afbud" (answer=no, with an optional message)."""

    answer = HiddenField()
    message = TextAreaField(_l("Message to the organizers (optional)"),
                            render_kw=html_limits(max_length=LIMITS["message"], rows=2))


class _PersonForm(AppForm):
    name = StringField(_l("Name"), validators=[Required()],
                       render_kw=html_limits(max_length=LIMITS["name"], autocomplete="off"))
    email = EmailField(_l("E-mail"), validators=[Required()],
                       render_kw=html_limits(max_length=LIMITS["email"], autocomplete="off"))
    company = StringField(_l("Company"),
                          render_kw=html_limits(max_length=LIMITS["company"], autocomplete="off"))


class GuestForm(_PersonForm):
    """A guest the member brings."""


class SubstituteForm(_PersonForm):
    """A stedfortræder: a colleague who comes instead of the member."""

    message = TextAreaField(_l("Message to the organizers (optional)"),
                            render_kw=html_limits(max_length=LIMITS["message"], rows=2))


class RemoveGuestForm(AppForm):
    """The remove button beside each of the member's guests (CSRF only)."""
