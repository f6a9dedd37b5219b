"""Forms of the check-in pages. They collect; the rules are in `app.checkin.services`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, SelectField, StringField, SubmitField

from app.checkin.services import LIMITS
from app.forms_base import AppForm
from app.validation import html_limits


class PersonForm(AppForm):
    """One tap on a row of the door list (check in, undo) or of the attendance page (correct)."""

    key = HiddenField()
    q = HiddenField()  # the search the list was filtered by, kept across the redirect
    came = HiddenField()  # corrections: "1" came, "0" no-show


class WalkInMemberForm(AppForm):
    member_id = SelectField(_l("Member of the group"), coerce=str, validate_choice=False)
    q = HiddenField()


class VisitorForm(AppForm):
    name = StringField(_l("Name"), render_kw=html_limits(max_length=LIMITS["name"], required=True))
    email = EmailField(_l("E-mail (optional)"), render_kw=html_limits(max_length=LIMITS["email"]))
    company = StringField(_l("Company"), render_kw=html_limits(max_length=LIMITS["company"]))
    brought_by_id = SelectField(_l("Brought by (optional)"), coerce=str, validate_choice=False)
    q = HiddenField()


class ConfirmForm(AppForm):
    submit = SubmitField()
