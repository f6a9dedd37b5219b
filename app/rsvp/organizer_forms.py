"""Forms of the attendee page's organizer actions. They collect; the rules are in the services.

The small per-person forms (promote, to the waitlist, move in line, remove a guest) are written
out by hand in `templates/rsvp/attendees.html` (a hidden `holder` such as "m-12" for a member's
own seat or "g-5" for a guest, and the CSRF token); the classes here read them.
"""

from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms_base import AppForm
from app.rsvp import organizer
from app.rsvp.services import LIMITS
from app.validation import Required, html_limits

HOLDER = re.compile(r"^([mg])-([1-9]\d{0,8})$")


def parse_holder(value) -> tuple[str, int] | None:
    """"m-12" -> ("m", 12), "g-5" -> ("g", 5); anything else None."""
    match = HOLDER.match(value or "") if isinstance(value, str) else None
    return (match.group(1), int(match.group(2))) if match else None


def _member_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None  # "" (the "choose" option) or junk: pre_validate says what to do


def _chosen(form, field) -> None:
    if field.data is None:
        raise StopValidation(str(_l("Please choose a member.")))


def member_choice(label) -> SelectField:
    """A member of the group, by id; the service decides whether the id is one."""
    return SelectField(label, coerce=_member_id, validate_choice=False, validators=[_chosen])


class HolderForm(AppForm):
    """One seat holder: to the waitlist, promote (with `force` above the capacity), remove a guest."""

    holder = HiddenField()
    force = BooleanField(_l("Above capacity"))


class LineForm(AppForm):
    holder = HiddenField()
    place = IntegerField(validators=[Optional()])


class AddMemberForm(AppForm):
    member_id = member_choice(_l("Member"))
    force = BooleanField(_l("Give a seat above the capacity"))


class DeclineForm(AppForm):
    member_id = member_choice(_l("Member"))
    message = TextAreaField(_l("Message (optional)"),
                            render_kw=html_limits(max_length=LIMITS["message"], rows=2))


class GuestForm(AppForm):
    member_id = member_choice(_l("Guest of"))
    name = StringField(_l("Name"), validators=[Required()],
                       render_kw=html_limits(max_length=LIMITS["name"], required=True))
    email = EmailField(_l("E-mail"), validators=[Required()],
                       render_kw=html_limits(max_length=LIMITS["email"], required=True))
    company = StringField(_l("Company"), render_kw=html_limits(max_length=LIMITS["company"]))
    force = BooleanField(_l("Give a seat above the capacity"))


AUDIENCE_LABELS = {
    "going": _l("Going"),
    "waitlisted": _l("On the waitlist"),
    "declined": _l("Afbud"),
    "not_answered": _l("Not answered"),
    "guests": _l("Guests and substitutes"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WriteForm(AppForm):
    audiences = MultiCheckboxField(_l("To"), choices=[SelectChoice(k, v) for k, v in AUDIENCE_LABELS.items()],
                                   validate_choice=False, default=["going"])
    subject = StringField(_l("Subject"), validators=[Required()],
                          render_kw=html_limits(max_length=organizer.LIMITS["subject"], required=True))
    body = TextAreaField(_l("Message"), validators=[Required()],
                         render_kw=html_limits(max_length=organizer.LIMITS["body"], required=True, rows=6))
    send_id = HiddenField()

    def fresh_send_id(self) -> None:
        """A new one-time id for the next message (the same id twice sends once)."""
        self.send_id.data = secrets.token_hex(8)
