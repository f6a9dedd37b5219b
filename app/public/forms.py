"""The visitor's form ("kom som gæst / bliv medlem") and the organizers' "handled" button. The rules
live in app.public.visitors; the form renders and collects."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from app.forms_base import AppForm
from app.public.visitors import LIMITS
from app.validation import Required, html_limits

HONEYPOT = "homepage"  # a name bots like to fill in; people never see the field


def _meeting_id(value):
    """The chosen meeting's id, or None ("no particular meeting", or junk: the service decides)."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


class VisitorForm(AppForm):
    kind = RadioField(_l("I would like to"), default="guest", validate_choice=False,
                      choices=[SelectChoice("guest", _l("Come to a meeting as a guest")),
                               SelectChoice("member", _l("Become a member"))])
    name = StringField(_l("Name"), validators=[Required()],
                       render_kw=html_limits(max_length=LIMITS["name"], autocomplete="name"))
    email = EmailField(_l("E-mail"), validators=[Required()],
                       render_kw=html_limits(max_length=LIMITS["email"], autocomplete="email"))
    phone = TelField(_l("Phone (optional)"),
                     render_kw=html_limits(max_length=LIMITS["phone"], autocomplete="tel"))
    company = StringField(_l("Company (optional)"),
                          render_kw=html_limits(max_length=LIMITS["company"], autocomplete="organization"))
    meeting_id = SelectField(_l("Which meeting? (for guests)"), coerce=_meeting_id, validate_choice=False)
    message = TextAreaField(_l("Message (optional)"), render_kw=html_limits(max_length=LIMITS["message"],
                                                                            rows=4))
    form_token = HiddenField()
    homepage = StringField(_l("Leave this field empty"),
                           render_kw={"tabindex": "-1", "autocomplete": "off"})
    submit = SubmitField(_l("Send"))


class HandledForm(AppForm):
    submit = SubmitField(_l("Mark as handled"))
